/**
 * report.html of a run folder, as `skc eval` and `skc report` build it: read
 * the run folder back, load the run's bundle (and prior), replay the main
 * online pass with a trace recorder, read the raw skeletons of a capped
 * subset where the bundle knows them, and hand all of it as plain data to
 * @skeleton-cache/report's `writeReportHtml`.
 */
import path from "node:path";
import { FormatError } from "@skeleton-cache/errors";
import { readRawSequences } from "@skeleton-cache/extract";
import { type Prior, resolvePrior } from "@skeleton-cache/prior";
import {
  type EvalReport,
  playbackFrom,
  playbackSubjects,
  type ReportHtmlResult,
  type RunPredictions,
  readRunFolder,
  type TracedOrNote,
  writeReportHtml,
} from "@skeleton-cache/report";
import { DEMOS, type EvalData, loadEvalData, priorCandidates } from "../inputs.js";
import { methodName, TRACEABLE } from "./method.js";
import { chooseTraced, tracePass } from "./trace-pass.js";

export interface BuildReportHtmlOptions {
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

export interface BuildReportHtmlResult extends ReportHtmlResult {
  /** Seconds: the traced replay, and reading the clips + building and writing the page. */
  readonly timing: { readonly trace: number; readonly page: number };
}

/** A shipped demo's folder from the label report.json gives it ("demo NAME[ SUB] (apps/eval/assets/...)"). */
function demoFolder(source: string): string | null {
  const match = /^demo (\S+)(?: (\S+))? \(apps\/eval\/assets\//.exec(source);
  const demo = match ? DEMOS[match[1] as keyof typeof DEMOS] : undefined;
  if (!match || !demo) return null;
  return match[2] ? path.join(demo.dir, match[2]) : demo.dir;
}

function loadBundle(report: EvalReport, options: BuildReportHtmlOptions): EvalData {
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
  options: BuildReportHtmlOptions,
  predictions: RunPredictions,
): TracedOrNote {
  const method = methodName(report);
  if (!TRACEABLE.has(method))
    return {
      note: `Per-descriptor scores, weights, matches and the cache over time are recorded for skeleton-cache; this run's method is ${method}.`,
    };
  const prior =
    options.prior ??
    resolvePrior(options.priorSpec ?? report.prior.source, {
      key: "prior",
      uniformGamma: report.config.uniformGamma,
      candidates: priorCandidates(data, report.prior.split ?? undefined),
    }).prior;
  return tracePass(report, data, prior, predictions, chooseTraced(predictions));
}

/** Builds and writes report.html for a run folder: run → trace → playback → page. */
export function buildReportHtml(runDir: string, options: BuildReportHtmlOptions = {}): BuildReportHtmlResult {
  const { report, predictions } = readRunFolder(runDir);
  const data = loadBundle(report, options);
  checkBundleMatches(report, data);
  let started = performance.now();
  const traced = traceOrNote(report, data, options, predictions);
  const traceSeconds = (performance.now() - started) / 1000;
  started = performance.now();
  const subjects = playbackSubjects(predictions, traced);
  const samples = subjects.flatMap((s) => [s.sample, ...s.neighbours]);
  const raw = readRawSequences(data.meta, {
    numSamples: report.bundle.numSamples,
    samples,
    dataDir: options.dataDir,
  });
  const playback = playbackFrom(raw, subjects);
  const page = writeReportHtml(runDir, {
    baseLogits: data.logits.data,
    traced,
    playback,
    ...(options.out ? { out: options.out } : {}),
  });
  return {
    ...page,
    timing: { trace: round(traceSeconds), page: round((performance.now() - started) / 1000) },
  };
}

function round(seconds: number): number {
  return Math.round(seconds * 1000) / 1000;
}
