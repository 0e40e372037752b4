/**
 * report.html of a run folder: read report.json and predictions.csv, replay
 * the main online pass with a trace recorder (bundle and prior as the run
 * used them), read the raw skeletons of a capped subset where the bundle
 * knows them, and write one self-contained HTML file (atomically).
 */
import path from "node:path";
import { FormatError } from "@skeleton-cache/errors";
import { writeFileAtomic } from "@skeleton-cache/formats";
import type { Prior } from "@skeleton-cache/prior";
import type { EvalReport } from "../eval-report.js";
import { DEMOS, type EvalData, loadEvalData, resolvePrior } from "../inputs.js";
import { methodName, TRACEABLE } from "./method.js";
import { reportPage } from "./page.js";
import { pageData } from "./page-data.js";
import { loadPlayback } from "./playback.js";
import { type RunPredictions, readPredictions, readReportJson } from "./run-folder.js";
import { chooseTraced, evenlySpaced, type TracedRun, tracePass } from "./trace-pass.js";

/** Flipped samples offered in the player at most, and cached neighbours shown beside each. */
export const PLAYBACK_SUBJECTS = 24;
export const PLAYBACK_NEIGHBOURS = 3;

export interface ReportHtmlOptions {
  /** The run's bundle, already loaded (skc eval); default: read report.json's bundle.source (or `bundle`). */
  readonly data?: EvalData;
  /** Bundle path instead of report.json's bundle.source (moved bundles). */
  readonly bundle?: string;
  /** The run's prior, already resolved (skc eval); default: resolved from report.json's prior (or `priorSpec`). */
  readonly prior?: Prior;
  readonly priorSpec?: string;
  /** Raw skeleton folder instead of the bundle meta's (moved raw files). */
  readonly dataDir?: string;
  /** Output file (default RUN_DIR/report.html). */
  readonly out?: string;
}

export interface ReportHtmlResult {
  readonly file: string;
  readonly bytes: number;
  readonly tracedSamples: number;
  readonly clips: number;
  /** Why a section is missing or partial (also shown on the page). */
  readonly notes: string[];
  /** Seconds: the traced replay, and building + writing the page. */
  readonly timing: { readonly trace: number; readonly page: number };
}

/** A shipped demo's folder from the label report.json gives it ("demo NAME[ SUB] (apps/eval/assets/...)"). */
function demoFolder(source: string): string | null {
  const match = /^demo (\S+)(?: (\S+))? \(apps\/eval\/assets\//.exec(source);
  const demo = match ? DEMOS[match[1] as keyof typeof DEMOS] : undefined;
  if (!match || !demo) return null;
  return match[2] ? path.join(demo.dir, match[2]) : demo.dir;
}

function loadBundle(report: EvalReport, options: ReportHtmlOptions): EvalData {
  if (options.data) return options.data;
  const source = options.bundle ?? report.bundle.source;
  const demo = options.bundle ? null : demoFolder(source);
  try {
    return demo ? loadEvalData(demo, true) : loadEvalData(source);
  } catch (error) {
    const message = (error as Error).message;
    throw new FormatError(
      `the run's bundle cannot be read (${options.bundle ? "--bundle" : "report.json bundle.source"} = ${source}): ${message}; pass \`skc report RUN_DIR --bundle PATH\` if it moved`,
      { file: source, field: options.bundle ? "bundle" : "bundle.source" },
      { cause: error },
    );
  }
}

function checkBundleMatches(report: EvalReport, data: EvalData): void {
  if (data.numSamples !== report.bundle.numSamples || data.numClasses !== report.bundle.numClasses)
    throw new FormatError(
      `bundle ${data.source} holds ${data.numSamples} samples × ${data.numClasses} classes, the run had ${report.bundle.numSamples} × ${report.bundle.numClasses}`,
      { file: data.source, field: "bundle", value: data.numSamples, expected: report.bundle.numSamples },
    );
}

function traceOrNote(
  report: EvalReport,
  data: EvalData,
  options: ReportHtmlOptions,
  predictions: RunPredictions,
): TracedRun | { note: string } {
  const method = methodName(report);
  if (!TRACEABLE.has(method))
    return {
      note: `Per-descriptor scores, weights, matches and the cache over time are recorded for skeleton-cache; this run's method is ${method}.`,
    };
  const prior =
    options.prior ??
    resolvePrior(options.priorSpec ?? report.prior.source, data, {
      uniformGamma: report.config.uniformGamma,
      split: report.prior.split ?? undefined,
    }).prior;
  return tracePass(report, data, prior, predictions, chooseTraced(predictions));
}

/**
 * The flipped samples offered in the player (evenly spaced in stream order),
 * each with its distinct top matches (none where the run was not traced).
 */
function playbackSubjects(predictions: RunPredictions, traced: TracedRun | { note: string }) {
  const traces = "traces" in traced ? traced.traces : null;
  const flipped = Array.from(predictions.order).filter((sample) => {
    const base = predictions.baselinePred[sample]!;
    const label = predictions.labels[sample]!;
    const reported = predictions.refinedPred[sample]!;
    return base !== reported && (reported === label || base === label) && (!traces || traces.has(sample));
  });
  return evenlySpaced(flipped, PLAYBACK_SUBJECTS).map((sample) => ({
    sample,
    // Distinct entries: with the hedge one sample can sit in two blocks.
    neighbours: traces
      ? [...new Set(traces.get(sample)!.matches.map((m) => m.id))].slice(0, PLAYBACK_NEIGHBOURS)
      : [],
  }));
}

/** Builds and writes report.html for a run folder. */
export function writeReportHtml(runDir: string, options: ReportHtmlOptions = {}): ReportHtmlResult {
  const report = readReportJson(runDir);
  const N = report.bundle.numSamples;
  const predictions = readPredictions(runDir, N, report.bundle.numClasses);
  const data = loadBundle(report, options);
  checkBundleMatches(report, data);
  let started = performance.now();
  const traced = traceOrNote(report, data, options, predictions);
  const traceSeconds = (performance.now() - started) / 1000;
  started = performance.now();
  const subjects = playbackSubjects(predictions, traced);
  const playback = loadPlayback(data.meta, N, subjects, { dataDir: options.dataDir });
  const notes = [...("note" in traced ? [traced.note] : []), ...(playback.available ? [] : [playback.note])];
  const html = reportPage(
    pageData({ report, predictions, baseLogits: data.logits.data, traced, playback, runDir }),
  );
  const file = options.out ?? path.join(runDir, "report.html");
  writeFileAtomic(file, html);
  return {
    file,
    bytes: Buffer.byteLength(html),
    tracedSamples: "traces" in traced ? traced.traces.size : 0,
    clips: playback.clips.length,
    notes,
    timing: { trace: round(traceSeconds), page: round((performance.now() - started) / 1000) },
  };
}

function round(seconds: number): number {
  return Math.round(seconds * 1000) / 1000;
}

export { PLAYBACK_META_KEYS } from "./playback.js";
