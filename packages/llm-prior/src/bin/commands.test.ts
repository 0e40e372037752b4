import { type ChildProcess, spawn } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { createProgram, runProgram } from "@skeleton-cache/cli";
import {
  loadPrior,
  PUBLISHED_PRIORS,
  parsePrior,
  priorToJson,
  publishedPriorPath,
} from "@skeleton-cache/prior";
import { childEnv, REPO, tempDir } from "@skeleton-cache/test-support";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { type ClassFiles, writeClassFiles } from "../test-support/class-files.js";
import { defaultAnswer, type FakeServer, startFakeServer } from "../test-support/fake-server.js";
import { addPriorCommands } from "./commands.js";

function capture() {
  const out: string[] = [];
  const err: string[] = [];
  return {
    io: { stdout: { write: (s: string) => out.push(s) }, stderr: { write: (s: string) => err.push(s) } },
    out: () => out.join(""),
    err: () => err.join(""),
  };
}

/** Runs `skc-prior <argv>` in process; resolves to the exit code. */
function skcPrior(argv: string[], c = capture()): Promise<number> {
  const program = createProgram({ name: "skc-prior", description: "test", version: "0.0.0", io: c.io });
  return runProgram(addPriorCommands(program, { io: c.io, env: {}, bin: "skc-prior" }), argv, c.io);
}

let dir: string;
let files: ClassFiles;
let server: FakeServer | undefined;
beforeEach(() => {
  dir = tempDir("llm-prior-cli-");
  files = writeClassFiles(dir);
});
afterEach(async () => {
  await server?.close();
  server = undefined;
});

