import { ShapeError } from "@skeleton-cache/errors";
import type { FusionWeights } from "@skeleton-cache/prior";
import { NUM_SLOTS } from "@skeleton-cache/skeleton";
import { argmax } from "@skeleton-cache/tensor";

/**
 * Refined logits (Eq. 10–12): with ĉ = argmax φ̂ (the backbone's own
 * prediction, first index on ties), `s = w_ĉ · O` and `φ = φ̂ + α·s`, where
 * `scores` is the (8, U) matrix O of per-slot class scores.
 * Reads φ̂ from `baseLogits` at `logitsOffset`, writes φ to `out` at
 * `outOffset`; returns ĉ.
 */
export function fuseInto(
  fusion: FusionWeights,
  baseLogits: ArrayLike<number>,
  logitsOffset: number,
  scores: ArrayLike<number>,
  alpha: number,
  out: { [i: number]: number },
  outOffset = 0,
): number {
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
