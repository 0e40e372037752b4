import { type ChildProcess, spawn } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { loadPrior, parsePrior, priorToJson } from "@skeleton-cache/prior";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { runPriorCommand } from "./cli.js";
import { defaultAnswer, type FakeServer, startFakeServer } from "./test-support/fake-server.js";

const SHARED = process.env.SKC_SHARED ?? fileURLToPath(new URL("../../../../shared/", import.meta.url));
const REPO = fileURLToPath(new URL("../../../", import.meta.url));
const REF = path.join(SHARED, "data/reference");
const CLASS_NAMES = path.join(REF, "class_names.json");
const SPLITS = path.join(REF, "splits.json");
const PUBLISHED = ["ntu60_55_5", "ntu60_48_12", "ntu120_110_10", "ntu120_96_24"].map((id) =>
  path.join(REF, "priors", `${id}.json`),
);
const UTD = path.join(SHARED, "data/priors/utd-mhad.json");

function capture(env: Record<string, string | undefined> = {}) {
  const out: string[] = [];
  const err: string[] = [];
  return {
    io: { stdout: { write: (s: string) => out.push(s) }, stderr: { write: (s: string) => err.push(s) }, env },
    out: () => out.join(""),
    err: () => err.join(""),
  };
}

let dir: string;
let server: FakeServer | undefined;
beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), "llm-prior-cli-"));
});
afterEach(async () => {
  await server?.close();
  server = undefined;
  fs.rmSync(dir, { recursive: true, force: true });
});

describe("published priors", () => {
  it.each([...PUBLISHED, UTD])("%s loads, validates and round-trips", async (file) => {
    const prior = loadPrior(file);
    const again = parsePrior(JSON.parse(JSON.stringify(priorToJson(prior))), file);
    expect(again.classes).toEqual(prior.classes);
    expect(again.numClasses).toBe(prior.numClasses);
    const c = capture();
    expect(await runPriorCommand(["validate", "--complete", file], c.io)).toBe(0);
    expect(c.out()).toMatch(
      new RegExp(`ok .*: \\w+ prior, ${prior.numClasses} classes, ${prior.numClasses} with`),
    );
    const shown = capture();
    expect(await runPriorCommand(["show", file], shown.io)).toBe(0);
    expect(shown.out().split("\n").length).toBeGreaterThan(prior.numClasses + 2);
  });

  it("show, validate and diff also take the ids of the shipped priors; --help after a command prints the usage", async () => {
    const shown = capture();
    expect(await runPriorCommand(["show", "utd-mhad"], shown.io)).toBe(0);
    expect(shown.out()).toContain("dataset prior, dataset utd-mhad, 27 classes");
    const diff = capture();
    expect(await runPriorCommand(["diff", "ntu60_55_5", PUBLISHED[0]!], diff.io)).toBe(0);
    const help = capture();
    expect(await runPriorCommand(["uniform", "--help"], help.io)).toBe(0);
    expect(help.out()).toContain("Usage: skc-prior");
    const missing = capture();
    expect(await runPriorCommand(["show", "no-such-prior"], missing.io)).toBe(2);
  });
});

