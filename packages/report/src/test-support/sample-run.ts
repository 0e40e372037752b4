/**
 * A small, complete run for the writers' tests: N = 12 samples of U = 3
 * classes in a shuffled stream, backbone logits, and a method's predictions
 * that fix two of the backbone's three mistakes and make one of their own;
 * every figure of the report is computed from them with @skeleton-cache/metrics.
 */
import {
  accuracy,
  confusionMatrix,
  perClassAccuracy,
  runningAccuracy,
  streamOrderStats,
  topKAccuracy,
} from "@skeleton-cache/metrics";
import { EVAL_REPORT_FORMAT, type EvalReport, type PredictionSummary } from "../eval-report.js";
import type { RunFiles } from "../run-directory.js";

export const N = 12;
export const U = 3;
export const LABELS = Int32Array.from({ length: N }, (_, i) => i % U);
/** The backbone is wrong on samples 1, 5 and 10 (it says class 0). */
export const BASELINE = Int32Array.from(LABELS, (label, i) => (i === 1 || i === 5 || i === 10 ? 0 : label));
/** The method fixes samples 1 and 5, keeps 10 wrong, and breaks sample 6 (a 0 read as 2). */
export const REFINED = Int32Array.from(BASELINE, (base, i) =>
  i === 1 || i === 5 ? LABELS[i]! : i === 6 ? 2 : base,
);
export const ORDER = Int32Array.of(3, 7, 0, 11, 5, 1, 9, 2, 10, 6, 4, 8);

/** (N, U) logits whose argmax is the backbone's prediction. */
export function baseLogits(): Float32Array {
  const logits = new Float32Array(N * U);
  for (let i = 0; i < N; i++)
    for (let u = 0; u < U; u++) logits[i * U + u] = u === BASELINE[i] ? 2 + (i % 3) / 4 : (u + i) / 10;
  return logits;
}

function summary(predictions: Int32Array, logits: Float32Array | null): PredictionSummary {
  const matrix = confusionMatrix(predictions, LABELS, U);
  return {
    top1: accuracy(predictions, LABELS),
    top5: logits ? topKAccuracy(logits, U, LABELS, Math.min(5, U)) : null,
    perClass: perClassAccuracy(predictions, LABELS, U),
    confusion: Array.from({ length: U }, (_, t) => Array.from(matrix.subarray(t * U, (t + 1) * U))),
  };
}

/** The report of the sample run (online protocol, uniform prior, no grid). */
export function sampleReport(): EvalReport {
  const backbone = summary(BASELINE, baseLogits());
  const cache = summary(REFINED, null);
  const runningBackbone = runningAccuracy(BASELINE, LABELS, ORDER);
  const runningCache = runningAccuracy(REFINED, LABELS, ORDER);
  const positions = [0, 3, 7, 11];
  return {
    format: EVAL_REPORT_FORMAT,
    tool: { name: "report tests", version: "0.1.0" },
    synthetic: true,
    syntheticNote: "Hand-made predictions of the report package's tests.",
    protocol: {
      name: "online",
      description: "online: one pass in the stream's order",
      selectsOnTestLabels: false,
    },
    config: { method: "mine", protocol: "online", seed: 0, uniformGamma: 0.5, params: {}, plots: false },
    seed: 0,
    stream: streamOrderStats(LABELS, ORDER),
    warnings: [],
    bundle: {
      source: "sample",
      numSamples: N,
      numClasses: U,
      channels: 4,
      input: "descriptors",
      classIds: [10, 11, 19],
      classNames: ["reading", "writing", "put on hat or cap"],
      meta: { dataset: "ntu60" },
    },
    prior: { kind: "uniform", source: "uniform", split: null },
    method: {
      name: "mine",
      title: "Mine",
      description: "a method of the tests",
      reference: "none",
      capabilities: { blocksFill: false, fusionWeights: false, slots: "global" },
      hedgeActive: null,
    },
    params: { k: 3 },
    results: {
      backbone,
      cache,
      gain: cache.top1.percent - backbone.top1.percent,
      cacheStatistics: null,
      running: {
        positions: positions.map((p) => p + 1),
        backbone: positions.map((p) => runningBackbone[p]!),
        cache: positions.map((p) => runningCache[p]!),
      },
    },
    grid: null,
    validation: null,
    orders: null,
    reference: null,
    ablations: null,
    gzsl: null,
    files: [],
    timing: { total: 0.5 },
  };
}

/** The per-sample arrays of the sample run (predictions.csv). */
export function sampleFiles(): RunFiles {
  return {
    order: ORDER,
    labels: LABELS,
    baselinePred: BASELINE,
    refinedPred: REFINED,
    onlinePred: REFINED,
    entropy: Float64Array.from({ length: N }, (_, i) => i / N),
    inserted: Uint8Array.from({ length: N }, (_, i) => i % 2),
    gzsl: null,
  };
}
