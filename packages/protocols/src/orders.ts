import { accuracy, type MeanSd, meanSd } from "@skeleton-cache/metrics";
import type { LabelledStream } from "@skeleton-cache/skeleton";
import { permutation } from "@skeleton-cache/tensor";
import { onlinePass } from "@skeleton-cache/tta";
import { checkedInput, type MethodSetup, type Tick } from "./data.js";
import { baselinePredictions, buildMethod } from "./online.js";

/** The stream order of a seed: a seeded permutation of 0..n-1. */
export function streamOrder(numSamples: number, seed: number): number[] {
  return permutation(numSamples, seed);
}

/** The online protocol over R seeded permutations of the stream. */
export interface OrdersResult {
  readonly R: number;
  /** Seeds of the permutations: seed, seed + 1, ..., seed + R − 1. */
  readonly seeds: number[];
  readonly top1: number[];
  readonly summary: MeanSd;
  readonly backboneTop1: number;
}

export function ordersProtocol(
  stream: LabelledStream,
  setup: MethodSetup,
  options: { readonly R: number; readonly seed: number },
  tick?: Tick,
): OrdersResult {
  const seeds: number[] = [];
  const top1: number[] = [];
  for (let r = 0; r < options.R; r++) {
    const seed = options.seed + r;
    const run = onlinePass(checkedInput(stream), buildMethod(stream, setup), {
      order: streamOrder(stream.labels.length, seed),
    });
    seeds.push(seed);
    top1.push(accuracy(run.refinedPred, stream.labels).percent);
    tick?.();
  }
  return {
    R: options.R,
    seeds,
    top1,
    summary: meanSd(top1),
    backboneTop1: accuracy(baselinePredictions(stream), stream.labels).percent,
  };
}
