/**
 * The README's Slurm recipe, run verbatim on a real (single-node) Slurm: the
 * job scripts of apps/eval/slurm as shipped — the README shows them byte for
 * byte — submitted as a 4-task array and a dependent merge. Real UTD-MHAD
 * with the shipped UTD model where the research data is present, else
 * synthetic NTU files with the tiny model of backbone-onnx.
 */
import fs from "node:fs";
import path from "node:path";
import { writeSyntheticNtu } from "@skeleton-cache/datasets";
import {
  dataPath,
  describeWithSlurm,
  filesOf,
  hasData,
  repoPath,
  suiteTempDir,
} from "@skeleton-cache/test-support";
import { beforeAll, describe, expect, it } from "vitest";
import {
  EXTRACT_ARRAY,
  jobEnded,
  jobEnv,
  jobRecords,
  MERGE,
  NTU60_55_5_UNSEEN_ACTIONS,
  readmeBlock,
  runSkc,
  sbatch,
  skcBinDir,
  TINY_MODEL,
} from "./test-support/slurm.js";

const README = fs.readFileSync(repoPath("apps/eval/README.md"), "utf8");

describe("the README's Slurm recipe", () => {
  it("shows slurm/extract-array.sbatch and slurm/merge.sbatch byte for byte", () => {
    expect(readmeBlock(README, "slurm/extract-array.sbatch")).toBe(fs.readFileSync(EXTRACT_ARRAY, "utf8"));
    expect(readmeBlock(README, "slurm/merge.sbatch")).toBe(fs.readFileSync(MERGE, "utf8"));
  });
});

const UTD_MODEL = repoPath("benchmarks/utd-mhad/models/utd_mhad_22_5/seed0/model.onnx");
const REAL = hasData("real/utd-mhad");

/** report.json paths that name where the bundle and the run are, or how long it took. */
const VARYING = ["config.bundle", "config.out", "bundle.source", "timing"];

function reportOf(dir: string): Record<string, unknown> {
  const report = JSON.parse(fs.readFileSync(path.join(dir, "report.json"), "utf8"));
  for (const key of VARYING) {
    const [head, tail] = key.split(".") as [string, string | undefined];
    if (tail === undefined) delete report[head];
    else delete report[head][tail];
  }
  return report;
}

describeWithSlurm("the README's Slurm recipe, run verbatim", (cluster) => {
  const root = suiteTempDir("skc-slurm-recipe-");
  let settings: Record<string, string>;
  let bin: string;
  beforeAll(() => {
    bin = skcBinDir(path.join(root.path, "bin"));
    if (REAL)
      settings = {
        MODEL: UTD_MODEL,
        DATA_DIR: dataPath("real/utd-mhad"),
        DATASET: "utd-mhad",
        SPLIT: "utd_mhad_22_5",
      };
    else {
      const data = path.join(root.path, "ntu");
      writeSyntheticNtu(data, { count: 40, actions: NTU60_55_5_UNSEEN_ACTIONS });
      settings = { MODEL: TINY_MODEL, DATA_DIR: data, DATASET: "ntu60", SPLIT: "ntu60_55_5" };
    }
  });

  it(`${REAL ? "UTD-MHAD 22/5 with the shipped UTD model" : "synthetic NTU files with the tiny model (no research data)"}: sbatch --array=0-3 writes 4 parts, the afterok merge job joins them into the single run's bytes, skc eval gives the same report`, async () => {
    const work = root.path;
    const single = path.join(work, "single");
    const flags = ["--model", settings.MODEL!, "--data", settings.DATA_DIR!, "--dataset", settings.DATASET!];
    const reference = runSkc(
      bin,
      ["extract", ...flags, "--split", settings.SPLIT!, "--descriptors-only", "--out", single, "--quiet"],
      work,
    );
    expect(reference.stderr).toBe("");
    expect(reference.status).toBe(0);

    const env = jobEnv(cluster(), bin, {
      ...settings,
      PARTS: path.join(work, "parts"),
      BUNDLE: path.join(work, "merged"),
    });
    // The README's submit lines, with this 2-CPU node's array size and cores.
    const array = sbatch(cluster(), ["--array=0-3", "--cpus-per-task=1", EXTRACT_ARRAY], env, work);
    const merge = sbatch(cluster(), [`--dependency=afterok:${array}`, MERGE], env, work);
    const [merged] = await jobEnded(cluster(), merge);
    const tasks = jobRecords(cluster(), array);
    expect(tasks.map((t) => [t.arrayTaskId, t.state, t.exitCode]).sort()).toEqual([
      ["0", "COMPLETED", "0:0"],
      ["1", "COMPLETED", "0:0"],
      ["2", "COMPLETED", "0:0"],
      ["3", "COMPLETED", "0:0"],
    ]);
    expect([merged!.state, merged!.exitCode]).toEqual(["COMPLETED", "0:0"]);
    for (const i of [0, 1, 2, 3]) {
      const log = fs.readFileSync(path.join(work, `skc-extract-${array}_${i}.log`), "utf8");
      expect(log).toContain(
        `skc extract: part ${i}/4 (SLURM_ARRAY_TASK_ID=${i} of SLURM_ARRAY_TASK_COUNT=4)\n`,
      );
      expect(log).toMatch(new RegExp(`wrote ${path.join(work, "parts", `part-${i}`)}: \\d+ samples`));
    }
    expect(fs.readFileSync(path.join(work, `skc-merge-${merge}.log`), "utf8")).toMatch(
      /^merged 4 parts into .*merged: \d+ samples, descriptors\n$/,
    );
    expect(filesOf(path.join(work, "merged"))).toEqual(filesOf(single));

    const reports = ["merged", "single"].map((name) => {
      const out = path.join(work, `eval-${name}`);
      const run = runSkc(
        bin,
        [
          "eval",
          "--bundle",
          path.join(work, name),
          "--prior",
          "uniform",
          "--out",
          out,
          "--quiet",
          "--no-plots",
          "--no-ablations",
        ],
        work,
      );
      expect(run.status).toBe(0);
      return out;
    });
    expect(reportOf(reports[0]!)).toEqual(reportOf(reports[1]!));
    expect(fs.readFileSync(path.join(reports[0]!, "predictions.csv"), "utf8")).toBe(
      fs.readFileSync(path.join(reports[1]!, "predictions.csv"), "utf8"),
    );
  }, 180_000);
});
