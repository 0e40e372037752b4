/**
 * `skc report RUN_DIR`: rebuilds report.html of a run folder from its
 * report.json, predictions.csv and the run's bundle (and, for skeleton
 * playback, the raw files the bundle names). Bad or missing input exits 2
 * naming what is missing.
 */
import { type CliIo, type Command, example } from "@skeleton-cache/cli";

/** Adds `skc report` to the program. */
export function registerReport(program: Command, io: CliIo): void {
  const command = program
    .command("report")
    .description(
      "rebuild RUN_DIR/report.html (self-contained: plots, sample explorer, cache over time, skeleton playback) from report.json, predictions.csv and the run's bundle",
    )
    .argument("<run-dir>", "a run folder written by skc eval")
    .option("--bundle <path>", "the run's bundle, if it moved (default: report.json bundle.source)")
    .option("--prior <prior>", "the run's prior, if its file moved (default: report.json prior.source)")
    .option(
      "--data <dir>",
      "the raw skeleton folder for playback, if it moved (default: the bundle's meta.data)",
    )
    .option("--out <file>", "where to write the page (default RUN_DIR/report.html)")
    .option("--quiet", "print nothing")
    .action(async (runDir, options) => {
      const { buildReportHtml } = await import("../report-html/index.js");
      const result = buildReportHtml(runDir, {
        ...(options.bundle ? { bundle: options.bundle } : {}),
        ...(options.prior ? { priorSpec: options.prior } : {}),
        ...(options.data ? { dataDir: options.data } : {}),
        ...(options.out ? { out: options.out } : {}),
      });
      if (!options.quiet) {
        io.stdout.write(
          `wrote ${result.file} (${(result.bytes / 1e6).toFixed(2)} MB; ${result.tracedSamples} samples traced, ${result.clips} skeleton clips)\n`,
        );
        for (const note of result.notes) io.stdout.write(`note: ${note}\n`);
      }
    });
  example(command, "skc report runs/online-demo-utd-mhad-a1-b5-k8 --data ~/ntu/nturgb+d_skeletons");
}
