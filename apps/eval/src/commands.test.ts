/**
 * The `skc` command line as a user meets it: --help, error lines, exit
 * codes, never hanging after an error, warnings about the stream order, the
 * names of run folders, class ids, the shipped GZSL demo.
 */
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { type Prior, savePrior, uniformPrior } from "@skeleton-cache/prior";
import { readEvalReport } from "@skeleton-cache/report";
import { classCatalog } from "@skeleton-cache/skeleton";
import { childEnv, parityDir, REPO, repoPath, tempDir } from "@skeleton-cache/test-support";
import { describe, expect, it } from "vitest";
import { main } from "./cli.js";
import { CLI, captureIo } from "./test-support/io.js";

/** The built `skc` in a child process, in `cwd`, killed after `timeoutMs` (status null then). */
function skc(args: string[], options: { cwd?: string; env?: Record<string, string | undefined> } = {}) {
  const result = spawnSync(process.execPath, [CLI, ...args], {
    cwd: options.cwd ?? REPO,
    encoding: "utf8",
    env: childEnv({ NO_COLOR: "1", ...options.env }),
    timeout: 30_000,
  });
  return { code: result.status, signal: result.signal, stdout: result.stdout, stderr: result.stderr };
}

/** A pattern for `text` in --help, where commander may wrap between any two words. */
const inHelp = (text: string) =>
  new RegExp(
    text
      .split(" ")
      .map((word) => word.replace(/[.*+?^${}()|[\]\\]/g, "\\$&"))
      .join("\\s+"),
  );

const SORTED_BUNDLE = repoPath("benchmarks/utd-mhad/bundles/utd_mhad_22_5/seed0");

describe("--help", () => {
  it("shows every default and one example, for skc and each command", async () => {
    const top = captureIo();
    expect(await main(["--help"], top.io)).toBe(0);
    expect(top.stdout).toMatch(/eval \[options\][\s\S]*extract \[options\][\s\S]*prior/);
    const help = captureIo();
    expect(await main(["eval", "--help"], help.io)).toBe(0);
    for (const text of [
      "-K, --capacity <K> cache entries per class (cache methods) (default: the method's; skeleton-cache: 8)",
      "--alpha <α> fusion scale α ≥ 0 (Eq. 12; cache methods) (default: the method's; skeleton-cache: 1)",
      "--method <name> test-time method: skeleton-cache, skeleton-cache-mean, knn-past, tda",
      '"reference", default: "online")',
      "--orders <R> permutations of the orders protocol, and of the spread printed beside an online or validation run (0: none) (default: 10)",
      "--gzsl-seen <ids> seen classes: 0-based dataset class ids (NTU A011 = 10) or action codes",
    ])
      expect(help.stdout).toMatch(inHelp(text));
    expect(help.stdout).toContain("Example:\n  $ skc eval --bundle");
    for (const command of [
      ["extract"],
      ["bundle", "info"],
      ["bundle", "convert"],
      ["report"],
      ["prior", "generate"],
      ["prior", "validate"],
    ]) {
      const c = captureIo();
      expect(await main([...command, "--help"], c.io)).toBe(0);
      expect(c.stdout, command.join(" ")).toContain(`Example:\n  $ skc ${command.join(" ")}`);
    }
  });
});

describe("flags and the config file", () => {
  it("the defaults --help shows never override the config file; flags a user types do", async () => {
    const dir = tempDir();
    const config = path.join(dir, "run.yaml");
    fs.writeFileSync(config, "alpha: 2\nK: 4\nhedge: off\nablations: false\nplots: false\n");
    const fromFile = path.join(dir, "file");
    expect(await main(["eval", "--config", config, "--quiet", "--out", fromFile], captureIo().io)).toBe(0);
    expect(readEvalReport(path.join(fromFile, "report.json")).params).toMatchObject({
      alpha: 2,
      K: 4,
      hedge: "off",
    });
    const typed = path.join(dir, "typed");
    expect(
      await main(["eval", "--config", config, "--alpha", "3", "--quiet", "--out", typed], captureIo().io),
    ).toBe(0);
    expect(readEvalReport(path.join(typed, "report.json")).params).toMatchObject({ alpha: 3, K: 4, beta: 5 });
  });
});

