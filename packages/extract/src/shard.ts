/**
 * Which part of a sharded extraction this process writes: `i/n` as typed, or
 * `env` / `env/N` from the scheduler that started it — no index arithmetic in
 * job scripts. The index is the array task's (`SLURM_ARRAY_TASK_ID` for a
 * Slurm job array, `JOB_COMPLETION_INDEX` for a Kubernetes Indexed Job); the
 * number of parts is N when given, else Slurm's array size, taken only where
 * the array runs exactly 0…COUNT−1 (`SLURM_ARRAY_TASK_MIN` = 0,
 * `SLURM_ARRAY_TASK_MAX` = COUNT − 1). A task resubmitted alone
 * (`--array=2`), a stepped or listed array, or a Kubernetes job (which has no
 * such variable) must say `env/N`.
 */
import { parseShardSpec } from "@skeleton-cache/bundle";
import { ValueError } from "@skeleton-cache/errors";

/** The environment a scheduler sets (`process.env`, or a plain object in tests). */
export type SchedulerEnv = Readonly<Record<string, string | undefined>>;

/** Part `index` (0-based) of `count`, and where the two numbers came from (for the task's log). */
export interface ShardChoice {
  readonly index: number;
  readonly count: number;
  /** E.g. `"--shard 3/8"` as given, or `"SLURM_ARRAY_TASK_ID=2 of SLURM_ARRAY_TASK_COUNT=4"`. */
  readonly source: string;
}

const FORMS =
  "i/n with 0 ≤ i < n (e.g. 0/8 … 7/8), or env / env/N in a Slurm job array or a Kubernetes Indexed Job";

/** A variable that must hold a non-negative integer: its value, undefined when unset or empty. */
function integerVar(env: SchedulerEnv, name: string, spec: string): number | undefined {
  const text = env[name];
  if (text === undefined || text.trim() === "") return undefined;
  if (!/^\d+$/.test(text.trim()))
    throw new ValueError(`--shard ${spec}: ${name}=${JSON.stringify(text)} is not a non-negative integer`, {
      field: name,
      value: text,
    });
  return Number(text.trim());
}

/** The task's index and the variable it came from; a clear error when no scheduler set one. */
function taskIndex(env: SchedulerEnv, spec: string): { index: number; from: string; slurm: boolean } {
  const slurm = integerVar(env, "SLURM_ARRAY_TASK_ID", spec);
  const k8s = integerVar(env, "JOB_COMPLETION_INDEX", spec);
  if (slurm !== undefined && k8s !== undefined && slurm !== k8s)
    throw new ValueError(
      `--shard ${spec}: SLURM_ARRAY_TASK_ID=${slurm} and JOB_COMPLETION_INDEX=${k8s} disagree; give the part as --shard i/n`,
      { field: "shard", value: spec },
    );
  if (slurm !== undefined) return { index: slurm, from: `SLURM_ARRAY_TASK_ID=${slurm}`, slurm: true };
  if (k8s !== undefined) return { index: k8s, from: `JOB_COMPLETION_INDEX=${k8s}`, slurm: false };
  throw new ValueError(
    `--shard ${spec}: no task index in the environment (neither SLURM_ARRAY_TASK_ID, set in a Slurm job array, nor JOB_COMPLETION_INDEX, set in a Kubernetes Indexed Job); run it as an array task, or give the part as --shard i/n`,
    { field: "shard", value: spec },
  );
}

/** Slurm's array size where the array is exactly 0…COUNT−1; otherwise why it cannot be used. */
function slurmCount(env: SchedulerEnv, spec: string): { count: number } | { why: string } {
  const min = integerVar(env, "SLURM_ARRAY_TASK_MIN", spec);
  const max = integerVar(env, "SLURM_ARRAY_TASK_MAX", spec);
  const count = integerVar(env, "SLURM_ARRAY_TASK_COUNT", spec);
  const shown = `SLURM_ARRAY_TASK_MIN=${min ?? "(unset)"}, SLURM_ARRAY_TASK_MAX=${max ?? "(unset)"}, SLURM_ARRAY_TASK_COUNT=${count ?? "(unset)"}`;
  if (min === undefined || max === undefined || count === undefined)
    return { why: `the array's size is not in the environment (${shown})` };
  if (min !== 0 || max !== count - 1)
    return {
      why: `this array does not run tasks 0…COUNT−1 (${shown}; e.g. one task resubmitted alone, or a stepped or listed --array), so the number of parts is not known`,
    };
  return { count };
}

/**
 * `--shard` as typed: `i/n`, `env` or `env/N` (see the module comment).
 * Throws a ValueError (exit 2) naming the variable or the form that is
 * wrong: no index set, an index that is not an integer or not below N, or
 * `env` where the array's size cannot be trusted (it asks for `env/N`).
 */
export function resolveShard(spec: string, env: SchedulerEnv = process.env): ShardChoice {
  const text = spec.trim();
  const fromEnv = /^env(?:\/(\d+))?$/.exec(text);
  if (!fromEnv) {
    if (/^env\b/.test(text))
      throw new ValueError(`--shard: ${JSON.stringify(spec)} is not ${FORMS}`, {
        field: "shard",
        value: spec,
      });
    try {
      return { ...parseShardSpec(text), source: `--shard ${text}` };
    } catch {
      throw new ValueError(`--shard: ${JSON.stringify(spec)} is not ${FORMS}`, {
        field: "shard",
        value: spec,
      });
    }
  }
  const { index, from, slurm } = taskIndex(env, text);
  if (fromEnv[1] !== undefined) {
    const count = Number(fromEnv[1]);
    if (count < 1)
      throw new ValueError(`--shard ${text}: the number of parts N must be at least 1`, {
        field: "shard",
        value: spec,
      });
    if (index >= count)
      throw new ValueError(
        `--shard ${text}: ${from} is not a part of ${count} (0…${count - 1}); submit the array as --array=0-${count - 1}`,
        { field: "shard", value: index, expected: count },
      );
    return { index, count, source: `${from} of ${count}` };
  }
  const size = slurm
    ? slurmCount(env, text)
    : { why: "a Kubernetes Indexed Job does not put its completions count in the environment" };
  if ("why" in size)
    throw new ValueError(
      `--shard env: ${from}, but ${size.why}; give the number of parts: --shard env/N (e.g. env/4 for parts 0…3)`,
      { field: "shard", value: spec },
    );
  return { index, count: size.count, source: `${from} of SLURM_ARRAY_TASK_COUNT=${size.count}` };
}

/**
 * The scheduler's id of this task, recorded in a bundle's write lock:
 * `<SLURM_ARRAY_JOB_ID>_<SLURM_ARRAY_TASK_ID>` in a Slurm job array (as
 * squeue and scancel name it), `SLURM_JOB_ID` in another Slurm job, else
 * undefined.
 */
export function schedulerJobId(env: SchedulerEnv = process.env): string | undefined {
  const array = env.SLURM_ARRAY_JOB_ID?.trim();
  const task = env.SLURM_ARRAY_TASK_ID?.trim();
  if (array && task) return `${array}_${task}`;
  return env.SLURM_JOB_ID?.trim() || undefined;
}
