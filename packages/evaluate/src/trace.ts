/**
 * The traced samples of report.html: the page explains the run's own
 * predictions, so the main online pass is replayed (same stream, prior,
 * hyper-parameters and stream order) with an opt-in `TraceRecorder` on a
 * capped set of samples, and the replay must give the run's online
 * predictions sample for sample. The traced replay explains Skeleton-Cache's
 * pass only; another method's run gets a note saying so.
 */
import { ValueError } from "@skeleton-cache/errors";
import type { Prior } from "@skeleton-cache/prior";
import { buildMethod } from "@skeleton-cache/protocols";
import { evenlySpaced, type RunPredictions, type TracedOrNote, type TracedRun } from "@skeleton-cache/report";
import { type LabelledStream, streamShape } from "@skeleton-cache/skeleton";
import { DEFAULT_METHOD, type MethodParams, onlinePass, TraceRecorder } from "@skeleton-cache/tta";

/** Samples traced in full at most (scores, weights, matches): changed ones first, then unchanged. */
export const TRACE_CAP = 600;
/** Points of the cache's timeline along the stream. */
export const TIMELINE_POINTS = 60;
/** Matched cache entries kept per traced sample. */
export const MATCHES = 5;

/** Method names (report.json `method.name`) whose pass the trace recorder can replay. */
export const TRACEABLE: ReadonlySet<string> = new Set([DEFAULT_METHOD]);

/** The samples to trace: every changed one (evenly spaced past the cap), then unchanged ones evenly spaced. */
export function chooseTraced(predictions: RunPredictions, cap = TRACE_CAP): number[] {
  const changed: number[] = [];
  const unchanged: number[] = [];
  for (const sample of predictions.order)
    (predictions.baselinePred[sample] === predictions.refinedPred[sample] ? unchanged : changed).push(sample);
  const first = evenlySpaced(changed, cap);
  return [...first, ...evenlySpaced(unchanged, cap - first.length)];
}

/** The run a trace replays: its method, the hyper-parameters of its main pass (report.json `params`) and its prior. */
export interface TracedPass {
  readonly method: string;
  readonly params: MethodParams;
  /** The run's prior, or how to resolve it (called only when the method can be traced). */
  readonly prior: Prior | (() => Prior);
}

/**
 * Replays the main online pass of a run with a trace recorder on `traced`
 * samples (default `chooseTraced(predictions)`) and checks it against the
 * run's predictions (`RunFiles` of `evaluate`, or predictions.csv read back).
 * A method the recorder cannot replay gets `{ note }` instead.
 */
export function traceSamples(
  stream: LabelledStream,
  pass: TracedPass,
  predictions: RunPredictions,
  traced: readonly number[] = chooseTraced(predictions),
): TracedOrNote {
  if (!TRACEABLE.has(pass.method))
    return {
      note: `Per-descriptor scores, weights, matches and the cache over time are recorded for skeleton-cache; this run's method is ${pass.method}.`,
    };
  return replay(stream, pass, predictions, traced);
}

function replay(
  stream: LabelledStream,
  pass: TracedPass,
  predictions: RunPredictions,
  traced: readonly number[],
): TracedRun {
  const trace = new TraceRecorder({ samples: traced, matches: MATCHES, timeline: TIMELINE_POINTS });
  const prior = typeof pass.prior === "function" ? pass.prior() : pass.prior;
  const method = buildMethod(stream, { method: pass.method, params: pass.params, prior });
  const run = onlinePass(stream, method, { order: predictions.order, trace });
  const { numSamples } = streamShape(stream);
  const source = stream.source ?? "the stream";
  for (let sample = 0; sample < numSamples; sample++) {
    if (
      run.refinedPred[sample] !== predictions.onlinePred[sample] ||
      stream.labels[sample] !== predictions.labels[sample]
    )
      throw new ValueError(
        `bundle ${source} no longer gives this run's predictions: sample ${sample} replays as class ${run.refinedPred[sample]} (label ${stream.labels[sample]}), predictions.csv has ${predictions.onlinePred[sample]} (label ${predictions.labels[sample]}); was the bundle or prior changed since the run?`,
        { file: source, field: "online_pred", position: sample, value: run.refinedPred[sample] },
      );
  }
  return { traces: trace.traces, cache: trace.timeline, refinedLogits: run.refinedLogits };
}
