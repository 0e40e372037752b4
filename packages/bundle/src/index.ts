export type {
  BundleChunk,
  ChunkedBundleOptions,
  ChunkedBundleState,
  ChunkedBundleWriter,
} from "./chunked.js";
export { openChunkedBundle } from "./chunked.js";
export type { DescriptorReadOptions } from "./descriptors.js";
export {
  checkBundleVolume,
  DEFAULT_CHUNK_BYTES,
  describeStream,
  readBundleDescriptors,
  recordedLayout,
} from "./descriptors.js";
export type { BundleFormat, PtLayout } from "./io.js";
export {
  bundleFromArrays,
  bundleToArrays,
  datasetClassIds,
  detectBundleFormat,
  encodeBundleNpz,
  encodeBundleSafetensors,
  metaText,
  parseBundleNpz,
  parseBundlePt,
  parseBundleSafetensors,
  readBundle,
  readBundleDir,
  writeBundle,
  writeBundleDir,
} from "./io.js";
export type { BundleJournal } from "./journal.js";
export {
  assertBundleComplete,
  assertSameSettings,
  BundleJournalSchema,
  chunkCount,
  JOURNAL_FILE,
  JOURNAL_FORMAT,
  readBundleJournal,
  settingsDifference,
} from "./journal.js";
export type { BundleLock, BundleLockOptions, BundleLockRecord } from "./lock.js";
export {
  acquireBundleLock,
  BundleLockSchema,
  LOCK_FILE,
  LOCK_FORMAT,
  LOCK_HEARTBEAT_MS,
  LOCK_STALE_MS,
  lockOwnerAlive,
  readBundleLock,
} from "./lock.js";
export type { MergeResult } from "./shards.js";
export { mergeBundleShards, parseShardSpec, shardRange } from "./shards.js";
export type { BundleReader, BundleStream } from "./stream.js";
export { openBundle, openBundleStream } from "./stream.js";
export { bundleInfoText, bundleValidationText, convertText, sizeText } from "./text.js";
export type { BundleInfo, BundleValidation, ConvertOptions, ConvertResult, StagedBundle } from "./tools.js";
export { bundleInfo, convertBundle, stageBundle, validateBundleStream } from "./tools.js";
export type { BundleLayout, BundleMeta, SampleOrder, ShardInfo } from "./types.js";
export {
  BUNDLE_META_FORMAT,
  BundleMetaSchema,
  bundleMetaJsonSchema,
  checkBundleLayout,
  parseBundleMeta,
  SampleOrderSchema,
  ShardInfoSchema,
  sampleOrderText,
  validateBundle,
} from "./types.js";
