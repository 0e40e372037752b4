/**
 * `skc extract` as a user types it: flags → `extractBundle` of
 * @skeleton-cache/extract → the summary, errors as `skc extract: error: …`
 * with exit 2; the bundles it writes go on to `skc eval` and
 * `skc bundle merge`. (What the library writes — bytes, shards, resume,
 * adapters — is tested in packages/extract.)
 */
import fs from "node:fs";
import path from "node:path";
import { writeSyntheticNtu } from "@skeleton-cache/datasets";
import { dataPath, itWithData, REPO, repoPath, tempDir } from "@skeleton-cache/test-support";
import { describe, expect, it, vi } from "vitest";
import { main } from "../cli.js";
import { captureIo } from "../test-support/io.js";

const MODEL = repoPath("packages/backbone-onnx/fixtures/stgcn-tiny/model.onnx");
const EXAMPLE = path.join(REPO, "packages/backbone/examples/joint-motion-adapter.ts");
const CSV_READER = path.join(REPO, "packages/datasets/examples/csv-skeletons.mjs");
const BENCH = path.join(REPO, "benchmarks/utd-mhad");
const UTD = "real/utd-mhad";

describe("skc extract", () => {
  itWithData(["real/ntu"], "writes a descriptors-only GZSL bundle that skc eval reads", async () => {
    const dir = tempDir();
    const out = path.join(dir, "ntu-gzsl.npz");
    const capture = captureIo();
    const code = await main(
      [
        "extract",
        "--model",
        MODEL,
        "--data",
        dataPath("real/ntu"),
        "--split",
        "ntu60_55_5",
        "--candidates",
        "gzsl",
        "--descriptors-only",
        "--out",
        out,
        "--quiet",
      ],
      capture.io,
    );
    expect(capture.stderr).toBe("");
    expect(code).toBe(0);
    const run = captureIo();
    const evalOut = path.join(dir, "run");
    expect(
      await main(
        [
          "eval",
          "--bundle",
          out,
          "--prior",
          "uniform",
          "--gzsl",
          "--out",
          evalOut,
          "--quiet",
          "--no-plots",
          "--no-ablations",
        ],
        run.io,
      ),
    ).toBe(0);
    const report = JSON.parse(fs.readFileSync(path.join(evalOut, "report.json"), "utf8"));
    expect(report.gzsl.seenIndices).toHaveLength(55);
    expect(report.bundle.numSamples).toBe(6);
  });

  it("no candidates is bad input: exit 2, the option named", async () => {
    const capture = captureIo();
    const data = tempDir("skc-ntu-"); // the options are checked before any file is read
    const out = path.join(tempDir(), "b");
    expect(await main(["extract", "--model", MODEL, "--data", data, "--out", out], capture.io)).toBe(2);
    expect(capture.stderr).toMatch(/^skc extract: error: .*--split/);
    expect(fs.existsSync(out)).toBe(false);
  });
});

describe("skc extract names a missing model first", () => {
  it("neither the model nor its config exists: the model is named; a model without a config: the config and --model-config", async () => {
    const data = tempDir("skc-ntu-");
    writeSyntheticNtu(data, { count: 5, actions: [1, 3, 11, 17, 34] });
    const dir = tempDir("skc-nope-");
    const nope = path.join(dir, "nope.onnx");
    const out = path.join(dir, "b");
    const capture = captureIo();
    const args = ["--data", data, "--split", "ntu60_55_5", "--out", out, "--quiet"];
    expect(await main(["extract", "--model", nope, ...args], capture.io)).toBe(2);
    expect(capture.stderr).toMatch(
      new RegExp(`^skc extract: error: ${nope}: cannot read the ONNX model: it does not exist`),
    );
    expect(capture.stderr).not.toContain("backbone.json");

    const bare = path.join(dir, "bare.onnx");
    fs.copyFileSync(MODEL, bare);
    const noConfig = captureIo();
    expect(await main(["extract", "--model", bare, ...args], noConfig.io)).toBe(2);
    expect(noConfig.stderr).toMatch(
      new RegExp(
        `^skc extract: error: ${path.join(dir, "bare.backbone.json")}: no backbone config for the ONNX model ${bare}`,
      ),
    );
    expect(noConfig.stderr).toContain("--model-config");
    expect(fs.existsSync(out)).toBe(false);
  });
});

