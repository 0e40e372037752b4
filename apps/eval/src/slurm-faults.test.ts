/**
 * The cluster path's faults, on a real (single-node) Slurm with the shipped
 * job scripts: a task cancelled mid-run and requeued resumes from its
 * journal; a task that fails stops the afterok merge, and a merge by hand
 * names the part and the file; two tasks given one shard index do not
 * interleave. Synthetic NTU files and the tiny model; where a task must be
 * caught mid-run, a test-only backbone module holds each batch back.
 */
import fs from "node:fs";
import path from "node:path";
import { writeSyntheticNtu } from "@skeleton-cache/datasets";
import { permutation } from "@skeleton-cache/tensor";
import { describeWithSlurm, filesOf, suiteTempDir } from "@skeleton-cache/test-support";
import { beforeAll, expect, it } from "vitest";
import {
  EXTRACT_ARRAY,
  jobEnded,
  jobEnv,
  jobRecords,
  MERGE,
  NTU60_55_5_UNSEEN_ACTIONS,
  runSkc,
  SLOW_ONNX,
  sbatch,
  skcBinDir,
  TINY_MODEL,
  waitFor,
} from "./test-support/slurm.js";

/** 40 samples: 10 per part of 4; with --chunk-size 1, 10 chunks per part. */
const SAMPLES = 40;

