import {
  type Accuracy,
  accuracy,
  type CacheStatistics,
  cacheStatistics,
  type MeanSd,
  meanSd,
} from "@skeleton-cache/metrics";
import {
  buildFusionWeights,
  type FusionWeights,
  maskFusionWeights,
  type Prior,
  uniformPrior,
} from "@skeleton-cache/prior";
import { argmaxRows, permutation } from "@skeleton-cache/tensor";
import { type HedgeMode, type OnlineRun, predictWithCache, runOnline } from "@skeleton-cache/tta";
import type { EvalData } from "./inputs.js";

/** Hyper-parameters of one online pass. */
export interface PassParams {
  readonly alpha: number;
  readonly beta: number;
  readonly K: number;
  readonly hedge: HedgeMode;
  readonly hedgeMargin: number;
  /** Retrieval kernel (default: WebAssembly where available). */
  readonly kernel?: "wasm" | "js";
}

/** Called once per finished pass (progress). */
export type Tick = () => void;

/** One online pass (SPEC §6) over the whole bundle. */
export function onlinePass(
  data: EvalData,
  prior: Prior,
  params: PassParams,
  options: { order?: readonly number[]; weights?: FusionWeights } = {},
): OnlineRun {
  return runOnline(
    { logits: data.logits, descriptors: data.descriptors },
    {
      prior,
      alpha: params.alpha,
      beta: params.beta,
      capacity: params.K,
      hedge: params.hedge,
      hedgeMargin: params.hedgeMargin,
      ...(params.kernel ? { kernel: params.kernel } : {}),
      ...(options.weights ? { weights: options.weights } : {}),
    },
    options.order ? { order: options.order } : {},
  );
}

/** The reference protocol's second-pass rule (SPEC §7). */
export const SECOND_PASS_THRESHOLD = 0.85;

/** Mean over samples of the largest base logit. */
export function meanMaxBaseLogit(data: EvalData): number {
  const { numSamples, numClasses } = data;
  let sum = 0;
  for (let sample = 0; sample < numSamples; sample++) {
    let best = Number.NEGATIVE_INFINITY;
    for (let u = 0; u < numClasses; u++) best = Math.max(best, data.logits.data[sample * numClasses + u]!);
    sum += best;
  }
  return numSamples === 0 ? 0 : sum / numSamples;
}

/** A pass's reported predictions with the second-pass decision (reference protocol). */
export interface ReferencePoint {
  readonly alpha: number;
  readonly beta: number;
  readonly K: number;
  readonly correct: number;
  readonly top1: number;
  readonly onlineCorrect: number;
  readonly secondPassFired: boolean;
  readonly allBlocksFull: boolean;
}

/** One grid point of the reference protocol: online pass, then the conditional second pass. */
export function referencePoint(
  data: EvalData,
  prior: Prior,
  params: PassParams,
  meanMax: number,
): { point: ReferencePoint; run: OnlineRun; predictions: Int32Array } {
  const run = onlinePass(data, prior, params);
  const online = accuracy(run.refinedPred, data.labels);
  const allBlocksFull = run.adapter.cache.isFull;
  const fires = allBlocksFull && meanMax > SECOND_PASS_THRESHOLD;
  const predictions = fires
    ? predictWithCache(run.adapter, { logits: data.logits, descriptors: data.descriptors }, data.descriptors)
    : run.refinedPred;
  const final = fires ? accuracy(predictions, data.labels) : online;
  return {
    point: {
      alpha: params.alpha,
      beta: params.beta,
      K: params.K,
      correct: final.correct,
      top1: final.percent,
      onlineCorrect: online.correct,
      secondPassFired: fires,
      allBlocksFull,
    },
    run,
    predictions,
  };
}

/** A grid point of a validation sweep. */
export interface GridPoint {
  readonly alpha: number;
  readonly beta: number;
  readonly correct: number;
  readonly top1: number;
}

