export type { FusionStep, LogitsView } from "./fusion.js";
export { fuseInto } from "./fusion.js";
export type { FusionWeights } from "./weights.js";
export {
  buildFusionWeights,
  classWeights,
  classWeightsInto,
  maskFusionWeights,
  WEIGHT_SUM_EPS,
} from "./weights.js";
