import cliProgress from "cli-progress";

/** Progress of a run counted in passes; silent when quiet. */
export interface Progress {
  start(total: number, label: string, unit?: string): void;
  tick(): void;
  stop(): void;
}

/**
 * Whether a command draws its progress bar: `SKC_PROGRESS=1` forces it on
 * (even under CI or --quiet), `SKC_PROGRESS=0` off; otherwise on unless
 * --quiet or CI is set.
 */
export function progressEnabled(
  quiet: boolean,
  env: Readonly<Record<string, string | undefined>> = process.env,
): boolean {
  if (env.SKC_PROGRESS === "1") return true;
  if (env.SKC_PROGRESS === "0") return false;
  return !quiet && env.CI !== "true" && env.CI !== "1";
}

/**
 * A progress bar on stderr (cli-progress; plain lines when stderr is no TTY),
 * or nothing when quiet. The bar's timer keeps the process alive until
 * `stop()`: callers stop it in a `finally`, so an error never leaves it running.
 */
export function createProgress(quiet: boolean): Progress {
  if (quiet) return { start() {}, tick() {}, stop() {} };
  let bar: cliProgress.SingleBar | null = null;
  return {
    start(total, label, unit = "passes") {
      if (total < 4) return;
      bar = new cliProgress.SingleBar(
        {
          stream: process.stderr,
          format: `${label} [{bar}] {value}/{total} ${unit}`,
          noTTYOutput: true,
          notTTYSchedule: 5000,
          hideCursor: true,
        },
        cliProgress.Presets.shades_classic,
      );
      bar.start(total, 0);
    },
    tick() {
      bar?.increment();
    },
    stop() {
      bar?.stop();
      bar = null;
    },
  };
}
