export type { DescribedBundle, DescriptorReadOptions } from "./descriptors.js";
export { DEFAULT_CHUNK_BYTES, describeStream, readBundleDescriptors } from "./descriptors.js";
export type { BundleFormat, PtLayout } from "./io.js";
export {
  bundleFromArrays,
  bundleToArrays,
  detectBundleFormat,
  encodeBundleNpz,
  encodeBundleSafetensors,
  parseBundleNpz,
  parseBundlePt,
  parseBundleSafetensors,
  readBundle,
  readBundleDir,
  writeBundle,
  writeBundleDir,
} from "./io.js";
export type { BundleReader, BundleStream } from "./stream.js";
export { openBundle, openBundleStream } from "./stream.js";
export type { BundleInfo, BundleValidation, ConvertOptions, ConvertResult } from "./tools.js";
export { bundleInfo, convertBundle, validateBundleStream } from "./tools.js";
export type { Bundle, BundleLayout, BundleMeta } from "./types.js";
export { BundleMetaSchema, checkBundleLayout, parseBundleMeta, validateBundle } from "./types.js";