describeWithSlurm("skc extract's faults as Slurm array tasks", (cluster) => {
  const root = suiteTempDir("skc-slurm-faults-");
  let bin: string;
  let data: string;
  let settings: Record<string, string>;
  /** Part 1 of 4, written by one plain process: what every run of part 1 must write. */
  let part1: Record<string, string>;
  beforeAll(() => {
    bin = skcBinDir(path.join(root.path, "bin"));
    data = path.join(root.path, "ntu");
    writeSyntheticNtu(data, { count: SAMPLES, actions: NTU60_55_5_UNSEEN_ACTIONS });
    settings = { MODEL: TINY_MODEL, DATA_DIR: data, DATASET: "ntu60", SPLIT: "ntu60_55_5" };
    const out = path.join(root.path, "reference-part-1");
    const run = runSkc(
      bin,
      [
        ...["extract", "--model", TINY_MODEL, "--data", data, "--dataset", "ntu60", "--split", "ntu60_55_5"],
        ...["--descriptors-only", "--shard", "1/4", "--workers", "0", "--out", out, "--quiet"],
      ],
      root.path,
    );
    expect(run.stderr).toBe("");
    part1 = filesOf(out);
  });

  /**
   * The flags after the script's name that make task 1 (of 4) run slowly, one sample per chunk, on
   * its main thread (worker threads open the adapter by the backbone's own name, "onnx": not slowed).
   */
  const slowPart1 = [
    ...["--shard", "env/4", "--chunk-size", "1", "--workers", "0"],
    ...["--backbone-module", SLOW_ONNX, "--backbone", "slow-onnx"],
  ];

  it("a task cancelled mid-run (scancel), then requeued, keeps the chunks its journal holds and writes the rest: the part is byte for byte a plain run's", async () => {
    const work = fs.mkdtempSync(path.join(root.path, "cancel-"));
    const parts = path.join(work, "parts");
    const env = jobEnv(cluster(), bin, { ...settings, PARTS: parts, SKC_TEST_ENCODE_DELAY_MS: "250" });
    const job = sbatch(cluster(), ["--array=1", "--cpus-per-task=1", EXTRACT_ARRAY, ...slowPart1], env, work);
    const journal = path.join(parts, "part-1", "journal.json");
    const done = await waitFor("0 < done < 10 in part 1's journal", () => {
      if (!fs.existsSync(journal)) return undefined;
      const chunks = (JSON.parse(fs.readFileSync(journal, "utf8")) as { done: number[] }).done.length;
      return chunks > 0 && chunks < 10 ? chunks : undefined;
    });
    expect(done).toBeGreaterThan(0);
    cluster().run("scancel", [`${job}_1`]);
    const [cancelled] = await jobEnded(cluster(), `${job}_1`);
    expect(cancelled!.state).toBe("CANCELLED");
    await waitFor("the cancelled task's processes to be gone", () =>
      cluster().run("squeue", ["-h", "-t", "COMPLETING", "-o", "%i"]).trim() === "" ? true : undefined,
    );
    expect(fs.existsSync(journal)).toBe(true);

    cluster().run("scontrol", ["requeue", `${job}_1`]);
    // A requeued job waits 120 s before it may start again, unless told otherwise.
    cluster().run("scontrol", ["update", `JobId=${job}_1`, "StartTime=now"]);
    const [resumed] = await waitFor("the requeued task to end", () => {
      const records = jobRecords(cluster(), `${job}_1`);
      return records[0] && ["COMPLETED", "FAILED"].includes(records[0].state) ? records : undefined;
    });
    expect([resumed!.state, resumed!.exitCode]).toEqual(["COMPLETED", "0:0"]);
    const log = fs.readFileSync(path.join(work, `skc-extract-${job}_1.log`), "utf8");
    const kept = /resumed: (\d+) of 10 chunks were kept/.exec(log);
    expect(kept, log).not.toBeNull();
    expect(Number(kept![1])).toBeGreaterThan(0);
    expect(Number(kept![1])).toBeLessThan(10);
    // scancel's SIGTERM ended the first run where it stood: its lock was left, and taken over.
    expect(log).toMatch(
      new RegExp(`took over the write lock of pid \\d+ on \\S+ \\(job ${job}_1\\), which is gone`),
    );
    expect(filesOf(path.join(parts, "part-1"))).toEqual(part1);
  }, 120_000);

  it("a task that fails on an unreadable file exits non-zero naming it; the afterok merge never runs; skc bundle merge by hand names the part and the file and writes nothing", async () => {
    const work = fs.mkdtempSync(path.join(root.path, "fail-"));
    const broken = path.join(work, "ntu");
    fs.cpSync(data, broken, { recursive: true });
    const names = fs.readdirSync(broken).sort();
    // skc extract's default stream order: the names sorted, then permutation(N, 0); position 24 is in part 2 (20-29).
    const bad = path.join(broken, permutation(names.length, 0).map((i) => names[i]!)[24]!);
    fs.writeFileSync(bad, "not a skeleton file\n");
    const parts = path.join(work, "parts");
    const bundle = path.join(work, "merged");
    const env = jobEnv(cluster(), bin, { ...settings, DATA_DIR: broken, PARTS: parts, BUNDLE: bundle });
    const array = sbatch(cluster(), ["--array=0-3", "--cpus-per-task=1", EXTRACT_ARRAY], env, work);
    const merge = sbatch(cluster(), [`--dependency=afterok:${array}`, MERGE], env, work);
    const tasks = await jobEnded(cluster(), array);
    expect(tasks.map((t) => [t.arrayTaskId, t.state, t.exitCode]).sort()).toEqual([
      ["0", "COMPLETED", "0:0"],
      ["1", "COMPLETED", "0:0"],
      ["2", "FAILED", "2:0"],
      ["3", "COMPLETED", "0:0"],
    ]);
    const log = fs.readFileSync(path.join(work, `skc-extract-${array}_2.log`), "utf8");
    expect(log).toContain(`skc extract: error: ${bad}: line 1:`);
    // Slurm leaves the merge pending for good (kill_invalid_depend is not set on this cluster).
    const [pending] = await waitFor("the merge job's reason to be DependencyNeverSatisfied", () => {
      const records = jobRecords(cluster(), merge);
      return records[0]?.reason === "DependencyNeverSatisfied" ? records : undefined;
    });
    expect(pending!.state).toBe("PENDING");
    cluster().run("scancel", [merge]);

    const byHand = runSkc(
      bin,
      ["bundle", "merge", ...[0, 1, 2, 3].map((i) => path.join(parts, `part-${i}`)), "--out", bundle],
      work,
    );
    expect(byHand.status).toBe(2);
    expect(byHand.stderr).toMatch(
      new RegExp(
        `^skc bundle merge: error: ${path.join(parts, "part-2")}: an unfinished bundle, part 2/4 of the set \\(.*: 0 of 1 chunks written by skc extract; its last run failed: ${bad}: line 1: `,
      ),
    );
    expect(fs.readdirSync(work).filter((name) => name.startsWith("merged"))).toEqual([]);
  }, 120_000);

  it("two tasks given the same shard index: the second is refused (exit 2, naming the first's pid, host and job) instead of interleaving, and the part is a plain run's", async () => {
    const work = fs.mkdtempSync(path.join(root.path, "twice-"));
    const parts = path.join(work, "parts");
    const env = jobEnv(cluster(), bin, { ...settings, PARTS: parts, SKC_TEST_ENCODE_DELAY_MS: "400" });
    const first = sbatch(
      cluster(),
      ["--array=1", "--cpus-per-task=1", EXTRACT_ARRAY, ...slowPart1],
      env,
      work,
    );
    await waitFor("the first task to hold part 1's lock", () =>
      fs.existsSync(path.join(parts, "part-1", "lock.json")) ? true : undefined,
    );
    const second = sbatch(
      cluster(),
      ["--array=1", "--cpus-per-task=1", EXTRACT_ARRAY, ...slowPart1],
      env,
      work,
    );
    const [refused] = await jobEnded(cluster(), second);
    expect([refused!.state, refused!.exitCode]).toEqual(["FAILED", "2:0"]);
    const log = fs.readFileSync(path.join(work, `skc-extract-${second}_1.log`), "utf8");
    expect(log).toMatch(
      new RegExp(
        `skc extract: error: ${path.join(parts, "part-1")} is being written by pid \\d+ on \\S+ \\(job ${first}_1\\) since \\S+ \\(pid \\d+ is running on this host\\); two runs must not write one bundle`,
      ),
    );
    const [finished] = await jobEnded(cluster(), first);
    expect([finished!.state, finished!.exitCode]).toEqual(["COMPLETED", "0:0"]);
    expect(filesOf(path.join(parts, "part-1"))).toEqual(part1);
  }, 120_000);
});