describe("skc-prior commands", () => {
  it("generate: 120 NTU classes, 8 concurrent, 200 ms latency, in under 5 s with progress done / total", async () => {
    server = await startFakeServer((r) => ({ content: defaultAnswer(r.className), delayMs: 200 }));
    const out = path.join(dir, "ntu120.json");
    const c = capture();
    const started = Date.now();
    const code = await runPriorCommand(
      [
        "generate",
        "--model",
        "m",
        "--base-url",
        server.baseURL,
        "--classes",
        CLASS_NAMES,
        "--dataset",
        "ntu120",
      ].concat(["--out", out, "--concurrency", "8", "--date", "2026-01-01"]),
      c.io,
    );
    const elapsed = Date.now() - started;
    expect(code, c.err()).toBe(0);
    expect(elapsed).toBeLessThan(5000);
    expect(elapsed).toBeGreaterThanOrEqual((120 / 8) * 200 - 50);
    expect(server.requests).toHaveLength(120);
    const prior = loadPrior(out);
    expect(prior).toMatchObject({ kind: "dataset", dataset: "ntu120", numClasses: 120 });
    expect(prior.classes.every((entry) => entry !== null)).toBe(true);
    expect(prior.classNames![59]).toBe("walking apart");
    const lines = c.err().split("\n");
    expect(lines[0]).toBe("prior: 0/120 classes done");
    expect(lines.filter((l) => l.startsWith("prior: 120/120 classes done — "))).toHaveLength(1);
    expect(lines.filter((l) => /^prior: \d+\/120 classes done/.test(l))).toHaveLength(121);
  });

  it("generate a split prior from splits.json, with descriptions as context, then diff it against the published one", async () => {
    server = await startFakeServer();
    const out = path.join(dir, "split.json");
    const c = capture();
    const code = await runPriorCommand(
      [
        "generate",
        "--model",
        "m",
        "--base-url",
        server.baseURL,
        "--classes",
        CLASS_NAMES,
        "--split",
        "ntu60_48_12",
      ].concat([
        "--splits",
        SPLITS,
        "--out",
        out,
        "--descriptions",
        path.join(REF, "part_descriptions_ntu60.json"),
      ]),
      c.io,
    );
    expect(code, c.err()).toBe(0);
    const prior = loadPrior(out);
    const published = loadPrior(PUBLISHED[1]!);
    expect(prior).toMatchObject({ kind: "split", split: "ntu60_48_12", dataset: "ntu60", numClasses: 12 });
    // keyed by rank of the unseen ids; names from the catalog (the published file uses short names)
    expect(prior.classNames![0]).toBe("brush hair");
    expect(published.classNames![0]).toBe("brushing hair");
    const user = (
      server.requests.find((r) => r.className === "brush hair")!.body.messages as { content: string }[]
    )[1]!;
    expect(user.content).toContain("How the action is performed");
    expect(user.content).toContain("- hands/arms:");
    const d = capture();
    expect(await runPriorCommand(["diff", out, PUBLISHED[1]!], d.io)).toBe(0);
    expect(d.out()).toMatch(/mean over 12 classes in both: L1 spatial \d\.\d{3}/);
    expect(d.out()).toContain("warning: class names differ");
  });

  it("uniform writes the no-LLM baseline; diff of a prior with itself is zero", async () => {
    const out = path.join(dir, "uniform.json");
    const c = capture();
    expect(
      await runPriorCommand(["uniform", "--out", out, "--num-classes", "5", "--gamma", "0.3"], c.io),
    ).toBe(0);
    const prior = loadPrior(out);
    expect(prior.classes[4]).toMatchObject({ spatial: [0.25, 0.25, 0.25, 0.25], gamma: 0.3 });
    const split = path.join(dir, "uniform-split.json");
    expect(
      await runPriorCommand(
        ["uniform", "--out", split, "--classes", CLASS_NAMES, "--split", "ntu60_55_5", "--splits", SPLITS],
        c.io,
      ),
    ).toBe(0);
    expect(loadPrior(split)).toMatchObject({ kind: "split", split: "ntu60_55_5", numClasses: 5 });
    expect(loadPrior(split).classNames).toEqual([
      "reading",
      "writing",
      "put on hat or cap",
      "jump up",
      "touch pocket",
    ]);
    const d = capture();
    expect(await runPriorCommand(["diff", PUBLISHED[0]!, PUBLISHED[0]!], d.io)).toBe(0);
    expect(d.out()).toContain("L1 spatial 0.000, L1 temporal 0.000, |d gamma| 0.000, L1 w 0.000");
  });

  it("exit code 2 for bad input or configuration, naming the key, file or value", async () => {
    const cases: [string[], RegExp][] = [
      [["generate", "--out", "x.json", "--classes", CLASS_NAMES], /--model is required/],
      [
        [
          "generate",
          "--model",
          "m",
          "--out",
          "x.json",
          "--classes",
          CLASS_NAMES,
          "--dataset",
          "ntu60",
          "--concurrency",
          "0",
        ],
        /--concurrency must be a positive integer, got "0"/,
      ],
      [["generate", "--model", "m", "--out", "x.json", "--classes", CLASS_NAMES], /name one with --dataset/],
      [
        [
          "generate",
          "--model",
          "m",
          "--out",
          "x.json",
          "--classes",
          CLASS_NAMES,
          "--split",
          "nope",
          "--splits",
          SPLITS,
        ],
        /no split "nope"/,
      ],
      [
        [
          "generate",
          "--model",
          "m",
          "--out",
          "x.json",
          "--classes",
          CLASS_NAMES,
          "--dataset",
          "ntu60",
          "--base-url",
          "https://api.openai.com/v1",
        ],
        /OPENAI_API_KEY/,
      ],
      [["generate", "--bogus"], /bogus/],
      [["validate", path.join(dir, "missing.json")], /missing\.json: cannot read prior/],
      [["validate", "--num-classes", "7", PUBLISHED[0]!], /num_classes is 5, expected 7/],
      [["frobnicate"], /unknown command "frobnicate"/],
    ];
    for (const [argv, message] of cases) {
      const c = capture({});
      expect(await runPriorCommand(argv, c.io), argv.join(" ")).toBe(2);
      expect(c.err()).toMatch(message);
    }
    const bad = path.join(dir, "bad.json");
    fs.writeFileSync(
      bad,
      JSON.stringify({ num_classes: 2, weights: { "0": { spatial: [1, 0, -1, 0], gamma: 0.2 } } }),
    );
    const c = capture();
    expect(await runPriorCommand(["validate", bad], c.io)).toBe(2);
    expect(c.err()).toMatch(/bad\.json: invalid prior: weights\.0\.spatial\.2/);
  });

  it("exit code 1 when the endpoint keeps failing", async () => {
    server = await startFakeServer(() => ({ status: 500, error: "down" }));
    const c = capture();
    const code = await runPriorCommand(
      [
        "generate",
        "--model",
        "m",
        "--base-url",
        server.baseURL,
        "--classes",
        CLASS_NAMES,
        "--dataset",
        "ntu60",
        "--candidates",
        "3",
      ].concat(["--out", path.join(dir, "p.json"), "--max-retries", "1", "--retry-base", "1"]),
      c.io,
    );
    expect(code).toBe(1);
    expect(c.err()).toMatch(/class 0 "brush hair": request failed after 2 tries; last: HTTP 500/);
  });
});

