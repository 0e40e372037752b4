import cliProgress from "cli-progress";

/** Progress of a run counted in passes; silent when quiet. */
export interface Progress {
  start(total: number, label: string, unit?: string): void;
  tick(): void;
  stop(): void;
}

/** A progress bar on stderr (cli-progress; plain lines when stderr is no TTY), or nothing when quiet. */
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
