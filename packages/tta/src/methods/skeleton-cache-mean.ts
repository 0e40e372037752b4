import { NUM_SLOTS } from "@skeleton-cache/skeleton";
import type { MethodSpec } from "../method.js";
import { defineMethod } from "../params.js";
import { SkeletonCacheMethod } from "../skeleton-cache-method.js";
import { cacheParams, REFERENCE_GRID, skeletonCacheOptions } from "./skeleton-cache.js";

/**
 * Skeleton-Cache with the mean instead of the sum over a class's block
 * (issue 14): Eq. 7–8 sum the affinities of a block, so a full block scores
 * high by count alone and the cache amplifies the classes the backbone
 * predicts most. Here
 *
 *   o_d[u] = (1/|B_u|) · Σ_{j∈B_u} exp(−β(1 − cos(q_d, k_{j,d})))   (0 for an empty block),
 *
 * everything else (descriptors, insertion, hedge, fusion) as the paper.
 */
export class SkeletonCacheMeanMethod extends SkeletonCacheMethod {
  override get name(): string {
    return "skeleton-cache-mean";
  }

  protected override retrieveScores(descriptors: Float32Array, descriptorOffset: number): void {
    // Eq. 6–8: affinities summed per block ...
    super.retrieveScores(descriptors, descriptorOffset);
    const U = this.numClasses;
    for (let u = 0; u < U; u++) {
      const size = this.cache.occupancy(u);
      if (size <= 1) continue; // an empty block sums to 0 already; one entry is its own mean
      // ... then divided by the block's size: the mean affinity.
      for (let slot = 0; slot < NUM_SLOTS; slot++) {
        const at = slot * U + u;
        this.scores[at] = this.scores[at]! / size;
      }
    }
  }
}

/** `skeleton-cache-mean`: Skeleton-Cache scoring a class by the mean affinity over its block. */
export const skeletonCacheMean: MethodSpec = defineMethod({
  name: "skeleton-cache-mean",
  origin: "@skeleton-cache/tta",
  title: "Skeleton-Cache (mean)",
  description: "Skeleton-Cache scoring a class by the mean, not the sum, of the affinities over its block",
  reference:
    "Zhu et al., NeurIPS 2025, Eq. 3–12 with Eq. 7–8's block sum replaced by the block mean (issue 14)",
  params: cacheParams({ alpha: 2, beta: 5 }),
  grid: REFERENCE_GRID,
  capabilities: { blocksFill: true, fusionWeights: true, slots: "all" },
  create: (context, params) => new SkeletonCacheMeanMethod(skeletonCacheOptions(context, params)),
});
