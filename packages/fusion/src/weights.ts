import { ValueError } from "@skeleton-cache/errors";
import { assertPriorCovers, type ClassImportance, type Prior } from "@skeleton-cache/prior";
import { GLOBAL_SLOT, NUM_PARTS, NUM_SLOTS } from "@skeleton-cache/skeleton";

/** Lower clamp of the weight normaliser (Eq. 9). */
export const WEIGHT_SUM_EPS = 1e-12;

/**
 * Per-class fusion weights (Eq. 9), row-major (U, D) in the slot order of
 * `@skeleton-cache/skeleton` (4 parts, 3 phases, global).
 */
export interface FusionWeights {
  readonly numClasses: number;
  readonly weights: Float64Array;
}

/**
 * Eq. 9 for one class, written into `out` at `offset` (D values):
 * `raw = [(1−γ_u)·spatial_u, (1−γ_u)·temporal_u, γ_u]`, `w_u = raw / max(Σ raw, 1e-12)`.
 */
export function classWeightsInto(entry: ClassImportance, out: { [i: number]: number }, offset = 0): void {
  const keep = 1 - entry.gamma;
  let sum = 0;
  for (let part = 0; part < NUM_PARTS; part++) {
    out[offset + part] = keep * entry.spatial[part]!;
    sum += out[offset + part]!;
  }
  for (let phase = 0; phase < entry.temporal.length; phase++) {
    out[offset + NUM_PARTS + phase] = keep * entry.temporal[phase]!;
    sum += out[offset + NUM_PARTS + phase]!;
  }
  out[offset + GLOBAL_SLOT] = entry.gamma;
  sum += entry.gamma;
  const scale = 1 / Math.max(sum, WEIGHT_SUM_EPS);
  for (let slot = 0; slot < NUM_SLOTS; slot++) out[offset + slot] = out[offset + slot]! * scale;
}

/** The D fusion weights of one class (Eq. 9), as a plain array. */
export function classWeights(entry: ClassImportance): number[] {
  const out = new Array<number>(NUM_SLOTS).fill(0);
  classWeightsInto(entry, out);
  return out;
}

/** Builds the (U, D) weight matrix (Eq. 9) from a split prior covering classes 0..U-1. */
export function buildFusionWeights(prior: Prior, numClasses: number): FusionWeights {
  assertPriorCovers(prior, numClasses);
  const weights = new Float64Array(numClasses * NUM_SLOTS);
  for (let u = 0; u < numClasses; u++) classWeightsInto(prior.classes[u]!, weights, u * NUM_SLOTS);
  return { numClasses, weights };
}

/** Keeps only some slots' weights (the rest zero, not renormalised), e.g. for ablations. */
export function maskFusionWeights(fusion: FusionWeights, keepSlots: readonly number[]): FusionWeights {
  const keep = new Set(keepSlots);
  for (const slot of keep) {
    if (!Number.isInteger(slot) || slot < 0 || slot >= NUM_SLOTS) {
      throw new ValueError(`fusion weights: slot ${slot} is outside 0..${NUM_SLOTS - 1}`, {
        field: "keepSlots",
        value: slot,
      });
    }
  }
  const weights = new Float64Array(fusion.weights.length);
  for (let u = 0; u < fusion.numClasses; u++) {
    for (const slot of keep) weights[u * NUM_SLOTS + slot] = fusion.weights[u * NUM_SLOTS + slot]!;
  }
  return { numClasses: fusion.numClasses, weights };
}
