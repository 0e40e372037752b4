export type { NtuBenchmark, NtuGendataOptions, NtuGendataResult } from "./gendata.js";
export {
  isNtuTrainSample,
  NTU60_XSUB_TRAIN_SUBJECTS,
  NTU60_XVIEW_TRAIN_CAMERAS,
  NTU120_XSUB_TRAIN_SUBJECTS,
  ntuGendata,
} from "./gendata.js";
export type { NtuGendataFlags } from "./gendata-flags.js";
export { ntuGendataOptionsFromFlags, ntuGendataSummary } from "./gendata-flags.js";
export type { MatArray, MatClass } from "./mat.js";
export { parseMat, readMat } from "./mat.js";
export { isMissingSkeleton, missingSkeletons } from "./missing.js";
export type { NtuArrayDatasetOptions, StgcnLabels } from "./ntu-arrays.js";
export { NtuArrayDataset, readStgcnLabels } from "./ntu-arrays.js";
export type { NtuSampleName } from "./ntu-name.js";
export { ntuBareName, parseNtuSampleName } from "./ntu-name.js";
export type { NtuBody, NtuFrame, NtuSkeletonDatasetOptions, NtuSkeletonRecord } from "./ntu-skeleton.js";
export {
  loadNtuSkeleton,
  NTU_JOINT_FIELDS,
  NTU_JOINT_STRIDE,
  NtuSkeletonDataset,
  ntuSampleInfo,
  ntuSequence,
  parseNtuSkeleton,
  readNtuSkeleton,
} from "./ntu-skeleton.js";
export { encodeStgcnLabels } from "./pickle-writer.js";
export type { PkuLabel, PkuMmdDatasetOptions, PkuSkeleton, PkuSplit } from "./pku-mmd.js";
export {
  PkuMmdDataset,
  parsePkuLabels,
  parsePkuSkeleton,
  parsePkuSplitFile,
  pkuClip,
  pkuMmdSplit,
} from "./pku-mmd.js";
export type { BackboneInput } from "./preprocess.js";
export { bodyMotionEnergy, preprocessSequence } from "./preprocess.js";
export type { Preprocessing, ResolvedPreprocessing } from "./preprocessing.js";
export {
  BODY_SELECTIONS,
  CENTER_MODES,
  PREPROCESS_DEFAULTS,
  PreprocessingSchema,
  parsePreprocessing,
  resolvePreprocessing,
  TEMPORAL_MODES,
} from "./preprocessing.js";
export type { DatasetReader } from "./readers.js";
export {
  describeDatasetReaders,
  getDatasetReader,
  listDatasetReaders,
  ntu60Reader,
  ntu120Reader,
  openDataset,
  pkuMmdReader,
  registerDatasetReader,
  unregisterDatasetReader,
  utdMhadReader,
} from "./readers.js";
export type { SyntheticNtuOptions, SyntheticSkeletonOptions } from "./synthetic.js";
export { syntheticNtuSkeletonText, writeSyntheticNtu } from "./synthetic.js";
export type { SampleInfo, SkeletonDataset, SkeletonSequence } from "./types.js";
export type { UtdMhadName } from "./utd-mhad.js";
export { loadUtdMhad, parseUtdMhadName, UtdMhadDataset, utdSequence } from "./utd-mhad.js";
