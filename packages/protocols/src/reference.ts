import { accuracy } from "@skeleton-cache/metrics";
import type { LabelledStream } from "@skeleton-cache/skeleton";
import type { Tensor } from "@skeleton-cache/tensor";
import { getMethodSpec, type MethodRun, onlinePass, predictWithCache } from "@skeleton-cache/tta";
import { checkedInput, type MethodSetup, type Tick } from "./data.js";
import { bestPoint, checkGrid, type Grid, type GridPoint, gridPoints } from "./grid.js";
import { buildMethod } from "./online.js";

/** The reference protocol's second-pass rule (SPEC §7): the mean largest base logit must exceed this. */
export const SECOND_PASS_THRESHOLD = 0.85;

/** Mean over samples of the largest base logit (0 for no samples). */
export function meanMaxBaseLogit(logits: Tensor): number {
  const [samples, classes] = logits.shape as [number, number];
  let sum = 0;
  for (let sample = 0; sample < samples; sample++) {
    let best = Number.NEGATIVE_INFINITY;
    for (let u = 0; u < classes; u++) best = Math.max(best, logits.data[sample * classes + u]!);
    sum += best;
  }
  return samples === 0 ? 0 : sum / samples;
}

/** One run of the reference protocol: the online pass, then the conditional second pass. */
export interface ReferenceRun {
  readonly run: MethodRun;
  /** The reported predictions: the second pass's where it fired, else the online ones. */
  readonly predictions: Int32Array;
  readonly correct: number;
  readonly top1: number;
  readonly onlineCorrect: number;
  readonly onlineTop1: number;
  readonly secondPassFired: boolean;
  readonly allBlocksFull: boolean;
}

/**
 * The online pass, then (SPEC §7) when every block is full and the mean
 * largest base logit exceeds 0.85, every sample re-scored against the final
 * memory with no updates. Only methods whose blocks fill have a second pass.
 */
export function referenceRun(
  stream: LabelledStream,
  setup: MethodSetup,
  options: { readonly meanMax: number; readonly order?: readonly number[] | Int32Array },
): ReferenceRun {
  const run = onlinePass(
    checkedInput(stream),
    buildMethod(stream, setup),
    options.order ? { order: options.order } : {},
  );
  const online = accuracy(run.refinedPred, stream.labels);
  const allBlocksFull = getMethodSpec(setup.method).capabilities.blocksFill && run.method.blocksFull;
  const fires = allBlocksFull && options.meanMax > SECOND_PASS_THRESHOLD;
  const input = checkedInput(stream);
  const predictions = fires ? predictWithCache(run.method, input, input.descriptors) : run.refinedPred;
  const final = fires ? accuracy(predictions, stream.labels) : online;
  return {
    run,
    predictions,
    correct: final.correct,
    top1: final.percent,
    onlineCorrect: online.correct,
    onlineTop1: online.percent,
    secondPassFired: fires,
    allBlocksFull,
  };
}

/** A grid point of the reference protocol. */
export interface ReferencePoint extends GridPoint {
  readonly onlineCorrect: number;
  readonly secondPassFired: boolean;
  readonly allBlocksFull: boolean;
}

/**
 * The reference protocol (SPEC §7): every point of the grid, each with its
 * conditional second pass; the best is CHOSEN ON THE TEST LABELS (an
 * oracle), the first in grid order on ties.
 */
export function referenceGrid(
  stream: LabelledStream,
  setup: MethodSetup,
  grid: Grid,
  tick?: Tick,
): { points: ReferencePoint[]; best: ReferencePoint; bestRun: ReferenceRun; meanMax: number } {
  checkGrid(setup.method, grid);
  const meanMax = meanMaxBaseLogit(stream.logits);
  // Only the best run is kept (each holds (N, U) logits and its method's cache): first in grid order on ties.
  let bestRun: ReferenceRun | undefined;
  const points = gridPoints(grid).map((values) => {
    const result = referenceRun(stream, { ...setup, params: { ...setup.params, ...values } }, { meanMax });
    if (bestRun === undefined || result.correct > bestRun.correct) bestRun = result;
    tick?.();
    return {
      values,
      correct: result.correct,
      top1: result.top1,
      onlineCorrect: result.onlineCorrect,
      secondPassFired: result.secondPassFired,
      allBlocksFull: result.allBlocksFull,
    };
  });
  return { points, best: bestPoint(points), bestRun: bestRun!, meanMax };
}
