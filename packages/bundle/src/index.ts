export type { BundleFormat, BundleReader } from "./io.js";
export {
  bundleFromArrays,
  bundleToArrays,
  detectBundleFormat,
  encodeBundleNpz,
  encodeBundleSafetensors,
  openBundle,
  parseBundleNpz,
  parseBundlePt,
  parseBundleSafetensors,
  readBundle,
  readBundleDir,
  writeBundle,
  writeBundleDir,
} from "./io.js";
export type { Bundle, BundleMeta } from "./types.js";
export { BundleMetaSchema, parseBundleMeta, validateBundle } from "./types.js";