describe("crash and resume (child process)", () => {
  function spawnCli(args: string[]): ChildProcess & { stderrText: () => string } {
    const child = spawn(
      process.execPath,
      [
        "--conditions=@skc/source",
        "--import",
        "tsx",
        path.join(REPO, "packages/llm-prior/src/bin.ts"),
        ...args,
      ],
      { cwd: REPO, env: { ...process.env, OPENAI_API_KEY: "" }, stdio: ["ignore", "pipe", "pipe"] },
    );
    let text = "";
    child.stderr!.on("data", (chunk: Buffer) => (text += chunk.toString()));
    return Object.assign(child, { stderrText: () => text });
  }
  const exited = (child: ChildProcess): Promise<number | null> =>
    new Promise((resolve) => child.on("exit", (code) => resolve(code)));

  it("killed after k classes, a rerun resumes, asks no finished class again, and the file is never corrupt", async () => {
    const names = JSON.parse(fs.readFileSync(CLASS_NAMES, "utf8")).ntu60 as string[];
    const wanted = names.slice(0, 6);
    const k = 3;
    let firstRun = true;
    let hungRequest = false;
    server = await startFakeServer((r) => {
      if (firstRun && r.className === wanted[k]) {
        hungRequest = true;
        return { hang: true };
      }
      return { content: defaultAnswer(r.className) };
    });
    const out = path.join(dir, "crash.json");
    const args = [
      "generate",
      "--model",
      "m",
      "--base-url",
      server.baseURL,
      "--classes",
      CLASS_NAMES,
      "--dataset",
      "ntu60",
    ].concat(["--candidates", "0,1,2,3,4,5", "--out", out, "--concurrency", "1", "--date", "2026-01-01"]);
    const child = spawnCli(args);
    const exit = exited(child);
    const deadline = Date.now() + 20_000;
    while (!(hungRequest && fs.existsSync(out) && loadPrior(out).classes.filter((c) => c).length === k)) {
      if (Date.now() > deadline) throw new Error(`child made no progress: ${child.stderrText()}`);
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
    child.kill("SIGKILL");
    await exit;
    const afterCrash = loadPrior(out);
    expect(afterCrash.classes.map((c) => c !== null)).toEqual([true, true, true, false, false, false]);
    expect(fs.readdirSync(dir).filter((f) => f.endsWith(".tmp"))).toEqual([]);

    firstRun = false;
    const rerun = spawnCli(args);
    expect(await exited(rerun), rerun.stderrText()).toBe(0);
    expect(rerun.stderrText()).toContain(`prior: ${k}/6 classes done (${k} from ${out})`);
    expect(rerun.stderrText()).toContain("prior: 6/6 classes done");
    const final = loadPrior(out);
    expect(final.classes.every((c) => c !== null)).toBe(true);
    expect(final.classes.slice(0, k)).toEqual(afterCrash.classes.slice(0, k));
    for (const [i, name] of wanted.entries()) {
      expect(server.answered.get(name), name).toBe(1);
      expect(server.count(name), name).toBe(i === k ? 2 : 1); // the hung request was never answered
    }
  });
});
