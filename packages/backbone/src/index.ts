export type { BackboneAdapter, BackboneConfigSource } from "./adapter.js";
export { parseBackboneConfig } from "./adapter.js";
export type { Backbone, BackboneBatch, BackboneModelInfo, BackboneOutput } from "./backbone.js";
export {
  allClasses,
  assertBackboneOutput,
  assertBatchSize,
  batchesOf,
  checkCandidateClasses,
  encodeDataset,
  selectColumns,
  stackSamples,
} from "./backbone.js";
export type { ZeroShotHead, ZeroShotHeadOptions } from "./heads.js";
export { createZeroShotHead, loadClassEmbeddings, zeroShotLogits } from "./heads.js";
export type {
  HttpBackbone,
  HttpBackboneConfig,
  HttpBackboneHooks,
  HttpBackboneInfo,
  HttpRetryConfig,
  HttpRetryEvent,
} from "./http.js";
export {
  createHttpBackbone,
  HTTP_BACKBONE_PROTOCOL,
  HttpBackboneConfigSchema,
  HttpBackboneError,
  HttpBackboneInfoSchema,
  HttpRetrySchema,
  httpAdapter,
} from "./http.js";
export { averagePersons } from "./persons.js";
export type { PrecomputedBackbone, PrecomputedBackboneOptions } from "./precomputed.js";
export {
  createPrecomputedBackbone,
  PrecomputedBackboneOptionsSchema,
  precomputedAdapter,
  precomputedBackbone,
} from "./precomputed.js";
export {
  createBackbone,
  describeBackbones,
  getBackboneAdapter,
  hasBackbone,
  listBackbones,
  registerBackbone,
  resolveBackbone,
  unregisterBackbone,
} from "./registry.js";