describe("the shipped priors", () => {
  it.each([...PUBLISHED_PRIORS])("%s loads, validates --complete, shows and round-trips", async (id) => {
    const file = publishedPriorPath(id);
    const prior = loadPrior(file);
    const again = parsePrior(JSON.parse(JSON.stringify(priorToJson(prior))), file);
    expect(again.classes).toEqual(prior.classes);
    expect(again.numClasses).toBe(prior.numClasses);
    const c = capture();
    expect(await skcPrior(["validate", "--complete", file, id], c)).toBe(0);
    const ok = new RegExp(`ok .*: \\w+ prior, ${prior.numClasses} classes, ${prior.numClasses} with`);
    expect(c.out().trim().split("\n")).toHaveLength(2);
    for (const line of c.out().trim().split("\n")) expect(line).toMatch(ok);
    const shown = capture();
    expect(await skcPrior(["show", id], shown)).toBe(0);
    expect(shown.out().split("\n").length).toBeGreaterThan(prior.numClasses + 2);
  });

  it("show and diff take shipped ids; --help shows the defaults and an example", async () => {
    const shown = capture();
    expect(await skcPrior(["show", "utd-mhad"], shown)).toBe(0);
    expect(shown.out()).toContain("dataset prior, dataset utd-mhad, 27 classes");
    const diff = capture();
    expect(await skcPrior(["diff", "ntu60_55_5", publishedPriorPath("ntu60_55_5")], diff)).toBe(0);
    expect(diff.out()).toContain("L1 spatial 0.000, L1 temporal 0.000, |d gamma| 0.000, L1 w 0.000");
    const help = capture();
    expect(await skcPrior(["generate", "--help"], help)).toBe(0);
    expect(help.out()).toMatch(/--concurrency <n>\s+classes asked at once \(default: 4\)/);
    expect(help.out()).toMatch(
      /--base-url <url>\s+OpenAI-compatible base URL \(default:\s+\$OPENAI_BASE_URL/,
    );
    expect(help.out()).toContain("Example:\n  $ skc-prior generate --base-url http://127.0.0.1:11434/v1");
    const missing = capture();
    expect(await skcPrior(["show", "no-such-prior"], missing)).toBe(2);
    expect(missing.err()).toMatch(/^skc-prior show: error: no-such-prior: cannot read prior/);
  });
});

describe("validate", () => {
  it("refuses the file a generate run that failed before its first class leaves, and a prior without classes", async () => {
    server = await startFakeServer(() => ({ status: 500, error: "down" }));
    const out = path.join(dir, "failed.json");
    const generate = capture();
    expect(
      await skcPrior(
        ["generate", "--model", "m", "--base-url", server.baseURL, "--classes", files.classNames].concat([
          "--dataset",
          "ntu60",
          "--candidates",
          "3",
          "--out",
          out,
          "--max-retries",
          "0",
        ]),
        generate,
      ),
    ).toBe(1);
    expect(fs.existsSync(out)).toBe(true);
    const c = capture();
    expect(await skcPrior(["validate", out], c)).toBe(2);
    expect(c.err()).toContain(`skc-prior validate: error: ${out}: none of its 1 classes has importances`);
    expect(c.out()).toBe("");
    const empty = path.join(dir, "empty.json");
    fs.writeFileSync(empty, JSON.stringify({ num_classes: 0, weights: {} }));
    const e = capture();
    expect(await skcPrior(["validate", empty], e)).toBe(2);
    expect(e.err()).toMatch(/empty\.json: /);
  });
});

describe("generate, uniform, diff", () => {
  it("generate: 120 NTU classes, at most and at least 8 in flight, progress done / total", async () => {
    server = await startFakeServer((r) => ({ content: defaultAnswer(r.className), delayMs: 50 }));
    const out = path.join(dir, "ntu120.json");
    const c = capture();
    const code = await skcPrior(
      ["generate", "--model", "m", "--base-url", server.baseURL, "--classes", files.classNames].concat([
        "--dataset",
        "ntu120",
        "--out",
        out,
        "--concurrency",
        "8",
        "--date",
        "2026-01-01",
      ]),
      c,
    );
    expect(code, c.err()).toBe(0);
    expect(server.requests).toHaveLength(120);
    expect(server.peakInFlight()).toBe(8);
    const prior = loadPrior(out);
    expect(prior).toMatchObject({ kind: "dataset", dataset: "ntu120", numClasses: 120 });
    expect(prior.classes.every((entry) => entry !== null)).toBe(true);
    expect(prior.classNames![59]).toBe("walking apart");
    const lines = c.err().split("\n");
    expect(lines[0]).toBe("prior: 0/120 classes done");
    expect(lines.filter((l) => l.startsWith("prior: 120/120 classes done — "))).toHaveLength(1);
    expect(lines.filter((l) => /^prior: \d+\/120 classes done/.test(l))).toHaveLength(121);
  });

  it("generate a split prior from a splits file, with descriptions as context, then diff it against the published one", async () => {
    server = await startFakeServer();
    const out = path.join(dir, "split.json");
    const c = capture();
    const code = await skcPrior(
      ["generate", "--model", "m", "--base-url", server.baseURL, "--classes", files.classNames]
        .concat(["--split", "ntu60_48_12", "--splits", files.splits, "--out", out])
        .concat(["--descriptions", files.descriptions60]),
      c,
    );
    expect(code, c.err()).toBe(0);
    const prior = loadPrior(out);
    const published = loadPrior(publishedPriorPath("ntu60_48_12"));
    expect(prior).toMatchObject({ kind: "split", split: "ntu60_48_12", dataset: "ntu60", numClasses: 12 });
    // keyed by rank of the unseen ids; names from the catalog (the published file uses short names)
    expect(prior.classNames![0]).toBe("brush hair");
    expect(published.classNames![0]).toBe("brushing hair");
    const user = (
      server.requests.find((r) => r.className === "brush hair")!.body.messages as { content: string }[]
    )[1]!;
    expect(user.content).toContain("How the action is performed");
    expect(user.content).toContain('- hands/arms: the hands/arms while "brush hair"');
    const d = capture();
    expect(await skcPrior(["diff", out, "ntu60_48_12"], d)).toBe(0);
    expect(d.out()).toMatch(/mean over 12 classes in both: L1 spatial \d\.\d{3}/);
    expect(d.out()).toContain("warning: class names differ");
  });

  it("uniform writes the no-LLM baseline for a count or a split", async () => {
    const out = path.join(dir, "uniform.json");
    const c = capture();
    expect(await skcPrior(["uniform", "--out", out, "--num-classes", "5", "--gamma", "0.3"], c)).toBe(0);
    const prior = loadPrior(out);
    expect(prior.numClasses).toBe(5);
    expect(prior.classes[4]).toMatchObject({ spatial: [0.25, 0.25, 0.25, 0.25], gamma: 0.3 });
    const split = path.join(dir, "uniform-split.json");
    expect(
      await skcPrior(
        [
          "uniform",
          "--out",
          split,
          "--classes",
          files.classNames,
          "--split",
          "ntu60_55_5",
          "--splits",
          files.splits,
        ],
        c,
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
  });
});

describe("errors", () => {
  it("exit 2 for bad input, one line naming the command and the flag as typed", async () => {
    const cases: [string[], string][] = [
      [
        ["generate", "--out", "x.json", "--classes", files.classNames],
        "required option --model not specified",
      ],
      [
        ["generate", "--model", "m", "--out", "x.json", "--classes", files.classNames, "--concurrency", "0"],
        '--concurrency: "0" is not an integer ≥ 1',
      ],
      [
        ["generate", "--model", "m", "--out", "x.json", "--classes", files.classNames],
        "name one with --dataset",
      ],
      [
        ["generate", "--model", "m", "--out", "x.json", "--classes", files.classNames].concat([
          "--split",
          "nope",
          "--splits",
          files.splits,
        ]),
        'no split "nope"',
      ],
      [
        ["generate", "--model", "m", "--out", "x.json", "--classes", files.classNames].concat([
          "--dataset",
          "ntu60",
          "--base-url",
          "https://api.openai.com/v1",
        ]),
        "OPENAI_API_KEY",
      ],
      [
        ["generate", "--model", "m", "--out", "x.json", "--classes", files.classNames, "--bogus"],
        "unknown option --bogus",
      ],
      [
        ["generate", "--response-format", "yaml"],
        '--response-format: "yaml" is not one of auto, json_schema',
      ],
      [["generate", "--candidates", "3,x"], '--candidates: "3,x" has "x" at position 1'],
      [["uniform", "--out", "u.json"], "give --num-classes N or --classes FILE"],
      [["validate", path.join(dir, "missing.json")], "missing.json: cannot read prior"],
      [["validate", "--num-classes", "7", "ntu60_55_5"], "num_classes is 5, expected 7"],
      [["frobnicate"], "unknown command 'frobnicate'"],
    ];
    for (const [argv, message] of cases) {
      const c = capture();
      expect(await skcPrior(argv, c), argv.join(" ")).toBe(2);
      const first = c.err().split("\n")[0]!;
      expect(first, argv.join(" ")).toMatch(/^skc-prior( \w+)?: error: /);
      expect(first, argv.join(" ")).toContain(message);
    }
    const bad = path.join(dir, "bad.json");
    fs.writeFileSync(
      bad,
      JSON.stringify({ num_classes: 2, weights: { "0": { spatial: [1, 0, -1, 0], gamma: 0.2 } } }),
    );
    const c = capture();
    expect(await skcPrior(["validate", bad], c)).toBe(2);
    expect(c.err()).toMatch(/bad\.json: invalid prior: weights\.0\.spatial\.2/);
  });

  it("exit 1 when the endpoint keeps failing", async () => {
    server = await startFakeServer(() => ({ status: 500, error: "down" }));
    const c = capture();
    const code = await skcPrior(
      ["generate", "--model", "m", "--base-url", server.baseURL, "--classes", files.classNames]
        .concat(["--dataset", "ntu60", "--candidates", "3", "--out", path.join(dir, "p.json")])
        .concat(["--max-retries", "1", "--retry-base", "1"]),
      c,
    );
    expect(code).toBe(1);
    expect(c.err()).toMatch(
      /skc-prior generate: error: class 0 "brush hair": request failed after 2 tries; last: HTTP 500/,
    );
  });
});

describe("stopped mid-way (a real child process, a real local server)", () => {
  const bin = fileURLToPath(new URL("./skc-prior.ts", import.meta.url));
  function spawnCli(args: string[]): ChildProcess & { stderrText: () => string } {
    const child = spawn(process.execPath, ["--conditions=@skc/source", "--import", "tsx", bin, ...args], {
      cwd: REPO,
      env: childEnv({ OPENAI_API_KEY: "" }),
      stdio: ["ignore", "pipe", "pipe"],
    });
    let text = "";
    child.stderr!.on("data", (chunk: Buffer) => (text += chunk.toString()));
    return Object.assign(child, { stderrText: () => text });
  }
  const exited = (child: ChildProcess): Promise<number | null> =>
    new Promise((resolve) => child.on("exit", (code) => resolve(code)));

  /** Starts generate over six NTU60 classes; the server hangs on class k until `release()`. */
  async function startStalled(k: number) {
    const names = JSON.parse(fs.readFileSync(files.classNames, "utf8")).ntu60 as string[];
    const wanted = names.slice(0, 6);
    const state = { stalled: true, hung: false };
    server = await startFakeServer((r) => {
      if (state.stalled && r.className === wanted[k]) {
        state.hung = true;
        return { hang: true };
      }
      return { content: defaultAnswer(r.className) };
    });
    const out = path.join(dir, "stalled.json");
    const args = ["generate", "--model", "m", "--base-url", server.baseURL, "--classes", files.classNames]
      .concat(["--dataset", "ntu60", "--candidates", "0,1,2,3,4,5", "--out", out])
      .concat(["--concurrency", "1", "--date", "2026-01-01"]);
    const child = spawnCli(args);
    const exit = exited(child);
    // Wait (bounded) until k classes are on disk and the request for class k hangs.
    const deadline = Date.now() + 30_000;
    while (!(state.hung && fs.existsSync(out) && loadPrior(out).classes.filter((c) => c).length === k)) {
      if (Date.now() > deadline) throw new Error(`child made no progress: ${child.stderrText()}`);
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
    return { wanted, state, out, args, child, exit };
  }

  it("Ctrl-C: exits 130 with one line saying how many classes are saved and how to resume; the rerun finishes", async () => {
    const k = 3;
    const run = await startStalled(k);
    run.child.kill("SIGINT");
    expect(await run.exit, run.child.stderrText()).toBe(130);
    // Ctrl-C adds one line (after the progress lines): what was kept and how to continue.
    const line = `skc-prior generate: interrupted: ${k} of 6 classes saved in ${run.out}; run the same command again to resume (it asks only the 3 missing)`;
    const stderr = run.child.stderrText();
    expect(stderr.endsWith(`\n${line}\n`), stderr).toBe(true);
    expect(stderr.split("\n").filter((text) => text.includes("interrupted"))).toEqual([line]);
    expect(loadPrior(run.out).classes.map((c) => c !== null)).toEqual([
      true,
      true,
      true,
      false,
      false,
      false,
    ]);
    run.state.stalled = false;
    const rerun = spawnCli(run.args);
    expect(await exited(rerun), rerun.stderrText()).toBe(0);
    expect(rerun.stderrText()).toContain(`prior: ${k}/6 classes done (${k} from ${run.out})`);
    expect(loadPrior(run.out).classes.every((c) => c !== null)).toBe(true);
  });

  it("killed (SIGKILL) after k classes: the file is never corrupt, a rerun asks no finished class again", async () => {
    const k = 3;
    const run = await startStalled(k);
    run.child.kill("SIGKILL");
    await run.exit;
    const afterCrash = loadPrior(run.out);
    expect(afterCrash.classes.map((c) => c !== null)).toEqual([true, true, true, false, false, false]);
    expect(fs.readdirSync(dir).filter((f) => f.endsWith(".tmp"))).toEqual([]);

    run.state.stalled = false;
    const rerun = spawnCli(run.args);
    expect(await exited(rerun), rerun.stderrText()).toBe(0);
    expect(rerun.stderrText()).toContain(`prior: ${k}/6 classes done (${k} from ${run.out})`);
    expect(rerun.stderrText()).toContain("prior: 6/6 classes done");
    const final = loadPrior(run.out);
    expect(final.classes.every((c) => c !== null)).toBe(true);
    expect(final.classes.slice(0, k)).toEqual(afterCrash.classes.slice(0, k));
    for (const [i, name] of run.wanted.entries()) {
      expect(server!.answered.get(name), name).toBe(1);
      expect(server!.count(name), name).toBe(i === k ? 2 : 1); // the hung request was never answered
    }
  });
});
