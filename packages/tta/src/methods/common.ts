import { NonFiniteError, ShapeError } from "@skeleton-cache/errors";
import { GLOBAL_SLOT, NUM_SLOTS } from "@skeleton-cache/skeleton";
import { COSINE_NORM_EPS, norm } from "@skeleton-cache/tensor";
import type { SampleRef, StepResult } from "../method.js";

/** A step result the method overwrites on every step. */
export type MutableStepResult = { -readonly [K in keyof StepResult]: StepResult[K] };

export function emptyStepResult(): MutableStepResult {
  return {
    baselinePred: -1,
    refinedPred: -1,
    entropy: 0,
    inserted: false,
    hedgeBlock: -1,
    hedgeInserted: false,
  };
}

/** Checks that a sample holds U finite base logits and (8, C) descriptors where the step reads them. */
export function checkSample(sample: SampleRef, numClasses: number, channels: number): void {
  const { id } = sample;
  checkBaseLogits(sample.logits, sample.logitsOffset, numClasses, id);
  const need = NUM_SLOTS * channels;
  if (sample.descriptors.length - sample.descriptorOffset < need) {
    throw new ShapeError(
      `sample ${id}: descriptors have ${sample.descriptors.length - sample.descriptorOffset} values, need 8·C = ${need}`,
      { field: "descriptors", value: sample.descriptors.length - sample.descriptorOffset },
    );
  }
}

/** Checks that `logits` hold U finite base logits from `offset` (sample `id` in messages). */
export function checkBaseLogits(logits: Float32Array, offset: number, numClasses: number, id: number): void {
  if (logits.length - offset < numClasses) {
    throw new ShapeError(
      `sample ${id}: base logits have ${logits.length - offset} values from offset ${offset}, need U = ${numClasses}`,
      { field: "logits", value: logits.length - offset },
    );
  }
  for (let u = 0; u < numClasses; u++) {
    const v = logits[offset + u]!;
    if (!Number.isFinite(v)) {
      throw new NonFiniteError(`sample ${id}: base logit ${u} is ${v}; finite logits are required`, {
        field: `logits[${id}, ${u}]`,
        value: v,
      });
    }
  }
}

/** log softmax(φ̂) of one sample into `out` (finite for finite logits: no log of an underflowed 0). */
export function logSoftmaxInto(logits: Float32Array, offset: number, out: Float64Array): void {
  const U = out.length;
  let max = Number.NEGATIVE_INFINITY;
  for (let u = 0; u < U; u++) max = Math.max(max, logits[offset + u]!);
  let sum = 0;
  for (let u = 0; u < U; u++) sum += Math.exp(logits[offset + u]! - max);
  const logSum = max + Math.log(sum);
  for (let u = 0; u < U; u++) out[u] = logits[offset + u]! - logSum;
}

/**
 * The global descriptor (slot 7) of a sample, divided by its norm (clamped
 * at 1e-8 as the cosine of SPEC §4), written to `out` at `at`.
 */
export function unitGlobalInto(sample: SampleRef, channels: number, out: Float64Array, at: number): void {
  const from = sample.descriptorOffset + GLOBAL_SLOT * channels;
  const scale = 1 / Math.max(norm(sample.descriptors, channels, from), COSINE_NORM_EPS);
  for (let c = 0; c < channels; c++) out[at + c] = sample.descriptors[from + c]! * scale;
}
