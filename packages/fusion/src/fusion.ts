import { ShapeError } from "@skeleton-cache/errors";
import { NUM_SLOTS } from "@skeleton-cache/skeleton";
import { argmax } from "@skeleton-cache/tensor";
import type { FusionWeights } from "./weights.js";

/** Where the base logits φ̂ of one sample are read: `values[offset .. offset + U)`. */
export interface LogitsView {
  readonly values: ArrayLike<number>;
  /** Index of the sample's first logit (default 0). */
  readonly offset?: number;
}

/** Everything one fusion step reads and writes (named, so no two numbers can swap). */
export interface FusionStep {
  /** Per-class slot weights (Eq. 9), (U, 8). */
  readonly weights: FusionWeights;
  /** The backbone's base logits φ̂. */
  readonly base: LogitsView;
  /** O: the (8, U) per-slot class scores (Eq. 10). */
  readonly scores: ArrayLike<number>;
  /** α: the fusion scale (Eq. 12). */
  readonly alpha: number;
  /** Receives φ at `outOffset` (default 0). */
  readonly out: { [i: number]: number };
  readonly outOffset?: number;
}

/**
 * Refined logits (Eq. 10–12): with ĉ = argmax φ̂ (the backbone's own
 * prediction, first index on ties), `s = w_ĉ · O` and `φ = φ̂ + α·s`.
 * Writes φ to `step.out`; returns ĉ.
 */
export function fuseInto(step: FusionStep): number {
  const { weights: fusion, scores, alpha, out } = step;
  const baseLogits = step.base.values;
  const logitsOffset = step.base.offset ?? 0;
  const outOffset = step.outOffset ?? 0;
  const U = fusion.numClasses;
  if (scores.length < NUM_SLOTS * U) {
    throw new ShapeError(`fusion: scores have ${scores.length} values, need 8·U = ${NUM_SLOTS * U}`, {
      field: "scores",
      value: scores.length,
    });
  }
  const predicted = argmax(baseLogits, logitsOffset, U);
  const row = predicted * NUM_SLOTS;
  for (let u = 0; u < U; u++) {
    // Eq. 11: s_u = Σ_d w_{ĉ,d} · O_{d,u}
    let fused = 0;
    for (let slot = 0; slot < NUM_SLOTS; slot++) fused += fusion.weights[row + slot]! * scores[slot * U + u]!;
    // Eq. 12
    out[outOffset + u] = baseLogits[logitsOffset + u]! + alpha * fused;
  }
  return predicted;
}
