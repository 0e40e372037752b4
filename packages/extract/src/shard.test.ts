import { exitCodeOf } from "@skeleton-cache/errors";
import { describe, expect, it } from "vitest";
import { resolveShard, type SchedulerEnv, schedulerJobId } from "./shard.js";

/** The variables Slurm sets in task `id` of `sbatch --array=<min>-<max>` (count tasks). */
function slurmArray(id: number, min: number, max: number, count: number): SchedulerEnv {
  return {
    SLURM_ARRAY_JOB_ID: "41",
    SLURM_JOB_ID: String(42 + id),
    SLURM_ARRAY_TASK_ID: String(id),
    SLURM_ARRAY_TASK_MIN: String(min),
    SLURM_ARRAY_TASK_MAX: String(max),
    SLURM_ARRAY_TASK_COUNT: String(count),
  };
}

describe("resolveShard: --shard i/n, env, env/N", () => {
  const resolved: [string, string, SchedulerEnv, { index: number; count: number; source: string }][] = [
    [
      "i/n as typed, whatever the environment",
      "3/8",
      slurmArray(1, 0, 3, 4),
      { index: 3, count: 8, source: "--shard 3/8" },
    ],
    ["i/n with spaces around", " 0/1 ", {}, { index: 0, count: 1, source: "--shard 0/1" }],
    [
      "env in --array=0-3: index and count from Slurm",
      "env",
      slurmArray(2, 0, 3, 4),
      { index: 2, count: 4, source: "SLURM_ARRAY_TASK_ID=2 of SLURM_ARRAY_TASK_COUNT=4" },
    ],
    [
      "env in --array=0-0 (one part)",
      "env",
      slurmArray(0, 0, 0, 1),
      { index: 0, count: 1, source: "SLURM_ARRAY_TASK_ID=0 of SLURM_ARRAY_TASK_COUNT=1" },
    ],
    [
      "env/N: the count as given, the index from Slurm (a task resubmitted alone with --array=2)",
      "env/4",
      slurmArray(2, 2, 2, 1),
      { index: 2, count: 4, source: "SLURM_ARRAY_TASK_ID=2 of 4" },
    ],
    [
      "env/N in a Kubernetes Indexed Job",
      "env/5",
      { JOB_COMPLETION_INDEX: "3" },
      { index: 3, count: 5, source: "JOB_COMPLETION_INDEX=3 of 5" },
    ],
    [
      "both schedulers' variables, agreeing",
      "env/4",
      { ...slurmArray(1, 0, 3, 4), JOB_COMPLETION_INDEX: "1" },
      { index: 1, count: 4, source: "SLURM_ARRAY_TASK_ID=1 of 4" },
    ],
  ];
  for (const [name, spec, env, expected] of resolved)
    it(`${name}: ${JSON.stringify(spec)} → ${expected.index}/${expected.count}`, () => {
      expect(resolveShard(spec, env)).toEqual(expected);
    });

  const refused: [string, string, SchedulerEnv, RegExp][] = [
    [
      "no task index set",
      "env",
      { SLURM_JOB_ID: "7" },
      /^--shard env: no task index in the environment \(neither SLURM_ARRAY_TASK_ID, set in a Slurm job array, nor JOB_COMPLETION_INDEX, set in a Kubernetes Indexed Job\); run it as an array task, or give the part as --shard i\/n$/,
    ],
    ["no task index set, with /N", "env/4", {}, /^--shard env\/4: no task index in the environment/],
    [
      "an empty index counts as unset",
      "env",
      { SLURM_ARRAY_TASK_ID: " " },
      /no task index in the environment/,
    ],
    [
      "one task resubmitted alone (--array=2): the array is not 0…COUNT−1",
      "env",
      slurmArray(2, 2, 2, 1),
      /^--shard env: SLURM_ARRAY_TASK_ID=2, but this array does not run tasks 0…COUNT−1 \(SLURM_ARRAY_TASK_MIN=2, SLURM_ARRAY_TASK_MAX=2, SLURM_ARRAY_TASK_COUNT=1; .*\), so the number of parts is not known; give the number of parts: --shard env\/N \(e\.g\. env\/4 for parts 0…3\)$/,
    ],
    [
      "a stepped array (--array=0-6:2): MAX ≠ COUNT − 1",
      "env",
      slurmArray(4, 0, 6, 4),
      /this array does not run tasks 0…COUNT−1 \(SLURM_ARRAY_TASK_MIN=0, SLURM_ARRAY_TASK_MAX=6, SLURM_ARRAY_TASK_COUNT=4/,
    ],
    [
      "an array that starts at 1 (--array=1-4)",
      "env",
      slurmArray(1, 1, 4, 4),
      /SLURM_ARRAY_TASK_MIN=1, SLURM_ARRAY_TASK_MAX=4, SLURM_ARRAY_TASK_COUNT=4.*give the number of parts: --shard env\/N/,
    ],
    [
      "Slurm's index without the array's size",
      "env",
      { SLURM_ARRAY_TASK_ID: "1" },
      /SLURM_ARRAY_TASK_ID=1, but the array's size is not in the environment \(SLURM_ARRAY_TASK_MIN=\(unset\), SLURM_ARRAY_TASK_MAX=\(unset\), SLURM_ARRAY_TASK_COUNT=\(unset\)\)/,
    ],
    [
      "Kubernetes without /N",
      "env",
      { JOB_COMPLETION_INDEX: "0" },
      /^--shard env: JOB_COMPLETION_INDEX=0, but a Kubernetes Indexed Job does not put its completions count in the environment; give the number of parts: --shard env\/N/,
    ],
    [
      "an index not below N",
      "env/4",
      slurmArray(5, 0, 7, 8),
      /^--shard env\/4: SLURM_ARRAY_TASK_ID=5 is not a part of 4 \(0…3\); submit the array as --array=0-3$/,
    ],
    ["env/0", "env/0", slurmArray(0, 0, 0, 1), /^--shard env\/0: the number of parts N must be at least 1$/],
    [
      "an index that is not an integer",
      "env",
      { SLURM_ARRAY_TASK_ID: "2a" },
      /^--shard env: SLURM_ARRAY_TASK_ID="2a" is not a non-negative integer$/,
    ],
    [
      "a size variable that is not an integer",
      "env",
      { ...slurmArray(1, 0, 3, 4), SLURM_ARRAY_TASK_COUNT: "four" },
      /SLURM_ARRAY_TASK_COUNT="four" is not a non-negative integer/,
    ],
    [
      "the two schedulers disagree",
      "env/4",
      { ...slurmArray(1, 0, 3, 4), JOB_COMPLETION_INDEX: "2" },
      /SLURM_ARRAY_TASK_ID=1 and JOB_COMPLETION_INDEX=2 disagree/,
    ],
    [
      "i not below n",
      "8/8",
      {},
      /^--shard: "8\/8" is not i\/n with 0 ≤ i < n \(e\.g\. 0\/8 … 7\/8\), or env \/ env\/N/,
    ],
    ["neither form", "environment", slurmArray(1, 0, 3, 4), /^--shard: "environment" is not i\/n/],
    ["env with a bad count", "env/x", slurmArray(1, 0, 3, 4), /^--shard: "env\/x" is not i\/n/],
  ];
  for (const [name, spec, env, message] of refused)
    it(`refuses ${name} (${JSON.stringify(spec)}), exit 2`, () => {
      let error: unknown;
      try {
        resolveShard(spec, env);
      } catch (caught) {
        error = caught;
      }
      expect(error).toBeInstanceOf(Error);
      expect((error as Error).message).toMatch(message);
      expect(exitCodeOf(error)).toBe(2);
    });
});

describe("schedulerJobId", () => {
  const cases: [string, SchedulerEnv, string | undefined][] = [
    ["an array task: <array job>_<task>, as squeue names it", slurmArray(3, 0, 3, 4), "41_3"],
    ["a plain Slurm job", { SLURM_JOB_ID: "77" }, "77"],
    ["no scheduler", {}, undefined],
    [
      "a Kubernetes Indexed Job (its pod's host name identifies it)",
      { JOB_COMPLETION_INDEX: "1" },
      undefined,
    ],
  ];
  for (const [name, env, expected] of cases)
    it(name, () => {
      expect(schedulerJobId(env)).toBe(expected);
    });
});