describe("skc extract --shard and skc bundle merge", () => {
  it("three parts merge; a missing or doubled part is refused by name", async () => {
    const root = tempDir("skc-shards-cli-");
    const data = path.join(root, "ntu");
    writeSyntheticNtu(data, { count: 23, actions: [1, 2, 3] });
    const args = (out: string, extra: string[]) => [
      "extract",
      "--model",
      MODEL,
      "--data",
      data,
      "--classes",
      "0,1,2",
      "--descriptors-only",
      "--chunk-size",
      "5",
      "--out",
      out,
      "--quiet",
      ...extra,
    ];
    const parts = [0, 1, 2].map((i) => path.join(root, `part-${i}`));
    for (const [i, part] of parts.entries())
      expect(await main(args(part, ["--shard", `${i}/3`, "--workers", "0"]), captureIo().io)).toBe(0);
    const merged = path.join(root, "merged");
    const io = captureIo();
    expect(await main(["bundle", "merge", parts[2]!, parts[0]!, parts[1]!, "--out", merged], io.io)).toBe(0);
    expect(io.stdout).toBe(`merged 3 parts into ${merged}: 23 samples, descriptors\n`);

    const missing = captureIo();
    expect(
      await main(["bundle", "merge", parts[0]!, parts[2]!, "--out", path.join(root, "m2")], missing.io),
    ).toBe(2);
    expect(missing.stderr).toBe("skc bundle merge: error: part 1/3 is missing (given: 0/3, 2/3)\n");
    const doubled = captureIo();
    expect(
      await main(["bundle", "merge", ...parts, parts[1]!, "--out", path.join(root, "m3")], doubled.io),
    ).toBe(2);
    expect(doubled.stderr).toBe(
      `skc bundle merge: error: part 1/3 is given twice: ${parts[1]} and ${parts[1]}\n`,
    );
  });

  it("a shard spec out of range is refused by the flag parser", async () => {
    const root = tempDir("skc-shards-cli-");
    const base = ["extract", "--model", MODEL, "--data", root, "--classes", "0"];
    const range = captureIo();
    expect(await main([...base, "--shard", "3/3", "--out", path.join(root, "b")], range.io)).toBe(2);
    expect(range.stderr).toContain('skc extract: error: --shard: "3/3" is not i/n with 0 ≤ i < n');
  });

  it("--shard env takes the part from a Slurm array task's environment and says so in the task's log; no index set, or a task resubmitted alone without /N, is exit 2", async () => {
    const root = tempDir("skc-shards-env-");
    const data = path.join(root, "ntu");
    writeSyntheticNtu(data, { count: 9, actions: [1, 2] });
    const base = ["extract", "--model", MODEL, "--data", data, "--classes", "0,1", "--descriptors-only"];
    const task = { SLURM_ARRAY_JOB_ID: "7", SLURM_ARRAY_TASK_MIN: "0", SLURM_ARRAY_TASK_MAX: "2" };
    try {
      vi.stubEnv("SLURM_ARRAY_TASK_ID", "1");
      for (const [key, value] of Object.entries(task)) vi.stubEnv(key, value);
      vi.stubEnv("SLURM_ARRAY_TASK_COUNT", "3");
      const out = path.join(root, "part-1");
      const io = captureIo();
      expect(await main([...base, "--shard", "env", "--workers", "0", "--out", out], io.io)).toBe(0);
      expect(io.stderr).toContain(
        "skc extract: part 1/3 (SLURM_ARRAY_TASK_ID=1 of SLURM_ARRAY_TASK_COUNT=3)\n",
      );
      const meta = JSON.parse(fs.readFileSync(path.join(out, "meta.json"), "utf8"));
      expect(meta.shard).toEqual({ index: 1, count: 3, offset: 3, total: 9 });

      // sbatch --array=2 (one task resubmitted alone): the array's size is not the number of parts.
      vi.stubEnv("SLURM_ARRAY_TASK_ID", "2");
      vi.stubEnv("SLURM_ARRAY_TASK_MIN", "2");
      vi.stubEnv("SLURM_ARRAY_TASK_COUNT", "1");
      const alone = captureIo();
      const lone = path.join(root, "part-2");
      expect(await main([...base, "--shard", "env", "--out", lone], alone.io)).toBe(2);
      expect(alone.stderr).toMatch(
        /^skc extract: error: --shard env: SLURM_ARRAY_TASK_ID=2, but this array does not run tasks 0…COUNT−1 .*give the number of parts: --shard env\/N/,
      );
      expect(fs.existsSync(lone)).toBe(false);

      vi.stubEnv("SLURM_ARRAY_TASK_ID", undefined);
      const none = captureIo();
      expect(await main([...base, "--shard", "env/3", "--out", lone], none.io)).toBe(2);
      expect(none.stderr).toMatch(/^skc extract: error: --shard env\/3: no task index in the environment/);
    } finally {
      vi.unstubAllEnvs();
    }
  });
});

