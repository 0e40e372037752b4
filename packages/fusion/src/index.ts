export type { FusionWeights } from "./fusion.js";
export { buildFusionWeights, FUSION_SLOTS, fuseInto, maskFusionWeights, WEIGHT_SUM_EPS } from "./fusion.js";
