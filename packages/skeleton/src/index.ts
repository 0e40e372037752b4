export type { ClassCatalog, DatasetId } from "./catalogs.js";
export { classCatalog, className, DATASET_IDS, isDatasetId } from "./catalogs.js";
export type { BodyPart, SkeletonLayout } from "./layouts.js";
export { BODY_PARTS, COCO17, KINECT_V1_20, LAYOUTS, NTU25 } from "./layouts.js";
export type { DescriptorSlot, TemporalPhase } from "./slots.js";
export {
  ALL_SLOTS,
  DESCRIPTOR_SLOTS,
  GLOBAL_SLOT,
  NUM_PARTS,
  NUM_PHASES,
  NUM_SLOTS,
  SPATIAL_SLOTS,
  TEMPORAL_PHASES,
  TEMPORAL_SLOTS,
} from "./slots.js";
export type { CandidateMode, SeenUnseen, ZeroShotSplit } from "./splits.js";
export {
  candidateClasses,
  candidateIndex,
  candidateNames,
  getSplit,
  listSplits,
  validateSplit,
} from "./splits.js";
export type { LabelledStream, StreamKind } from "./stream.js";
export { STREAM_KINDS, streamClassNames, streamShape } from "./stream.js";