describe("your own adapter through skc extract", () => {
  it("--backbone-module registers it (in every worker), --backbone picks it, skc eval reads the bundle", async () => {
    const root = tempDir("skc-own-adapter-");
    const data = path.join(root, "ntu");
    writeSyntheticNtu(data, { count: 12, actions: [1, 2, 3] });
    const config = path.join(root, "motion.json");
    const prototypes = [0, 1, 2].map((k) => Array.from({ length: 25 }, (_, v) => ((v + k) % 5) + 1));
    fs.writeFileSync(config, JSON.stringify({ prototypes }));
    const out = path.join(root, "B");
    const io = captureIo();
    const run = [
      "extract",
      "--backbone-module",
      EXAMPLE,
      "--backbone",
      "joint-motion",
      "--backbone-config",
      config,
      "--data",
      data,
      "--classes",
      "all",
      "--frames",
      "20",
      "--chunk-size",
      "4",
      "--workers",
      "2",
      "--out",
      out,
      "--quiet",
    ];
    expect(await main(run, io.io)).toBe(0);
    expect(io.stderr).toBe("");
    const evalRun = captureIo();
    const evalArgs = [
      "eval",
      "--bundle",
      out,
      "--prior",
      "uniform",
      "--out",
      path.join(root, "run"),
      "--quiet",
      "--no-plots",
    ];
    expect(await main(evalArgs, evalRun.io)).toBe(0);

    const missing = captureIo();
    const absent = path.join(root, "no-such-adapter.js");
    const bad = [
      "extract",
      "--backbone-module",
      absent,
      "--data",
      data,
      "--classes",
      "all",
      "--out",
      path.join(root, "C"),
    ];
    expect(await main(bad, missing.io)).toBe(2);
    expect(missing.stderr).toContain(
      `skc extract: error: --backbone-module ${absent}: no such file: ${absent}`,
    );
  });
});