describe("errors name the flag as typed and never leave the process running", () => {
  it("-K 0 and --capacity 0 name -K/--capacity, never 'option --K'", async () => {
    for (const flag of ["-K", "--capacity"]) {
      const c = captureIo();
      expect(await main(["eval", flag, "0"], c.io)).toBe(2);
      expect(c.stderr).toContain('skc eval: error: -K/--capacity: "0" is not an integer ≥ 1');
      expect(c.stderr).not.toContain("option --K");
    }
    const config = path.join(tempDir(), "run.yaml");
    fs.writeFileSync(config, "K: 0\n");
    const c = captureIo();
    expect(await main(["eval", "--config", config], c.io)).toBe(2);
    expect(c.stderr).toContain(`${config}: K: Too small`);
  });

  it("skc prior names itself in its errors (not skc-prior)", async () => {
    const file = path.join(tempDir(), "empty-prior.json");
    fs.writeFileSync(file, JSON.stringify({ num_classes: 3, weights: {} }));
    const c = captureIo();
    expect(await main(["prior", "validate", file], c.io)).toBe(2);
    expect(c.stderr).toBe(
      `skc prior validate: error: ${file}: none of its 3 classes has importances (an interrupted or failed generate leaves such a file; rerun it to fill the classes in)\n`,
    );
    const unknown = captureIo();
    expect(await main(["prior", "generate", "--bogus"], unknown.io)).toBe(2);
    expect(unknown.stderr).toMatch(/^skc prior generate: error: /);
  });

  it("with the progress bar on, a protocol error exits 2 at once (built CLI, child process)", () => {
    // SKC_PROGRESS=1 forces the bar on; CI unset as on a user's machine.
    const env = { SKC_PROGRESS: "1", CI: undefined };
    const dir = parityDir("u5-k4");
    const base = [
      "eval",
      "--bundle",
      dir,
      "--prior",
      path.join(dir, "prior.json"),
      "--protocol",
      "validation",
    ];
    const noValidation = skc(base, { env });
    expect(noValidation.signal, "the process hung and was killed").toBeNull();
    expect(noValidation.code).toBe(2);
    expect(noValidation.stderr).toContain("skc eval: error: protocol validation needs a validation bundle");
    const missing = skc([...base, "--validation-bundle", "/no/such/dir"], { env });
    expect(missing.signal, "the process hung and was killed").toBeNull();
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain("/no/such/dir: no such file or directory");
  });

  it("with the progress bar on, an extract that fails mid-way exits 2 at once (built CLI, child process)", () => {
    const data = tempDir("skc-ntu-");
    fs.writeFileSync(path.join(data, "S001C001P001R001A001.skeleton"), "5\n1\n"); // cut short
    const out = path.join(tempDir(), "bundle");
    const run = skc(
      ["extract", "--model", repoPath("packages/backbone-onnx/fixtures/stgcn-tiny/model.onnx")].concat([
        "--data",
        data,
        "--classes",
        "A001",
        "--out",
        out,
      ]),
      { env: { SKC_PROGRESS: "1", CI: undefined } },
    );
    expect(run.signal, "the process hung and was killed").toBeNull();
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/skc extract: error: .*S001C001P001R001A001\.skeleton: line \d+/);
    expect(fs.existsSync(out)).toBe(false);
  });
});

describe("the stream order", () => {
  it("a bundle sorted by label gets a warning on stderr, in report.json and report.md, pointing to --protocol orders", async () => {
    const out = path.join(tempDir(), "sorted");
    const c = captureIo();
    const args = ["eval", "--bundle", SORTED_BUNDLE, "--prior", "utd-mhad", "--no-plots", "--no-ablations"];
    expect(await main([...args, "--out", out, "--quiet"], c.io)).toBe(0);
    expect(c.stderr).toMatch(
      /^skc eval: warning: the bundle's stream is sorted by label: 5 runs of one class \(longest 32 samples\) where a shuffled order gives about 129; .* use --protocol orders/,
    );
    const report = readEvalReport(path.join(out, "report.json"));
    expect(report.stream).toMatchObject({ runs: 5, longestRun: 32, sortedByLabel: true });
    expect(report.warnings).toHaveLength(1);
    expect(fs.readFileSync(path.join(out, "report.md"), "utf8")).toContain(
      "> **Warning.** the bundle's stream is sorted by label",
    );
    const orders = captureIo();
    const ordersOut = path.join(tempDir(), "orders");
    expect(
      await main(
        [...args, "--protocol", "orders", "--orders", "2", "--out", ordersOut, "--quiet"],
        orders.io,
      ),
    ).toBe(0);
    expect(orders.stderr).toBe("");
  });

  it("the shipped demo (a shuffled stream) gets no warning", async () => {
    const out = path.join(tempDir(), "demo");
    const c = captureIo();
    expect(await main(["eval", "--no-plots", "--no-ablations", "--out", out], c.io)).toBe(0);
    expect(c.stderr).toBe("");
    expect(c.stdout).not.toContain("NOTE:");
    expect(readEvalReport(path.join(out, "report.json")).stream.sortedByLabel).toBe(false);
  });
});

