/** Types of local-cluster.mjs (plain JavaScript, so that a shell and the bench run it without a build). */

/** The Debian packages the cluster needs. */
export declare const SLURM_PACKAGES: readonly string[];
/** The executables it runs (daemons and the clients tests call). */
export declare const SLURM_PROGRAMS: readonly string[];
/** The node's name in slurm.conf. */
export declare const NODE_NAME: string;
/** The partition's name in slurm.conf. */
export declare const PARTITION: string;

/** A running single-node cluster. */
export interface LocalCluster {
  /** Its folder: slurm.conf, munge key and socket, state, spool, pid and log files. */
  readonly dir: string;
  /** Its slurm.conf (what `SLURM_CONF` must point at). */
  readonly conf: string;
  readonly node: string;
  readonly partition: string;
  readonly cpus: number;
  /** The daemons it started. */
  readonly pids: Readonly<Partial<Record<"munged" | "slurmctld" | "slurmd", number>>>;
  /** `{ SLURM_CONF }`: add it to a child's environment. */
  readonly env: { readonly SLURM_CONF: string };
  /**
   * Runs a Slurm client (sbatch, squeue, scontrol, …) against it; its stdout, or throws with its
   * stderr. `env` replaces this process's environment (sbatch passes it on to the job); SLURM_CONF is set.
   */
  run(
    program: string,
    args: readonly string[],
    options?: { env?: NodeJS.ProcessEnv; cwd?: string; timeoutMs?: number },
  ): string;
  /** Cancels its jobs, stops its daemons by pid, removes its folder; the pids signalled. */
  stop(): number[];
}

export interface StartOptions {
  /** CPUs of the one node (default 2). */
  readonly cpus?: number;
  /** Where its folder is made (default the system temporary folder). */
  readonly parent?: string;
  /** How long each daemon may take to come up (default 60 s). */
  readonly timeoutMs?: number;
  /** slurm.conf's SchedulerParameters, e.g. "kill_invalid_depend". */
  readonly schedulerParameters?: string;
}

/** Full path of an executable, or null. */
export declare function findProgram(name: string): string | null;
/** The executables of SLURM_PROGRAMS that are not installed. */
export declare function missingPrograms(): string[];
/** Why a local cluster cannot start here, in one line, or null when it can. */
export declare function slurmPreflight(): string | null;
/** Installs slurm-wlm and munge with apt where missing; whether it installed anything. */
export declare function installSlurm(options?: { log?: (line: string) => void }): boolean;
/** Starts munged, slurmctld and slurmd in a fresh folder; resolves when the node is idle. */
export declare function startLocalCluster(options?: StartOptions): Promise<LocalCluster>;
/** The cluster started in `dir` (by `up` in another process). */
export declare function openLocalCluster(dir: string): LocalCluster;
/** Cancels its jobs, stops the daemons it started (by pid), removes `dir` unless `keep`. */
export declare function stopLocalCluster(dir: string, options?: { keep?: boolean }): number[];
/** Runs a Slurm client against the cluster of `conf` (`env` replaces process.env); its stdout, or throws with its stderr. */
export declare function slurmCommand(
  conf: string,
  program: string,
  args: readonly string[],
  options?: { env?: NodeJS.ProcessEnv; cwd?: string; timeoutMs?: number },
): string;
