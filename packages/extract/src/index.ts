export type {
  EncodedChunk,
  EncodeOptions,
  EncodeOutput,
  EncodeSource,
  PreparedChunk,
} from "./encode.js";
export {
  candidateLabels,
  encodeBundle,
  encodeChunk,
  encodeSamples,
  prepareChunk,
} from "./encode.js";
export type { ExtractProgress, ExtractResult, ExtractRun } from "./extract.js";
export { extractBundle } from "./extract.js";
export type { ExtractOptions, ExtractOptionsInput } from "./options.js";
export {
  EXTRACT_DATASETS,
  ExtractOptionsSchema,
  PARALLEL_MODES,
  parseExtractOptions,
} from "./options.js";
export type { ClassSelection, DatasetSpec, SamplePlan, SampleSelection } from "./plan.js";
export {
  datasetSpec,
  extractionMeta,
  extractionSettings,
  openDataset,
  orderSamples,
  planPreprocessing,
  planSamples,
  requestedClasses,
  sampleOrderOf,
} from "./plan.js";
export type { RawSequence, RawSequenceOptions, RawSequences } from "./raw-sequences.js";
export { readRawSequences, SAMPLE_SOURCE_META_KEYS } from "./raw-sequences.js";
export type { SchedulerEnv, ShardChoice } from "./shard.js";
export { resolveShard, schedulerJobId } from "./shard.js";
