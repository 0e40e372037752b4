/**
 * report.html of a run folder: report.json and predictions.csv read back,
 * the run's base logits, the traced samples and the playback clips as given,
 * one self-contained HTML file written atomically.
 */
import path from "node:path";
import { ShapeError } from "@skeleton-cache/errors";
import { writeFileAtomic } from "@skeleton-cache/formats";
import { readRunFolder } from "../run-folder.js";
import { reportPage } from "./page.js";
import { pageData } from "./page-data.js";
import type { Playback } from "./playback.js";
import type { TracedOrNote } from "./trace.js";

export interface ReportHtmlInput {
  /** The run's (N, U) base logits, row-major by sample (the bundle's). */
  readonly baseLogits: Float32Array;
  /** The traced replay of the main online pass, or why there is none. */
  readonly traced: TracedOrNote;
  /** The skeleton clips of the player, or `noPlayback(why)`. */
  readonly playback: Playback;
  /** Output file (default RUN_DIR/report.html). */
  readonly out?: string;
  /**
   * The run folder as the page names it (default `runDir`): `skc eval` builds
   * the page in the staged folder, before it is renamed to this name.
   */
  readonly displayDir?: string;
}

export interface ReportHtmlResult {
  readonly file: string;
  readonly bytes: number;
  readonly tracedSamples: number;
  readonly clips: number;
  /** Why a section is missing or partial (also shown on the page). */
  readonly notes: string[];
}

/** Builds report.html for a run folder from what it is given, and writes it atomically. */
export function writeReportHtml(runDir: string, input: ReportHtmlInput): ReportHtmlResult {
  const { report, predictions } = readRunFolder(runDir);
  const { numSamples: N, numClasses: U } = report.bundle;
  const { traced, playback } = input;
  const logits: [string, Float32Array][] = [["baseLogits", input.baseLogits]];
  if ("traces" in traced) logits.push(["traced.refinedLogits", traced.refinedLogits]);
  for (const [field, values] of logits)
    if (values.length !== N * U)
      throw new ShapeError(
        `report.html of ${runDir}: ${field} holds ${values.length} values, the run's (N, U) = (${N}, ${U}) needs ${N * U}`,
        { field, value: values.length, expected: N * U },
      );
  const html = reportPage(
    pageData({
      report,
      predictions,
      baseLogits: input.baseLogits,
      traced,
      playback,
      runDir: input.displayDir ?? runDir,
    }),
  );
  const file = input.out ?? path.join(runDir, "report.html");
  writeFileAtomic(file, html);
  return {
    file,
    bytes: Buffer.byteLength(html),
    tracedSamples: "traces" in traced ? traced.traces.size : 0,
    clips: playback.clips.length,
    notes: [...("note" in traced ? [traced.note] : []), ...(playback.available ? [] : [playback.note])],
  };
}
