/**
 * `skc report RUN_DIR`: rebuilds report.html of a run folder from its
 * report.json, predictions.csv and the run's bundle (and, for skeleton
 * playback, the raw files the bundle names). Bad or missing input exits 2
 * naming what is missing; Ctrl-C leaves the page as it was, or complete.
 */
import fs from "node:fs";
import path from "node:path";
import {
  type CliIo,
  type Command,
  commonFlags,
  currentInterrupt,
  example,
  nothingWritten,
  printResult,
} from "@skeleton-cache/cli";
import { stageOutput } from "@skeleton-cache/formats";

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
    .action(async (runDir, options, cmd) => {
      const { reportHtmlInput } = await import("../report-html/index.js");
      const { writeReportHtml } = await import("@skeleton-cache/report");
      const interrupt = currentInterrupt();
      const file = options.out ?? path.join(runDir, "report.html");
      interrupt.keeping(nothingWritten(file, fs.existsSync(file)));
      const moved = {
        ...(options.bundle ? { bundle: options.bundle } : {}),
        ...(options.prior ? { priorSpec: options.prior } : {}),
        ...(options.data ? { dataDir: options.data } : {}),
      };
      const input = interrupt.runSync(() => reportHtmlInput(runDir, moved), "page");
      // Written to a staged file, renamed over the old page at the end.
      const stage = stageOutput(file, { file: true });
      const page = await interrupt.publish(stage, (out) => writeReportHtml(runDir, { ...input, out }));
      const result = { ...page, file };
      interrupt.keeping(`${file} is complete`);
      await interrupt.checkpoint("after-rename");
      const text = `wrote ${file} (${(result.bytes / 1e6).toFixed(2)} MB; ${result.tracedSamples} samples traced, ${result.clips} skeleton clips)\n`;
      printResult(io, commonFlags(cmd), {
        text: text + result.notes.map((n) => `note: ${n}\n`).join(""),
        json: result,
      });
    });
  example(command, "skc report runs/online-demo-utd-mhad-a1-b5-k8 --data ~/ntu/nturgb+d_skeletons");
}
