export type {
  BundleChunk,
  ChunkedBundleOptions,
  ChunkedBundleState,
  ChunkedBundleWriter,
} from "./chunked.js";
export { openChunkedBundle } from "./chunked.js";
export type { BundleFormat, BundleReader } from "./io.js";
export {
  bundleFromArrays,
  bundleToArrays,
  detectBundleFormat,
  encodeBundleNpz,
  encodeBundleSafetensors,
  metaText,
  openBundle,
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
export type { MergeResult } from "./shards.js";
export { mergeBundleShards, parseShardSpec, shardRange } from "./shards.js";
export type { Bundle, BundleMeta, ShardInfo } from "./types.js";
export { BundleMetaSchema, parseBundleMeta, ShardInfoSchema, validateBundle } from "./types.js";
