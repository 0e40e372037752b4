import fs from "node:fs";
import path from "node:path";
import { loadPrior } from "@skeleton-cache/prior";
import { tempDir } from "@skeleton-cache/test-support";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { selectClasses } from "./classes.js";
import { PriorGenerationError } from "./errors.js";
import { aggregateAnswers, type GenerateProgress, generatePrior, roundToSimplex } from "./generate.js";
import { answerFor, defaultAnswer, type FakeServer, startFakeServer } from "./test-support/fake-server.js";

const NAMES = ["clapping", "kicking", "nodding", "jumping up"];
const FAST_RETRY = { baseDelayMs: 5, maxDelayMs: 20, maxRetries: 4 };

let dir: string;
let server: FakeServer | undefined;
beforeEach(() => {
  dir = tempDir("llm-prior-");
});
afterEach(async () => {
  await server?.close();
  server = undefined;
});

function base(url: string, out?: string) {
  return {
    model: "fake-model",
    baseURL: url,
    apiKey: "sk-test-secret",
    classes: selectClasses(NAMES),
    kind: "dataset" as const,
    dataset: "toy",
    out,
    retry: FAST_RETRY,
    date: "2026-01-01",
  };
}

describe("generatePrior against a local OpenAI-compatible server", () => {
  it("asks once per class with a strict json_schema and writes a normalised prior with provenance", async () => {
    server = await startFakeServer((r) => ({
      content:
        r.className === "kicking" ? answerFor([0, 2, 2, 6], [1, 1, 2], 0.4) : defaultAnswer(r.className),
    }));
    const out = path.join(dir, "toy.json");
    const progress: GenerateProgress[] = [];
    const result = await generatePrior(base(server.baseURL, out), { onProgress: (p) => progress.push(p) });
    expect(result.asked).toBe(4);
    expect(result.requests).toBe(4);
    for (const name of NAMES) expect(server.count(name)).toBe(1);
    const first = server.requests[0]!.body;
    const format = first.response_format as {
      type: string;
      json_schema: { strict: boolean; schema: { required: string[] } };
    };
    expect(format.type).toBe("json_schema");
    expect(format.json_schema.strict).toBe(true);
    expect(format.json_schema.schema.required).toEqual(["spatial", "temporal", "gamma"]);
    expect(first.model).toBe("fake-model");

    const text = fs.readFileSync(out, "utf8");
    expect(text).not.toContain("sk-test-secret");
    const prior = loadPrior(out);
    expect(prior.kind).toBe("dataset");
    expect(prior.numClasses).toBe(4);
    expect(prior.classNames).toEqual(NAMES);
    expect(prior.classes[1]!.spatial).toEqual([0, 0.2, 0.2, 0.6]);
    expect(prior.classes[1]!.temporal).toEqual([0.25, 0.25, 0.5]);
    expect(prior.classes[1]!.gamma).toBe(0.4);
    expect(prior.provenance).toMatchObject({
      kind: "llm",
      model: "fake-model",
      endpoint_host: new URL(server.baseURL).host,
      prompt_id: "v1",
      temperature: 0,
      samples_per_class: 1,
      date: "2026-01-01",
    });
    expect(prior.provenance!.prompt_sha256).toMatch(/^[0-9a-f]{64}$/);
    expect(prior.provenance!.rendered_sha256).toMatch(/^[0-9a-f]{64}$/);
    expect(prior.provenance!.response_format).toBe("json_schema");
    expect(progress.at(-1)).toMatchObject({ done: 4, total: 4 });
    expect(progress.map((p) => p.done)).toEqual([0, 1, 2, 3, 4]);
  });

  it("gives the same bytes for the same answers (deterministic file)", async () => {
    server = await startFakeServer();
    const a = path.join(dir, "a.json");
    const b = path.join(dir, "b.json");
    await generatePrior({ ...base(server.baseURL, a), concurrency: 4 });
    await generatePrior({ ...base(server.baseURL, b), concurrency: 1 });
    expect(fs.readFileSync(a, "utf8")).toBe(fs.readFileSync(b, "utf8"));
  });

  it("retries malformed JSON and schema-violating numbers, then succeeds", async () => {
    const bad = [
      "this is not json {",
      '{"spatial": [NaN, 0.2, 0.3, 0.4], "temporal": [0.3, 0.4, 0.3], "gamma": 0.3}',
      answerFor([0.5, -0.1, 0.3, 0.3], [0.3, 0.4, 0.3], 0.3),
      JSON.stringify({ spatial: [0.5, 0.5, 0.0], temporal: [0.3, 0.4, 0.3], gamma: 0.3 }),
      JSON.stringify({ spatial: [0.25, 0.25, 0.25, 0.25], temporal: [0.3, 0.4, 0.3], gamma: "NaN" }),
      JSON.stringify({ spatial: [0.25, 0.25, 0.25, 0.25], gamma: 0.3 }),
    ];
    server = await startFakeServer((r) => ({
      content:
        r.className === "nodding" && r.attempt < bad.length ? bad[r.attempt]! : defaultAnswer(r.className),
    }));
    const fields: string[] = [];
    const result = await generatePrior(
      { ...base(server.baseURL, path.join(dir, "p.json")), maxInvalidAnswers: bad.length },
      { onInvalidAnswer: (e) => fields.push(`${e.name}:${e.field}`) },
    );
    expect(server.count("nodding")).toBe(bad.length + 1);
    expect(fields).toEqual([
      "nodding:(answer)",
      "nodding:(answer)",
      "nodding:spatial[1] (torso)",
      "nodding:spatial",
      "nodding:gamma",
      "nodding:temporal",
    ]);
    expect(result.prior.classes[2]).not.toBeNull();
  });

  it("gives up after the allowed number of bad answers, naming the class, field and value", async () => {
    server = await startFakeServer((r) => ({
      content:
        r.className === "kicking"
          ? answerFor([0.2, 0.2, 0.2, 0.2], [0.3, 0.4, 0.3], 1.7)
          : defaultAnswer(r.className),
    }));
    const out = path.join(dir, "p.json");
    const run = generatePrior({ ...base(server.baseURL, out), maxInvalidAnswers: 2, concurrency: 1 });
    await expect(run).rejects.toThrow(PriorGenerationError);
    await expect(run).rejects.toThrow(
      /class 1 "kicking": 3 answers broke the answer schema; last: gamma: .*1\.7/,
    );
    expect(server.count("kicking")).toBe(3);
    // the class finished before the failure is saved
    const saved = loadPrior(out);
    expect(saved.classes[0]).not.toBeNull();
    expect(saved.classes[1]).toBeNull();
  });

  it("waits out a 429 with retry-after (seconds) before asking again", async () => {
    server = await startFakeServer((r) => {
      return r.className === "clapping" && r.attempt === 0
        ? { status: 429, headers: { "retry-after": "1" }, error: "rate limited" }
        : { content: defaultAnswer(r.className) };
    });
    const retries: number[] = [];
    await generatePrior(
      { ...base(server.baseURL), classes: selectClasses(NAMES.slice(0, 1)) },
      { onRetry: (e) => retries.push(e.delayMs) },
    );
    // The wait is the server's retry-after, not a backoff draw (which would be ≤ 20 ms here).
    expect(retries).toEqual([1000]);
    expect(server.count("clapping")).toBe(2);
  });

  it("retries a 500 with backoff, then succeeds", async () => {
    server = await startFakeServer((r) =>
      r.attempt < 2 ? { status: 500, error: "boom" } : { content: defaultAnswer(r.className) },
    );
    const reasons: string[] = [];
    const result = await generatePrior(base(server.baseURL), { onRetry: (e) => reasons.push(e.reason) });
    expect(result.prior.classes.every((c) => c !== null)).toBe(true);
    for (const name of NAMES) expect(server.count(name)).toBe(3);
    expect(reasons).toHaveLength(8);
    expect(reasons[0]).toMatch(/HTTP 500/);
  });

  it("fails with the last error once the retries are spent", async () => {
    server = await startFakeServer(() => ({ status: 503, error: "overloaded" }));
    const run = generatePrior({ ...base(server.baseURL), classes: selectClasses(["waving"]) });
    await expect(run).rejects.toThrow(/class 0 "waving": request failed after 5 tries; last: HTTP 503/);
    expect(server.count("waving")).toBe(FAST_RETRY.maxRetries + 1);
  });

  it("aborts a hanging request after the per-request timeout and retries it", async () => {
    server = await startFakeServer((r) =>
      r.className === "kicking" && r.attempt === 0 ? { hang: true } : { content: defaultAnswer(r.className) },
    );
    const reasons: string[] = [];
    const result = await generatePrior(
      { ...base(server.baseURL), timeoutMs: 300 },
      { onRetry: (e) => reasons.push(e.reason) },
    );
    expect(reasons).toEqual(["no answer within 300 ms"]);
    expect(server.count("kicking")).toBe(2);
    expect(result.prior.classes[1]).not.toBeNull();
  });

  it("falls back to json_object, then to plain text with the JSON extracted, on a 400 about response_format", async () => {
    server = await startFakeServer((r) => {
      if (r.responseFormat === "json_schema")
        return { status: 400, error: "response_format json_schema is not supported" };
      if (r.responseFormat === "json_object") return { status: 400, error: "unknown field response_format" };
      return {
        content: `Sure! Here it is:\n\`\`\`json\n${defaultAnswer(r.className)}\n\`\`\`\nHope {this} helps.`,
      };
    });
    const falls: string[] = [];
    const result = await generatePrior(
      { ...base(server.baseURL), concurrency: 1 },
      { onFormatFallback: (e) => falls.push(`${e.from}->${e.to}`) },
    );
    expect(falls).toEqual(["json_schema->json_object", "json_object->text"]);
    expect(result.responseFormat).toBe("text");
    expect(result.prior.provenance!.response_format).toBe("text");
    // after the fallback, later classes go straight to text
    expect(server.requests.filter((r) => r.responseFormat !== "text")).toHaveLength(2);
    expect(result.prior.classes.every((c) => c !== null)).toBe(true);
  });

  it("treats 401 and 404 as configuration errors without retrying", async () => {
    server = await startFakeServer(() => ({ status: 404, error: "model not found" }));
    await expect(
      generatePrior({ ...base(server.baseURL), classes: selectClasses(["x"]) }),
    ).rejects.toMatchObject({
      code: "E_VALUE",
      details: { field: "model / baseURL" },
    });
    expect(server.requests).toHaveLength(1);
  });

  it("self-consistency: n samples per class averaged, spread recorded (separate requests or the n parameter)", async () => {
    const answers = [
      answerFor([0.1, 0.2, 0.3, 0.4], [0.2, 0.6, 0.2], 0.2),
      answerFor([0.3, 0.2, 0.1, 0.4], [0.4, 0.4, 0.2], 0.4),
      answerFor([0.2, 0.2, 0.2, 0.4], [0.3, 0.5, 0.2], 0.3),
    ];
    server = await startFakeServer((r) => {
      const n = (r.body.n as number | undefined) ?? 1;
      return { content: n > 1 ? answers.slice(0, n) : answers[r.attempt % 3]! };
    });
    for (const useN of [false, true]) {
      const out = path.join(dir, `sc-${useN}.json`);
      const before = server.requests.length;
      const result = await generatePrior({
        ...base(server.baseURL, out),
        classes: selectClasses(["clapping"]),
        samples: 3,
        useN,
      });
      expect(server.requests.length - before).toBe(useN ? 1 : 3);
      const prior = loadPrior(out);
      const c = prior.classes[0]!;
      expect(c.spatial[0]).toBeCloseTo(0.2, 6);
      expect(c.temporal[1]).toBeCloseTo(0.5, 6);
      expect(c.gamma).toBeCloseTo(0.3, 6);
      expect(prior.spread![0]).toEqual({
        spatial: [0.1, 0, 0.1, 0],
        temporal: [0.1, 0.1, 0],
        gamma: 0.1,
        samples: 3,
      });
      expect(prior.provenance).toMatchObject({ samples_per_class: 3, temperature: 0.7 });
      expect(result.requests).toBe(useN ? 1 : 3);
    }
  });

  it("resumes an existing file: finished classes are not asked again; other settings are refused", async () => {
    server = await startFakeServer((r) =>
      r.className === "nodding" && r.attempt === 0
        ? { status: 400, error: "bad request" }
        : { content: defaultAnswer(r.className) },
    );
    const out = path.join(dir, "resume.json");
    await expect(generatePrior({ ...base(server.baseURL, out), concurrency: 1 })).rejects.toThrow(/HTTP 400/);
    expect(loadPrior(out).classes.filter((c) => c !== null)).toHaveLength(2);
    const result = await generatePrior({ ...base(server.baseURL, out), concurrency: 1 });
    expect(result).toMatchObject({ asked: 2, resumed: 2 });
    for (const name of ["clapping", "kicking", "jumping up"]) expect(server.count(name)).toBe(1);
    expect(server.count("nodding")).toBe(2);
    await expect(generatePrior({ ...base(server.baseURL, out), model: "other-model" })).rejects.toThrow(
      /provenance\.model = "fake-model", not "other-model".*--overwrite/,
    );
    const fresh = await generatePrior({
      ...base(server.baseURL, out),
      model: "other-model",
      overwrite: true,
    });
    expect(fresh).toMatchObject({ asked: 4, resumed: 0 });
  });

  it("rejects bad options with the option named", async () => {
    await expect(generatePrior({ ...base("http://127.0.0.1:9/v1"), samples: 0 })).rejects.toMatchObject({
      details: { field: "samples" },
    });
    await expect(generatePrior({ ...base("http://127.0.0.1:9/v1"), model: "" })).rejects.toMatchObject({
      details: { field: "model" },
    });
    await expect(
      generatePrior({ ...base("https://api.openai.com/v1"), apiKey: undefined, env: {} }),
    ).rejects.toMatchObject({ details: { field: "OPENAI_API_KEY" } });
    await expect(generatePrior({ ...base("http://127.0.0.1:9/v1"), temperature: -1 })).rejects.toMatchObject({
      details: { field: "temperature" },
    });
  });
});

describe("aggregateAnswers", () => {
  it("averages components and gives sample standard deviations", () => {
    const { importance, spread } = aggregateAnswers([
      { spatial: [0.4, 0.2, 0.2, 0.2], temporal: [0.5, 0.25, 0.25], gamma: 0.2 },
      { spatial: [0.2, 0.2, 0.4, 0.2], temporal: [0.25, 0.5, 0.25], gamma: 0.4 },
    ]);
    expect(importance.spatial).toEqual([0.3, 0.2, 0.3, 0.2]);
    expect(importance.gamma).toBeCloseTo(0.3, 12);
    expect(spread.spatial).toEqual([0.141421, 0, 0.141421, 0]);
    expect(spread.samples).toBe(2);
  });

  it("rounds to 6 decimals that still sum to 1, so save → load → save is stable", () => {
    expect(roundToSimplex([1 / 6, 4 / 6, 1 / 6])).toEqual([0.166667, 0.666666, 0.166667]);
    expect(roundToSimplex([1 / 3, 1 / 3, 1 / 3])).toEqual([0.333334, 0.333333, 0.333333]);
  });
});
