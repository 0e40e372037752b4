/**
 * What the Slurm tests share: the job scripts as shipped, `skc` on the jobs'
 * PATH (the built CLI), a job environment, and polling Slurm for a job's state.
 */
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { type LocalCluster, REPO, repoPath, tempDir } from "@skeleton-cache/test-support";

/** The job scripts the README shows (apps/eval/slurm). */
export const EXTRACT_ARRAY = repoPath("apps/eval/slurm/extract-array.sbatch");
export const MERGE = repoPath("apps/eval/slurm/merge.sbatch");
/** The tiny ST-GCN ONNX fixture of @skeleton-cache/backbone-onnx (NTU-25, 60 classes). */
export const TINY_MODEL = repoPath("packages/backbone-onnx/fixtures/stgcn-tiny/model.onnx");
/** A backbone module that holds every encoded batch back SKC_TEST_ENCODE_DELAY_MS ms (test only). */
export const SLOW_ONNX = path.join(import.meta.dirname, "slow-onnx.mjs");
/** The actions (1-based codes) of ntu60_55_5's five unseen classes: 10, 11, 19, 26, 56. */
export const NTU60_55_5_UNSEEN_ACTIONS = [11, 12, 20, 27, 57];

/**
 * `dir` (made here, inside a suite's temporary folder) holding an `skc` that
 * runs the built CLI (what a cluster's users have on their PATH). The CLI
 * must be built (`pnpm test` builds first).
 */
export function skcBinDir(dir: string): string {
  const entry = path.join(REPO, "apps/eval/dist/cli.js");
  if (!fs.existsSync(entry)) throw new Error(`${entry} is not built: run pnpm build first`);
  fs.mkdirSync(dir, { recursive: true });
  const skc = path.join(dir, "skc");
  fs.writeFileSync(
    skc,
    `#!/bin/sh\nexec ${JSON.stringify(process.execPath)} ${JSON.stringify(path.join(REPO, "apps/eval/bin/skc.js"))} "$@"\n`,
  );
  fs.chmodSync(skc, 0o755);
  return dir;
}

/**
 * The environment sbatch passes on to the jobs (`--export=ALL`): a plain
 * one — PATH with `skc`, HOME, a TMPDIR removed with the test, the cluster's
 * SLURM_CONF — plus the job script's settings in `extra`.
 */
export function jobEnv(
  cluster: LocalCluster,
  bin: string,
  extra: Readonly<Record<string, string>> = {},
): NodeJS.ProcessEnv {
  return {
    PATH: `${bin}${path.delimiter}${process.env.PATH ?? "/usr/bin:/bin"}`,
    HOME: process.env.HOME ?? "/root",
    TMPDIR: tempDir("skc-slurm-job-"),
    LANG: "C.UTF-8",
    SLURM_CONF: cluster.conf,
    ...extra,
  };
}

/** Runs `skc` (the built CLI) in this process's environment, its TMPDIR a fresh folder in `cwd`; its status and output. */
export function runSkc(
  bin: string,
  args: readonly string[],
  cwd: string,
): { status: number | null; stdout: string; stderr: string } {
  const run = spawnSync(path.join(bin, "skc"), args, {
    cwd,
    encoding: "utf8",
    env: { ...process.env, TMPDIR: fs.mkdtempSync(path.join(cwd, "tmp-")) },
    timeout: 120_000,
  });
  return { status: run.status, stdout: run.stdout, stderr: run.stderr };
}

/** One line of `scontrol show job -o`: a task's (or a job's) fields. */
export interface JobRecord {
  readonly jobId: string;
  readonly arrayTaskId: string | undefined;
  readonly state: string;
  readonly reason: string;
  readonly exitCode: string;
}

/** The records of job `id` (every task of an array), as scontrol shows them. */
export function jobRecords(cluster: LocalCluster, id: string): JobRecord[] {
  const out = cluster.run("scontrol", ["show", "job", "-o", id]);
  return out
    .split("\n")
    .filter((line) => line.startsWith("JobId="))
    .map((line) => {
      const field = (name: string) => new RegExp(`(?:^| )${name}=(\\S*)`).exec(line)?.[1];
      return {
        jobId: field("JobId")!,
        arrayTaskId: field("ArrayTaskId"),
        state: field("JobState")!,
        reason: field("Reason")!,
        exitCode: field("ExitCode")!,
      };
    });
}

/** Polls `check` every 100 ms until it returns a value (not undefined); fails after `timeoutMs`. */
export async function waitFor<T>(what: string, check: () => T | undefined, timeoutMs = 90_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

const ENDED = new Set(["COMPLETED", "FAILED", "CANCELLED", "TIMEOUT", "NODE_FAIL", "OUT_OF_MEMORY"]);

/** Waits until every task of job `id` has ended; their records. */
export function jobEnded(cluster: LocalCluster, id: string, timeoutMs?: number): Promise<JobRecord[]> {
  return waitFor(
    `job ${id} to end`,
    () => {
      const records = jobRecords(cluster, id);
      return records.length > 0 && records.every((r) => ENDED.has(r.state)) ? records : undefined;
    },
    timeoutMs,
  );
}

/** Submits with sbatch --parsable in `cwd` with the job environment `env`; the job id. */
export function sbatch(
  cluster: LocalCluster,
  args: readonly string[],
  env: NodeJS.ProcessEnv,
  cwd: string,
): string {
  const id = cluster.run("sbatch", ["--parsable", `--chdir=${cwd}`, ...args], { env, cwd }).trim();
  if (!/^\d+$/.test(id)) throw new Error(`sbatch printed ${JSON.stringify(id)}, not a job id`);
  return id;
}

/** The text of a fenced block of a markdown file that follows the line naming `label`. */
export function readmeBlock(markdown: string, label: string): string | undefined {
  const lines = markdown.split("\n");
  const at = lines.findIndex((line) => line.trim() === `\`${label}\`:`);
  if (at < 0) return undefined;
  const open = lines.findIndex((line, i) => i > at && line.startsWith("```"));
  const close = lines.findIndex((line, i) => i > open && line.startsWith("```"));
  return `${lines.slice(open + 1, close).join("\n")}\n`;
}
