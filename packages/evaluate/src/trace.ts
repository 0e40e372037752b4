/**
 * The page explains the run's own predictions: it replays the main online
 * pass (same bundle, prior, α, β, K, hedge and stream order) with an opt-in
 * `TraceRecorder` on a capped set of samples, and refuses to go on if the
 * replay does not give predictions.csv's online predictions sample for
 * sample.
 */
import { ValueError } from "@skeleton-cache/errors";
import type { Prior } from "@skeleton-cache/prior";
import { type EvalReport, evenlySpaced, type RunPredictions, type TracedRun } from "@skeleton-cache/report";
import { createMethod, DEFAULT_METHOD, onlinePass, TraceRecorder } from "@skeleton-cache/tta";
import type { EvalData } from "../inputs.js";

/** Samples traced in full at most (scores, weights, matches): changed ones first, then unchanged. */
export const TRACE_CAP = 600;
/** Points of the cache's timeline along the stream. */
export const TIMELINE_POINTS = 60;
/** Matched cache entries kept per traced sample. */
export const MATCHES = 5;

/** The samples to trace: every changed one (evenly spaced past the cap), then unchanged ones evenly spaced. */
export function chooseTraced(predictions: RunPredictions, cap = TRACE_CAP): number[] {
  const changed: number[] = [];
  const unchanged: number[] = [];
  for (const sample of predictions.order)
    (predictions.baselinePred[sample] === predictions.refinedPred[sample] ? unchanged : changed).push(sample);
  const first = evenlySpaced(changed, cap);
  return [...first, ...evenlySpaced(unchanged, cap - first.length)];
}

/** Replays the main online pass with a trace recorder and checks it against predictions.csv. */
export function tracePass(
  report: EvalReport,
  data: EvalData,
  prior: Prior,
  predictions: RunPredictions,
  traced: readonly number[],
): TracedRun {
  const trace = new TraceRecorder({ samples: traced, matches: MATCHES, timeline: TIMELINE_POINTS });
  const context = { numClasses: data.numClasses, channels: data.channels, prior };
  const run = onlinePass(
    { logits: data.logits, descriptors: data.descriptors },
    createMethod(DEFAULT_METHOD, context, report.params),
    { order: predictions.order, trace },
  );
  for (let sample = 0; sample < data.numSamples; sample++) {
    if (
      run.refinedPred[sample] !== predictions.onlinePred[sample] ||
      data.labels[sample] !== predictions.labels[sample]
    )
      throw new ValueError(
        `bundle ${data.source} no longer gives this run's predictions: sample ${sample} replays as class ${run.refinedPred[sample]} (label ${data.labels[sample]}), predictions.csv has ${predictions.onlinePred[sample]} (label ${predictions.labels[sample]}); was the bundle or prior changed since the run?`,
        { file: data.source, field: "online_pred", position: sample, value: run.refinedPred[sample] },
      );
  }
  return { traces: trace.traces, cache: trace.timeline, refinedLogits: run.refinedLogits };
}
