import { assertPriorCovers, type Prior } from "@skeleton-cache/prior";
import { argmax, ShapeError, ValueError } from "@skeleton-cache/tensor";

/** Slots per class weight vector: 4 parts, 3 phases, 1 global (SPEC §2, §5). */
export const FUSION_SLOTS = 8;

/** Lower clamp of the weight normaliser (Eq. 9). */
export const WEIGHT_SUM_EPS = 1e-12;

/**
 * Per-class fusion weights (Eq. 9): for class u,
 * `raw = [(1−γ_u)·spatial_u, (1−γ_u)·temporal_u, γ_u]`, `w_u = raw / max(Σ raw, 1e-12)`.
 * Row-major (U, 8).
 */
export interface FusionWeights {
  readonly numClasses: number;
  readonly weights: Float64Array;
}

/** Builds the (U, 8) weight matrix from a split prior covering classes 0..U-1. */
export function buildFusionWeights(prior: Prior, numClasses: number): FusionWeights {
  assertPriorCovers(prior, numClasses);
  const weights = new Float64Array(numClasses * FUSION_SLOTS);
  for (let u = 0; u < numClasses; u++) {
    const entry = prior.classes[u]!;
    const gamma = entry.gamma;
    const row = u * FUSION_SLOTS;
    let sum = 0;
    for (let part = 0; part < 4; part++) {
      weights[row + part] = (1 - gamma) * entry.spatial[part]!;
      sum += weights[row + part]!;
    }
    for (let phase = 0; phase < 3; phase++) {
      weights[row + 4 + phase] = (1 - gamma) * entry.temporal[phase]!;
      sum += weights[row + 4 + phase]!;
    }
    weights[row + 7] = gamma;
    sum += gamma;
    const scale = 1 / Math.max(sum, WEIGHT_SUM_EPS);
    for (let slot = 0; slot < FUSION_SLOTS; slot++) weights[row + slot] = weights[row + slot]! * scale;
  }
  return { numClasses, weights };
}

/** Keeps only some slots' weights (the rest zero), e.g. for ablations: global only, + spatial, + temporal. */
export function maskFusionWeights(fusion: FusionWeights, keepSlots: readonly number[]): FusionWeights {
  const keep = new Set(keepSlots);
  for (const slot of keep) {
    if (!Number.isInteger(slot) || slot < 0 || slot >= FUSION_SLOTS) {
      throw new ValueError(`fusion: slot ${slot} is outside 0..7`, { field: "keepSlots", value: slot });
    }
  }
  const weights = new Float64Array(fusion.weights.length);
  for (let u = 0; u < fusion.numClasses; u++) {
    for (let slot = 0; slot < FUSION_SLOTS; slot++) {
      if (keep.has(slot)) weights[u * FUSION_SLOTS + slot] = fusion.weights[u * FUSION_SLOTS + slot]!;
    }
  }
  return { numClasses: fusion.numClasses, weights };
}

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
  if (scores.length < FUSION_SLOTS * U) {
    throw new ShapeError(`fusion: scores have ${scores.length} values, need 8·U = ${FUSION_SLOTS * U}`, {
      field: "scores",
      value: scores.length,
    });
  }
  const predicted = argmax(baseLogits, logitsOffset, U);
  const row = predicted * FUSION_SLOTS;
  for (let u = 0; u < U; u++) {
    // Eq. 11: s_u = Σ_d w_{ĉ,d} · O_{d,u}
    let fused = 0;
    for (let slot = 0; slot < FUSION_SLOTS; slot++)
      fused += fusion.weights[row + slot]! * scores[slot * U + u]!;
    // Eq. 12
    out[outOffset + u] = baseLogits[logitsOffset + u]! + alpha * fused;
  }
  return predicted;
}