/** Online passes over α × β (α outer, β inner); best = most correct, first in grid order on ties. */
export function gridSearch(
  data: EvalData,
  prior: Prior,
  base: PassParams,
  grid: { alpha: readonly number[]; beta: readonly number[] },
  tick?: Tick,
): { points: GridPoint[]; best: GridPoint } {
  const points: GridPoint[] = [];
  for (const alpha of grid.alpha) {
    for (const beta of grid.beta) {
      const run = onlinePass(data, prior, { ...base, alpha, beta });
      const result = accuracy(run.refinedPred, data.labels);
      points.push({ alpha, beta, correct: result.correct, top1: result.percent });
      tick?.();
    }
  }
  let best = points[0]!;
  for (const point of points) if (point.correct > best.correct) best = point;
  return { points, best };
}

/** The online protocol over R seeded permutations of the stream. */
export interface OrdersResult {
  readonly R: number;
  readonly seeds: number[];
  readonly top1: number[];
  readonly summary: MeanSd;
  readonly backboneTop1: number;
}

export function ordersProtocol(
  data: EvalData,
  prior: Prior,
  params: PassParams,
  R: number,
  seed: number,
  tick?: Tick,
): OrdersResult {
  const seeds: number[] = [];
  const top1: number[] = [];
  for (let r = 0; r < R; r++) {
    const orderSeed = seed + r;
    const order = permutation(data.numSamples, orderSeed);
    const run = onlinePass(data, prior, params, { order });
    seeds.push(orderSeed);
    top1.push(accuracy(run.refinedPred, data.labels).percent);
    tick?.();
  }
  return {
    R,
    seeds,
    top1,
    summary: meanSd(top1),
    backboneTop1: accuracy(baselinePredictions(data), data.labels).percent,
  };
}

/** argmax of the base logits per sample. */
export function baselinePredictions(data: EvalData): Int32Array {
  return argmaxRows(data.logits.data, data.numClasses);
}

/** Descriptor subsets of the ablations (slot indices, SPEC §2). */
export const ABLATION_SLOTS = [
  { name: "global only", slots: [7] },
  { name: "+ spatial", slots: [0, 1, 2, 3, 7] },
  { name: "+ temporal", slots: [4, 5, 6, 7] },
  { name: "all", slots: [0, 1, 2, 3, 4, 5, 6, 7] },
] as const;

export interface AblationRow {
  readonly descriptors: string;
  readonly slots: number[];
  /** "llm" = the run's prior, "uniform" = the no-LLM baseline. */
  readonly prior: "llm" | "uniform";
  readonly correct: number;
  readonly top1: number;
}

/**
 * Ablations at fixed α, β, K: each descriptor subset (other slots' weights
 * zeroed by `maskFusionWeights`, not renormalised) with the run's prior and
 * with the uniform prior.
 */
export function ablations(
  data: EvalData,
  prior: Prior,
  priorIsUniform: boolean,
  params: PassParams,
  uniformGamma: number,
  tick?: Tick,
): AblationRow[] {
  const rows: AblationRow[] = [];
  const priors: { label: "llm" | "uniform"; prior: Prior }[] = [];
  if (!priorIsUniform) priors.push({ label: "llm", prior });
  priors.push({
    label: "uniform",
    prior: priorIsUniform ? prior : uniformPrior(data.numClasses, uniformGamma),
  });
  for (const { label, prior: p } of priors) {
    const full = buildFusionWeights(p, data.numClasses);
    for (const subset of ABLATION_SLOTS) {
      const weights = maskFusionWeights(full, subset.slots);
      const run = onlinePass(data, p, params, { weights });
      const result: Accuracy = accuracy(run.refinedPred, data.labels);
      rows.push({
        descriptors: subset.name,
        slots: [...subset.slots],
        prior: label,
        correct: result.correct,
        top1: result.percent,
      });
      tick?.();
    }
  }
  return rows;
}

/** Cache statistics of a finished pass. */
export function cacheStatsOf(run: OnlineRun, labels: Int32Array): CacheStatistics {
  const cache = run.adapter.cache;
  const members: number[][] = [];
  for (let block = 0; block < cache.numClasses; block++) members.push(cache.block(block).ids);
  return cacheStatistics({ capacity: cache.capacity, members }, labels);
}