describe("run folders, priors and class ids", () => {
  it("a validation run folder is named after the chosen α and β (built CLI, default --out)", () => {
    const cwd = tempDir("skc-cwd-");
    const run = skc(["eval", "--protocol", "validation", "--no-plots", "--no-ablations", "--quiet"], {
      cwd,
      env: { CI: "true" },
    });
    expect(run.code, run.stderr).toBe(0);
    const [name] = fs.readdirSync(path.join(cwd, "runs"));
    const report = readEvalReport(path.join(cwd, "runs", name!, "report.json"));
    const { alpha, beta } = report.validation!.chosen as { alpha: number; beta: number };
    expect(name).toBe(`validation-demo-utd-mhad-a${alpha}-b${beta}-k8`);
    expect([report.params.alpha, report.params.beta]).toEqual([alpha, beta]);
  });

  it("a validation bundle of another dataset is refused, naming both", async () => {
    const c = captureIo();
    const code = await main(
      ["eval", "--demo", "synthetic", "--protocol", "validation", "--validation-bundle"].concat([
        repoPath("apps/eval/assets/demo-utd-mhad/validation"),
        "--out",
        path.join(tempDir(), "r"),
      ]),
      c.io,
    );
    expect(code).toBe(2);
    expect(c.stderr).toMatch(
      /skc eval: error: validation bundle \(--validation-bundle\) .*demo-utd-mhad\/validation is of dataset utd-mhad, but the test bundle .* is of dataset ntu60/,
    );
  });

  /** A dataset prior file (uniform importances, keyed by dataset class id) for `dataset`. */
  function datasetPriorFile(dataset: string, numClasses: number, names?: readonly string[]): string {
    const file = path.join(tempDir(), `${dataset}.json`);
    const prior: Prior = { ...uniformPrior(numClasses, 0.4, names), kind: "dataset", dataset };
    savePrior(file, prior);
    return file;
  }
  const demoArgs = ["eval", "--demo", "synthetic", "--no-plots", "--no-ablations"];

  it("a prior for another dataset is refused by name, naming both datasets", async () => {
    const mine = datasetPriorFile("mine", 5);
    const out = path.join(tempDir(), "mine");
    const refused = captureIo();
    expect(await main([...demoArgs, "--prior", mine, "--out", out], refused.io)).toBe(2);
    expect(refused.stderr).toMatch(
      /^skc eval: error: prior .*mine\.json is a prior for dataset mine, but bundle demo synthetic .* is of dataset ntu60: /,
    );
    expect(fs.existsSync(out)).toBe(false);
  });

  it("an ntu120 prior on the ntu60 demo is accepted, and the summary, report.json and report.md say so", async () => {
    const ntu120 = datasetPriorFile("ntu120", 120, classCatalog("ntu120").names);
    const accepted = captureIo();
    const out = path.join(tempDir(), "ntu120");
    expect(await main([...demoArgs, "--prior", ntu120, "--out", out], accepted.io)).toBe(0);
    const note = `prior ${ntu120} is a prior for dataset ntu120 and bundle demo synthetic (apps/eval/assets/demo) is of dataset ntu60: accepted, as ntu120's class catalog contains ntu60's (its classes 0–59, same ids)`;
    expect(accepted.stdout).toContain(`prior note: ${note}\n`);
    const report = readEvalReport(path.join(out, "report.json"));
    expect(report.prior).toEqual({ kind: "file", source: ntu120, split: "ntu60_55_5", note });
    expect(fs.readFileSync(path.join(out, "report.md"), "utf8")).toContain(note);
  });

  it("the summary names a uniform prior once, with its γ", async () => {
    const c = captureIo();
    const out = path.join(tempDir(), "u");
    expect(
      await main(["eval", "--prior", "uniform", "--no-plots", "--no-ablations", "--out", out], c.io),
    ).toBe(0);
    expect(c.stdout).toContain("prior: uniform (no LLM prior: equal part and phase importances, γ = 0.5)");
    expect(c.stdout).not.toContain("uniform uniform");
  });

  it("--gzsl runs on the shipped GZSL demo (skc eval --demo synthetic-gzsl --gzsl); seen ids may be action codes", async () => {
    const c = captureIo();
    const out = path.join(tempDir(), "gzsl");
    expect(await main(["eval", "--demo", "synthetic-gzsl", "--gzsl", "--no-plots", "--out", out], c.io)).toBe(
      0,
    );
    expect(c.stdout).toMatch(/GZSL: backbone S=\d+\.\d\d U=\d+\.\d\d H=\d+\.\d\d {2}Skeleton-Cache S=/);
    const report = readEvalReport(path.join(out, "report.json"));
    expect((report.gzsl as { seenIds: number[] }).seenIds).toHaveLength(55);
    expect(report.bundle.numClasses).toBe(60);
    // --gzsl-seen in action codes: A001 = class id 0.
    const codes = captureIo();
    const seen = (report.gzsl as { seenIds: number[] }).seenIds;
    const asCodes = seen.map((id) => `A${String(id + 1).padStart(3, "0")}`).join(",");
    const out2 = path.join(tempDir(), "gzsl-codes");
    expect(
      await main(
        [
          "eval",
          "--demo",
          "synthetic-gzsl",
          "--gzsl-seen",
          asCodes,
          "--no-plots",
          "--no-ablations",
          "--out",
          out2,
          "--quiet",
        ],
        codes.io,
      ),
    ).toBe(0);
    expect((readEvalReport(path.join(out2, "report.json")).gzsl as { seenIds: number[] }).seenIds).toEqual(
      seen,
    );
    const bad = captureIo();
    expect(await main(["eval", "--gzsl-seen", "1,B2"], bad.io)).toBe(2);
    expect(bad.stderr).toContain(
      'skc eval: error: --gzsl-seen: "1,B2" has "B2" at position 1: not a 0-based class id or an action code such as A011',
    );
  });
});