describe("skc extract then skc eval on the UTD-MHAD data", () => {
  itWithData(
    [UTD],
    "the plain documented command (utd_mhad_22_5/seed0), then skc eval --bundle",
    async () => {
      const model = path.join(BENCH, "models/utd_mhad_22_5/seed0/model.onnx");
      const root = tempDir("skc-utd-extract-");
      const out = path.join(root, "B");
      const io = captureIo();
      const args = [
        "extract",
        "--model",
        model,
        "--data",
        dataPath(UTD),
        "--dataset",
        "utd-mhad",
        "--split",
        "utd_mhad_22_5",
      ];
      expect(await main([...args, "--out", out, "--quiet"], io.io)).toBe(0);
      expect(io.stderr).toBe("");
      const evalArgs = (bundle: string, dir: string) => [
        "eval",
        "--bundle",
        bundle,
        "--out",
        dir,
        "--quiet",
        "--no-plots",
        "--no-ablations",
      ];
      const run = captureIo();
      const evalOut = path.join(root, "run");
      expect(await main(evalArgs(out, evalOut), run.io)).toBe(0);
      // The default order is a seeded shuffle of the samples: nothing to warn about, and the report says so.
      expect(run.stderr).toBe("");
      const report = JSON.parse(fs.readFileSync(path.join(evalOut, "report.json"), "utf8"));
      expect(report.bundle.numSamples).toBe(160);
      expect(report.stream.order).toMatch(/^the bundle's, a seeded shuffle \(seed 0\)/);

      // Extracted in file order (UTD-MHAD's is class order), the stream is sorted by label: the one thing skc eval warns about.
      const listed = path.join(root, "L");
      expect(
        await main([...args, "--sample-order", "listed", "--out", listed, "--quiet"], captureIo().io),
      ).toBe(0);
      const sorted = captureIo();
      expect(await main(evalArgs(listed, path.join(root, "run-listed")), sorted.io)).toBe(0);
      expect(sorted.stderr).toMatch(
        /^skc eval: warning: the bundle's stream is sorted by label: .* use --protocol orders/,
      );
      expect(sorted.stderr.trim().split("\n")).toHaveLength(1);
    },
  );

  itWithData(
    [UTD],
    "a failed one-step skc eval --model ... --dataset leaves no runs/bundle-* folder",
    async () => {
      const model = path.join(BENCH, "models/utd_mhad_22_5/seed0/model.onnx");
      const cwd = process.cwd();
      const root = tempDir("skc-one-step-");
      process.chdir(root);
      try {
        const io = captureIo();
        // The extraction succeeds; the prior (NTU-60 55/5: 5 other classes) does not fit, so the run fails.
        const code = await main(
          [
            "eval",
            "--model",
            model,
            "--data",
            dataPath(UTD),
            "--dataset",
            "utd-mhad",
            "--split",
            "utd_mhad_22_5",
            "--prior",
            "ntu60_55_5",
            "--quiet",
          ],
          io.io,
        );
        expect(code).toBe(2);
        expect(io.stderr).toMatch(/ntu60_55_5/);
        expect(fs.existsSync(path.join(root, "runs")) ? fs.readdirSync(path.join(root, "runs")) : []).toEqual(
          [],
        );
      } finally {
        process.chdir(cwd);
      }
    },
  );
});

describe("your own dataset reader through skc extract", () => {
  it("--dataset-module registers it (in every worker), --dataset picks it: the same joints give the same bundle as the NTU reader", async () => {
    const root = tempDir("skc-own-dataset-");
    const ntu = path.join(root, "ntu");
    const csv = path.join(root, "csv");
    const names = writeSyntheticNtu(ntu, { count: 9, actions: [1, 2, 3], frames: 20 });
    // The same samples in the toy CSV format, joints as the NTU reader reads them (float32, written exactly).
    fs.mkdirSync(csv);
    const { NtuSkeletonDataset } = await import("@skeleton-cache/datasets");
    const reader = new NtuSkeletonDataset(ntu, { dataset: "ntu60" });
    for (const name of names) {
      const { joints, shape } = reader.load(name);
      const [T, , V] = shape;
      const lines: string[] = [];
      for (let t = 0; t < T; t++)
        for (let v = 0; v < V; v++) {
          const at = (t * shape[1] * V + v) * 3;
          lines.push([t, v, joints[at], joints[at + 1], joints[at + 2]].join(","));
        }
      fs.writeFileSync(path.join(csv, `${name.slice(0, -4)}_${name.slice(-4)}.csv`), `${lines.join("\n")}\n`);
    }
    const common = ["--model", MODEL, "--classes", "0,1,2", "--chunk-size", "4", "--workers", "2", "--quiet"];
    // Before the module is imported, no reader has that name: refused, the registered ones named.
    const unknown = captureIo();
    expect(
      await main(
        ["extract", "--dataset", "csv-skeletons", "--data", csv, "--out", path.join(root, "C"), ...common],
        unknown.io,
      ),
    ).toBe(2);
    expect(unknown.stderr).toMatch(/skc extract: error: .*"csv-skeletons".*ntu60/);
    const fromNtu = captureIo();
    expect(await main(["extract", "--data", ntu, "--out", path.join(root, "A"), ...common], fromNtu.io)).toBe(
      0,
    );
    const fromCsv = captureIo();
    const csvArgs = ["--dataset-module", CSV_READER, "--dataset", "csv-skeletons", "--data", csv];
    expect(await main(["extract", ...csvArgs, "--out", path.join(root, "B"), ...common], fromCsv.io)).toBe(0);
    expect(fromCsv.stderr).toBe("");
    for (const file of ["logits.npy", "features.npy", "labels.npy", "class_ids.npy"])
      expect(
        fs.readFileSync(path.join(root, "B", file)).equals(fs.readFileSync(path.join(root, "A", file))),
      ).toBe(true);
    const meta = JSON.parse(fs.readFileSync(path.join(root, "B", "meta.json"), "utf8"));
    expect(meta.dataset).toBe("csv-skeletons");
  });
});
