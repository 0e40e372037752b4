/**
 * report.html of a run folder, as `skc eval` and `skc report` build it: read
 * the run folder back, load the run's bundle (and prior), replay the main
 * online pass with a trace recorder, read the raw skeletons of a capped
 * subset where the bundle knows them, and hand all of it as plain data to
 * @skeleton-cache/report's `writeReportHtml`.
 */
import path from "node:path";
import { FormatError } from "@skeleton-cache/errors";
import { priorCandidates, traceSamples } from "@skeleton-cache/evaluate";
import { readRawSequences } from "@skeleton-cache/extract";
import { type Prior, resolvePrior } from "@skeleton-cache/prior";
import {
  type EvalReport,
  playbackFrom,
  playbackSubjects,
  type ReportHtmlInput,
  type ReportHtmlResult,
  type RunPredictions,
  readRunFolder,
  type TracedOrNote,
  writeReportHtml,
} from "@skeleton-cache/report";
import { type LabelledStream, streamShape } from "@skeleton-cache/skeleton";
import { DEMOS, loadStream } from "../inputs.js";

export interface BuildReportHtmlOptions {
  /** The run's stream, already loaded (skc eval); default: read report.json's bundle.source (or `bundle`). */
  readonly stream?: LabelledStream;
  /** Bundle path instead of report.json's bundle.source (moved bundles). */
  readonly bundle?: string;
  /** The run's prior, already resolved (skc eval); default: resolved from report.json's prior (or `priorSpec`). */
  readonly prior?: Prior;
  readonly priorSpec?: string;
  /** Raw skeleton folder instead of the bundle meta's (moved raw files). */
  readonly dataDir?: string;
  /** Output file (default RUN_DIR/report.html). */
  readonly out?: string;
  /** The run folder as the page names it (default RUN_DIR; skc eval builds the page in the staged folder). */
  readonly displayDir?: string;
}

/** A shipped demo's folder from the label report.json gives it ("demo NAME[ SUB] (apps/eval/assets/...)"). */
function demoFolder(source: string): string | null {
  const match = /^demo (\S+)(?: (\S+))? \(apps\/eval\/assets\//.exec(source);
  const demo = match ? DEMOS[match[1] as keyof typeof DEMOS] : undefined;
  if (!match || !demo) return null;
  return match[2] ? path.join(demo.dir, match[2]) : demo.dir;
}

function loadBundle(report: EvalReport, options: BuildReportHtmlOptions): LabelledStream {
  if (options.stream) return options.stream;
  const source = options.bundle ?? report.bundle.source;
  const demo = options.bundle ? null : demoFolder(source);
  try {
    return demo ? loadStream(demo, true) : loadStream(source);
  } catch (error) {
    const message = (error as Error).message;
    throw new FormatError(
      `the run's bundle cannot be read (${options.bundle ? "--bundle" : "report.json bundle.source"} = ${source}): ${message}; pass \`skc report RUN_DIR --bundle PATH\` if it moved`,
      { file: source, field: options.bundle ? "bundle" : "bundle.source" },
      { cause: error },
    );
  }
}

function checkBundleMatches(report: EvalReport, stream: LabelledStream): void {
  const { numSamples, numClasses } = streamShape(stream);
  if (numSamples !== report.bundle.numSamples || numClasses !== report.bundle.numClasses)
    throw new FormatError(
      `bundle ${stream.source} holds ${numSamples} samples × ${numClasses} classes, the run had ${report.bundle.numSamples} × ${report.bundle.numClasses}`,
      { file: stream.source, field: "bundle", value: numSamples, expected: report.bundle.numSamples },
    );
}

/** The run's traced samples (the prior resolved as the run named it, unless given), or why there are none. */
function traceOrNote(
  report: EvalReport,
  stream: LabelledStream,
  options: BuildReportHtmlOptions,
  predictions: RunPredictions,
): TracedOrNote {
  const prior = () =>
    options.prior ??
    resolvePrior(options.priorSpec ?? report.prior.source, {
      key: "prior",
      uniformGamma: report.config.uniformGamma,
      candidates: priorCandidates(stream, report.prior.split ?? undefined),
    }).prior;
  return traceSamples(stream, { method: report.method.name, params: report.params, prior }, predictions);
}

/** What report.html of a run folder shows: the run read back, traced, and its clips read (nothing written). */
export function reportHtmlInput(runDir: string, options: BuildReportHtmlOptions = {}): ReportHtmlInput {
  const { report, predictions } = readRunFolder(runDir);
  const stream = loadBundle(report, options);
  checkBundleMatches(report, stream);
  const traced = traceOrNote(report, stream, options, predictions);
  const subjects = playbackSubjects(predictions, traced);
  const samples = subjects.flatMap((s) => [s.sample, ...s.neighbours]);
  const raw = readRawSequences(stream.meta ?? {}, {
    numSamples: report.bundle.numSamples,
    samples,
    dataDir: options.dataDir,
  });
  return {
    baseLogits: stream.logits.data,
    traced,
    playback: playbackFrom(raw, subjects),
    ...(options.out ? { out: options.out } : {}),
    ...(options.displayDir ? { displayDir: options.displayDir } : {}),
  };
}

/** Builds and writes report.html for a run folder: run → trace → playback → page. */
export function buildReportHtml(runDir: string, options: BuildReportHtmlOptions = {}): ReportHtmlResult {
  return writeReportHtml(runDir, reportHtmlInput(runDir, options));
}
