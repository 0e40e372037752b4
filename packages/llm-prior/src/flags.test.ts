/** What each prior-command flag means, checked on plain option objects (no command-line parser). */
import fs from "node:fs";
import path from "node:path";
import { ValueError } from "@skeleton-cache/errors";
import { publishedPriorPath } from "@skeleton-cache/prior";
import { tempDir } from "@skeleton-cache/test-support";
import { beforeEach, describe, expect, it } from "vitest";
import {
  type GenerateFlags,
  generatePriorOptionsFromFlags,
  generateProgressHooks,
  uniformPriorFromFlags,
  validatePriorFile,
} from "./index.js";
import { type ClassFiles, writeClassFiles } from "./test-support/class-files.js";

let dir: string;
let files: ClassFiles;
beforeEach(() => {
  dir = tempDir("llm-prior-flags-");
  files = writeClassFiles(dir);
});

/** Every flag of `generate` set, each to a value no other flag has. */
function generateFlags(overrides: Partial<GenerateFlags> = {}): GenerateFlags {
  return {
    model: "m-7b",
    baseUrl: "http://127.0.0.1:9/v1",
    apiKey: "key-1",
    classes: files.classNames,
    split: "ntu60_55_5",
    splits: files.splits,
    descriptions: files.descriptions60,
    out: path.join(dir, "out.json"),
    overwrite: true,
    samples: 3,
    useN: true,
    temperature: 0.25,
    concurrency: 6,
    timeout: 1234,
    maxRetries: 7,
    retryBase: 11,
    retryMax: 99,
    maxInvalid: 5,
    maxTokens: 321,
    responseFormat: "json_object",
    prompt: path.join(dir, "prompts"),
    seed: 42,
    date: "2026-02-03",
    ...overrides,
  };
}

describe("generatePriorOptionsFromFlags", () => {
  it("maps every flag onto its generatePrior option and picks the split's classes with their descriptions", () => {
    const env = { OPENAI_API_KEY: "from-env" };
    const signal = new AbortController().signal;
    const options = generatePriorOptionsFromFlags(generateFlags(), { env, signal });
    expect(options).toMatchObject({
      model: "m-7b",
      baseURL: "http://127.0.0.1:9/v1",
      apiKey: "key-1",
      env,
      kind: "split",
      numClasses: 5,
      split: "ntu60_55_5",
      dataset: "ntu60",
      out: path.join(dir, "out.json"),
      overwrite: true,
      samples: 3,
      useN: true,
      temperature: 0.25,
      concurrency: 6,
      timeoutMs: 1234,
      maxInvalidAnswers: 5,
      maxTokens: 321,
      responseFormat: "json_object",
      prompt: path.join(dir, "prompts"),
      seed: 42,
      date: "2026-02-03",
      retry: { maxRetries: 7, baseDelayMs: 11, maxDelayMs: 99 },
    });
    expect(options.signal).toBe(signal);
    expect(options.classes.map((c) => [c.index, c.name])).toEqual([
      [0, "reading"],
      [1, "writing"],
      [2, "put on hat or cap"],
      [3, "jump up"],
      [4, "touch pocket"],
    ]);
    for (const c of options.classes) expect(c.description).toContain(`the hands/arms while "${c.name}"`);
  });

  it("--dataset with --candidates gives a split prior keyed by rank; a dataset alone, every class", () => {
    const some = generatePriorOptionsFromFlags(
      generateFlags({
        split: undefined,
        splits: undefined,
        descriptions: undefined,
        dataset: "ntu60",
        candidates: [19, 3],
      }),
      { env: {} },
    );
    expect(some.classes.map((c) => [c.index, c.id])).toEqual([
      [0, 3],
      [1, 19],
    ]);
    expect(some.classes.every((c) => c.description === undefined)).toBe(true);
    const all = generatePriorOptionsFromFlags(
      generateFlags({ split: undefined, splits: undefined, descriptions: undefined, dataset: "ntu120" }),
      { env: {} },
    );
    expect(all).toMatchObject({ kind: "dataset", dataset: "ntu120", numClasses: 120 });
  });

  it("a classes file with several datasets and no --dataset is refused before anything is asked", () => {
    expect(() =>
      generatePriorOptionsFromFlags(generateFlags({ split: undefined, splits: undefined }), { env: {} }),
    ).toThrow(/name one with --dataset/);
  });
});

