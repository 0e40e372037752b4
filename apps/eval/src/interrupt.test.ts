/**
 * Ctrl-C, for every command that computes or writes (the built CLI, spawned):
 * exit 130 and one line on stderr saying what was kept and how to continue
 * (or that nothing was written); no `<out>.partial-<pid>` folder, folder
 * moved aside or temporary file left; a run folder that appears only when
 * complete (report.html included); with `--method all`, each method's folder
 * complete or absent and the comparison written last. Timed kills are flaky,
 * so the CLI raises SIGINT on itself at a named point (the test-only
 * SKC_TEST_INTERRUPT_AT): `during-<step>` inside a synchronous step,
 * `after-compute`, `after-temp-written`, `after-rename`, `before-comparison`,
 * `after-chunk`.
 */
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { writeSyntheticNtu } from "@skeleton-cache/datasets";
import { childEnv, filesOf, parityDir, REPO, repoPath, tempDir } from "@skeleton-cache/test-support";
import { describe, expect, it } from "vitest";
import { CLI } from "./test-support/io.js";

const BUNDLE = parityDir("u5-hedge");
const PRIOR = path.join(BUNDLE, "prior.json");
const MODEL = repoPath("packages/backbone-onnx/fixtures/stgcn-tiny/model.onnx");
const RUN_FILES = ["predictions.csv", "report.html", "report.json", "report.md"];

/** The built `skc`, stopped at `point` when one is given. */
function skc(args: string[], point?: string) {
  const run = spawnSync(process.execPath, [CLI, ...args], {
    cwd: REPO,
    encoding: "utf8",
    timeout: 120_000,
    env: childEnv({ CI: "true", NO_COLOR: "1", SKC_TEST_INTERRUPT_AT: point }),
  });
  return { code: run.status, stdout: run.stdout, stderr: run.stderr };
}

/** Exit 130, and stderr is exactly one line: `skc <command>: interrupted: <what>`. */
function expectInterrupted(run: ReturnType<typeof skc>, command: string, what: string | RegExp): void {
  expect(run.code, run.stderr).toBe(130);
  const prefix = `skc ${command}: interrupted: `;
  expect(run.stderr.endsWith("\n") && run.stderr.indexOf("\n") === run.stderr.length - 1, run.stderr).toBe(
    true,
  );
  expect(run.stderr.startsWith(prefix), run.stderr).toBe(true);
  const said = run.stderr.slice(prefix.length, -1);
  if (typeof what === "string") expect(said).toBe(what);
  else expect(said).toMatch(what);
}

/** What a stopped write can leave under `root`: staged folders, folders moved aside, temporary files. */
function leftovers(root: string): string[] {
  return (fs.readdirSync(root, { recursive: true }) as string[]).filter((name) =>
    /\.partial-\d+$|\.old-\d+$|\.tmp$/.test(path.basename(name)),
  );
}

/** The pid of a process that has ended. */
function deadPid(): number {
  const run = spawnSync(process.execPath, ["-e", "process.stdout.write(String(process.pid))"], {
    encoding: "utf8",
  });
  return Number(run.stdout);
}

const evalArgs = (out: string, extra: string[] = []) => [
  "eval",
  "--bundle",
  BUNDLE,
  "--prior",
  PRIOR,
  "--no-plots",
  "--no-ablations",
  "--out",
  out,
  ...extra,
];

describe("skc eval stopped by Ctrl-C", () => {
  for (const point of ["during-compute", "after-compute", "after-temp-written"])
    it(`${point}: exit 130, one line, no run folder and nothing partial`, () => {
      const root = tempDir("skc-int-");
      const out = path.join(root, "run");
      expectInterrupted(skc(evalArgs(out), point), "eval", "nothing was written; rerun the same command");
      expect(fs.readdirSync(root)).toEqual([]);
    });

  it("after-rename: the run folder is complete, report.html included, and the line says so", () => {
    const root = tempDir("skc-int-");
    const out = path.join(root, "run");
    expectInterrupted(
      skc(evalArgs(out), "after-rename"),
      "eval",
      `the run folder ${out} is complete (its summary: ${path.join(out, "report.md")})`,
    );
    expect(fs.readdirSync(out).sort()).toEqual(RUN_FILES);
    expect(leftovers(root)).toEqual([]);
  });

  it("a rerun stopped before its rename leaves the previous run folder as it was", () => {
    const root = tempDir("skc-int-");
    const out = path.join(root, "run");
    expect(skc(evalArgs(out)).code).toBe(0);
    const before = filesOf(out);
    expectInterrupted(
      skc(evalArgs(out), "after-temp-written"),
      "eval",
      `nothing was written (${out} is as it was); rerun the same command`,
    );
    expect(filesOf(out)).toEqual(before);
    expect(leftovers(root)).toEqual([]);
  });

  it("a successful run removes the partial folders of earlier runs that died, not those of live ones", () => {
    const root = tempDir("skc-int-");
    const out = path.join(root, "run");
    const dead = `${out}.partial-${deadPid()}`;
    const live = `${out}.partial-${process.pid}`;
    for (const dir of [dead, live]) {
      fs.mkdirSync(dir);
      fs.writeFileSync(path.join(dir, "predictions.csv"), "index,label\n");
    }
    expect(skc(evalArgs(out)).code).toBe(0);
    expect(fs.existsSync(dead)).toBe(false);
    expect(fs.existsSync(live)).toBe(true);
    expect(fs.readdirSync(out).sort()).toEqual(RUN_FILES);
  });
});

