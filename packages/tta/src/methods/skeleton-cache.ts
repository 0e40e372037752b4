import type { MethodContext, MethodParams, MethodSpec, ParamSpec } from "../method.js";
import { defineMethod } from "../params.js";
import { type HedgeMode, SkeletonCacheMethod } from "../skeleton-cache-method.js";

/**
 * The hyper-parameters Skeleton-Cache and its mean-affinity variant share:
 * α (Eq. 12), β (Eq. 6), K (Eq. 5) and the runner-up hedge (SPEC §3).
 */
export function cacheParams(defaults: { alpha: number; beta: number }): Record<string, ParamSpec> {
  return {
    alpha: {
      kind: "number",
      description: "fusion scale α (Eq. 12; 0 = the backbone alone)",
      default: defaults.alpha,
      min: 0,
    },
    beta: { kind: "number", description: "affinity sharpness β (Eq. 6)", default: defaults.beta, min: 0 },
    K: { kind: "integer", description: "cache entries per class (Eq. 5)", default: 8, min: 1, max: 4096 },
    hedge: {
      kind: "choice",
      description: "runner-up hedge (SPEC §3): auto = on when U < K, as the reference code",
      default: "auto",
      choices: ["auto", "on", "off"],
    },
    hedgeMargin: {
      kind: "number",
      description: "top-1 minus top-2 posterior margin below which the hedge fires",
      default: 0.5,
      min: 0,
      max: 1,
    },
  };
}

/** The reference evaluation's grid (SPEC §7): α ∈ {0.5, 1, 2, 3, 5} × β ∈ {3, 5, 7, 9}. */
export const REFERENCE_GRID = { alpha: [0.5, 1, 2, 3, 5], beta: [3, 5, 7, 9] } as const;

/** The `SkeletonCacheMethod` options a cache method's parameters describe. */
export function skeletonCacheOptions(context: MethodContext, params: MethodParams) {
  return {
    numClasses: context.numClasses,
    channels: context.channels,
    prior: context.prior,
    ...(context.weights ? { weights: context.weights } : {}),
    ...(context.kernel ? { kernel: context.kernel } : {}),
    alpha: params.alpha as number,
    beta: params.beta as number,
    K: params.K as number,
    hedge: params.hedge as HedgeMode,
    hedgeMargin: params.hedgeMargin as number,
  };
}

/**
 * `skeleton-cache`: the paper's method (Zhu et al., NeurIPS 2025), exactly as
 * the authors' reference code: descriptors (Eq. 3–4), a per-class cache with
 * entropy replacement (Eq. 5), slot-wise affinities summed per block (Eq. 6–8),
 * LLM-guided fusion (Eq. 9–12), online (SPEC §6). The default method.
 */
export const skeletonCache: MethodSpec = defineMethod({
  name: "skeleton-cache",
  origin: "@skeleton-cache/tta",
  title: "Skeleton-Cache",
  description:
    "the paper's method: per-class descriptor cache, affinities summed per block, LLM-prior fusion",
  reference: "Zhu et al., NeurIPS 2025 (arXiv 2512.11458), Eq. 3–12; SPEC §2–7",
  params: cacheParams({ alpha: 1, beta: 5 }),
  grid: REFERENCE_GRID,
  capabilities: { blocksFill: true, fusionWeights: true, slots: "all" },
  create: (context, params) => new SkeletonCacheMethod(skeletonCacheOptions(context, params)),
});