describe("generateProgressHooks", () => {
  function stream(isTTY: boolean) {
    const written: string[] = [];
    return { written, stream: { isTTY, write: (text: string) => written.push(text) } };
  }

  it("a line per class off a terminal, naming the file classes were resumed from", () => {
    const s = stream(false);
    const hooks = generateProgressHooks(s.stream, "p.json");
    hooks.onProgress!({ done: 2, total: 5, resumed: 2 });
    hooks.onProgress!({ done: 3, total: 5, resumed: 2, index: 2, name: "jump up" });
    hooks.onRetry!({ label: 'class 3 "x"', attempt: 1, delayMs: 12.6, reason: "HTTP 500" });
    hooks.onFormatFallback!({ from: "json_schema", to: "json_object", reason: "400" });
    hooks.onInvalidAnswer!({ index: 4, name: "y", field: "gamma", value: 2, message: "too big" });
    expect(s.written).toEqual([
      "prior: 2/5 classes done (2 from p.json)\n",
      "prior: 3/5 classes done — jump up\n",
      'prior: class 3 "x": retry 1 in 13 ms (HTTP 500)\n',
      "prior: the server refused response_format json_schema; using json_object\n",
      'prior: class 4 "y": bad answer (gamma: too big); asking again\n',
    ]);
  });

  it("one rewritten line on a terminal; other messages start on a line of their own", () => {
    const s = stream(true);
    const hooks = generateProgressHooks(s.stream, "p.json");
    hooks.onProgress!({ done: 0, total: 5, resumed: 0 });
    hooks.onRetry!({ label: "c", attempt: 2, delayMs: 1, reason: "timeout" });
    expect(s.written).toEqual(["\r\x1b[Kprior: 0/5 classes done", "\nprior: c: retry 2 in 1 ms (timeout)\n"]);
  });
});

describe("validatePriorFile", () => {
  it("says what a good prior holds; a missing class is listed unless --complete refuses it", () => {
    expect(validatePriorFile("utd-mhad", {})).toBe(
      "ok utd-mhad: dataset prior, 27 classes, 27 with importances",
    );
    const partial = path.join(dir, "partial.json");
    fs.writeFileSync(
      partial,
      JSON.stringify({ num_classes: 2, weights: { "0": { spatial: [1, 0, 0, 0], gamma: 0.2 } } }),
    );
    expect(validatePriorFile(partial, {})).toBe(
      `ok ${partial}: split prior, 2 classes, 1 with importances (missing 1)`,
    );
    expect(() => validatePriorFile(partial, { complete: true })).toThrow(/no importances for class 1/);
    expect(() => validatePriorFile(publishedPriorPath("ntu60_55_5"), { numClasses: 7 })).toThrow(
      /num_classes is 5, expected 7/,
    );
  });
});

describe("uniformPriorFromFlags", () => {
  it("a count with a split, or the classes a split names; neither is a ValueError naming --num-classes", () => {
    const counted = uniformPriorFromFlags({ numClasses: 3, gamma: 0.3, split: "s1" });
    expect(counted).toMatchObject({ numClasses: 3, split: "s1" });
    expect(counted.classes[2]).toMatchObject({ spatial: [0.25, 0.25, 0.25, 0.25], gamma: 0.3 });
    const named = uniformPriorFromFlags({
      classes: files.classNames,
      split: "ntu60_55_5",
      splits: files.splits,
      gamma: 0.5,
    });
    expect(named).toMatchObject({ kind: "split", split: "ntu60_55_5", dataset: "ntu60", numClasses: 5 });
    expect(named.classNames![0]).toBe("reading");
    let error: unknown;
    try {
      uniformPriorFromFlags({ gamma: 0.5 });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ValueError);
    expect(error).toMatchObject({
      message: "give --num-classes N or --classes FILE",
      details: { field: "--num-classes" },
    });
  });
});
