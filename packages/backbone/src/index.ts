export type { Backbone, BackboneBatch, BackboneOutput } from "./backbone.js";
export {
  allClasses,
  assertBackboneOutput,
  assertBatchSize,
  batchesOf,
  checkCandidateClasses,
  encodeDataset,
} from "./backbone.js";
export type { ZeroShotHead, ZeroShotHeadOptions } from "./heads.js";
export { createZeroShotHead, loadClassEmbeddings, zeroShotLogits } from "./heads.js";
export { averagePersons } from "./persons.js";
export type { PrecomputedBackbone, PrecomputedBackboneOptions } from "./precomputed.js";
export {
  createPrecomputedBackbone,
  PrecomputedBackboneOptionsSchema,
  precomputedBackbone,
} from "./precomputed.js";
export type { BackboneFactory } from "./registry.js";
export {
  createBackbone,
  hasBackbone,
  listBackbones,
  registerBackbone,
  unregisterBackbone,
} from "./registry.js";
