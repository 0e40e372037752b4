import cliProgress from "cli-progress";

/** Options of a progress bar: where it starts (work kept from an earlier run) and whether it shows rate and ETA. */
export interface ProgressStart {
  readonly initial?: number;
  readonly rate?: boolean;
}

/** Progress of a run counted in passes; silent when quiet. */
export interface Progress {
  start(total: number, label: string, unit?: string, options?: ProgressStart): void;
  /** Advances by `count` (default 1). */
  tick(count?: number): void;
  stop(): void;
}

/** "12.3 samples/s" over the work done since the bar started (kept work not counted). */
export function rateText(done: number, seconds: number, unit: string): string {
  if (!(seconds > 0) || done <= 0) return `- ${unit}/s`;
  const rate = done / seconds;
  return `${rate >= 100 ? rate.toFixed(0) : rate.toFixed(1)} ${unit}/s`;
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
  let tickRate: ((value: number) => { rate: string }) | null = null;
  let value = 0;
  return {
    start(total, label, unit = "passes", options = {}) {
      if (total < 4) return;
      const initial = options.initial ?? 0;
      value = initial;
      const started = performance.now();
      const rate = options.rate ? ` | {rate} | ETA {eta_formatted}` : "";
      const kept = initial > 0 ? ` (${initial} kept)` : "";
      tickRate = options.rate
        ? (value: number) => ({ rate: rateText(value - initial, (performance.now() - started) / 1000, unit) })
        : null;
      bar = new cliProgress.SingleBar(
        {
          stream: process.stderr,
          format: `${label} [{bar}] {value}/{total} ${unit}${kept}${rate}`,
          etaBuffer: 50,
          noTTYOutput: true,
          notTTYSchedule: 5000,
          hideCursor: true,
        },
        cliProgress.Presets.shades_classic,
      );
      bar.start(total, initial, tickRate ? { rate: `- ${unit}/s` } : {});
    },
    tick(count = 1) {
      if (!bar) return;
      value += count;
      bar.increment(count, tickRate ? tickRate(value) : {});
    },
    stop() {
      bar?.stop();
      bar = null;
    },
  };
}