describe("skc eval --method all stopped by Ctrl-C", () => {
  const args = (out: string) => evalArgs(out, ["--method", "all", "--orders", "0"]);

  it("after the first method's folder: it alone is there, complete; no comparison; a rerun finishes", () => {
    const root = tempDir("skc-int-");
    const out = path.join(root, "compare");
    const run = skc(args(out), "after-rename");
    expectInterrupted(
      run,
      "eval",
      new RegExp(
        `^1 of [2-9] methods are complete in ${out} \\([a-z-]+\\); the comparison was not written; rerun the same command$`,
      ),
    );
    const methods = fs.readdirSync(out);
    expect(methods).toHaveLength(1);
    expect(fs.readdirSync(path.join(out, methods[0]!)).sort()).toEqual(RUN_FILES);
    expect(leftovers(root)).toEqual([]);
    const rerun = skc(args(out));
    expect(rerun.code, rerun.stderr).toBe(0);
    expect(fs.existsSync(path.join(out, "compare.json"))).toBe(true);
  });

  it("before-comparison: every method's folder complete, the comparison absent", () => {
    const root = tempDir("skc-int-");
    const out = path.join(root, "compare");
    const run = skc(args(out), "before-comparison");
    expectInterrupted(
      run,
      "eval",
      new RegExp(
        `^([2-9]) of \\1 methods are complete in ${out} \\([a-z-, ]+\\); the comparison was not written; rerun the same command$`,
      ),
    );
    const entries = fs.readdirSync(out);
    expect(entries.length).toBeGreaterThan(1);
    for (const method of entries)
      expect(fs.readdirSync(path.join(out, method)).sort(), method).toEqual(RUN_FILES);
    expect(leftovers(root)).toEqual([]);
  });
});

describe("skc bundle stopped by Ctrl-C", () => {
  it("convert stopped mid-copy or before its rename writes nothing; an existing target stays as it was", () => {
    const root = tempDir("skc-int-");
    for (const [point, name] of [
      ["during-convert", "out-dir"],
      ["during-convert", "out.npz"],
      ["after-temp-written", "out.safetensors"],
    ] as const) {
      const target = path.join(root, name);
      const run = skc(["bundle", "convert", BUNDLE, target], point);
      expectInterrupted(run, "bundle convert", "nothing was written; rerun the same command");
      expect(fs.existsSync(target), name).toBe(false);
    }
    expect(fs.readdirSync(root)).toEqual([]);
    const target = path.join(root, "out.npz");
    expect(skc(["bundle", "convert", BUNDLE, target]).code).toBe(0);
    const before = fs.readFileSync(target);
    expectInterrupted(
      skc(["bundle", "convert", BUNDLE, target, "--compress"], "after-temp-written"),
      "bundle convert",
      `nothing was written (${target} is as it was); rerun the same command`,
    );
    expect(fs.readFileSync(target).equals(before)).toBe(true);
    expect(leftovers(root)).toEqual([]);
  });

  it("validate stopped mid-way: nothing written, the line says so", () => {
    expectInterrupted(
      skc(["bundle", "validate", BUNDLE], "during-validate"),
      "bundle validate",
      "nothing was written (validate only reads); rerun the same command",
    );
  });

  it("extract stopped after a chunk keeps the finished chunks and says how to continue; merge stopped writes nothing", () => {
    const root = tempDir("skc-int-");
    const data = path.join(root, "ntu");
    writeSyntheticNtu(data, { count: 12, actions: [1, 2, 3] });
    const extract = (shard: string, point?: string) =>
      skc(
        [
          "extract",
          "--model",
          MODEL,
          "--data",
          data,
          "--classes",
          "A001,A002,A003",
          "--chunk-size",
          "2",
        ].concat([
          "--workers",
          "0",
          "--shard",
          shard,
          "--out",
          path.join(root, `part-${shard[0]}`),
          "--json",
          "--quiet",
        ]),
        point,
      );
    expectInterrupted(
      extract("0/2", "after-chunk"),
      "extract",
      new RegExp(
        `^[1-2] of 3 chunks \\([2-4] of 6 samples\\) are kept in ${path.join(root, "part-0")}; rerun the same command to continue$`,
      ),
    );
    const resumed = extract("0/2");
    expect(resumed.code, resumed.stderr).toBe(0);
    expect(JSON.parse(resumed.stdout)).toMatchObject({ chunks: 3, numSamples: 6 });
    expect([1, 2]).toContain(JSON.parse(resumed.stdout).keptChunks);
    expect(extract("1/2").code).toBe(0);
    const merged = path.join(root, "merged");
    const parts = [path.join(root, "part-0"), path.join(root, "part-1")];
    expectInterrupted(
      skc(["bundle", "merge", ...parts, "--out", merged], "during-merge"),
      "bundle merge",
      "nothing was written; rerun the same command",
    );
    expect(fs.existsSync(merged)).toBe(false);
    expect(leftovers(root)).toEqual([]);
    expect(skc(["bundle", "merge", ...parts, "--out", merged]).code).toBe(0);
  });
});

describe("skc report stopped by Ctrl-C", () => {
  it("while building the page: report.html as it was; after its rename: the line says it is complete", () => {
    const root = tempDir("skc-int-");
    const out = path.join(root, "run");
    expect(skc(evalArgs(out)).code).toBe(0);
    const page = path.join(out, "report.html");
    const before = fs.readFileSync(page);
    expectInterrupted(
      skc(["report", out], "during-page"),
      "report",
      `nothing was written (${page} is as it was); rerun the same command`,
    );
    expect(fs.readFileSync(page).equals(before)).toBe(true);
    expect(leftovers(root)).toEqual([]);
    expectInterrupted(skc(["report", out], "after-rename"), "report", `${page} is complete`);
    expect(fs.readdirSync(out).sort()).toEqual(RUN_FILES);
    expect(leftovers(root)).toEqual([]);
  });
});
