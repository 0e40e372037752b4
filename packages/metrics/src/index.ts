export type { Accuracy, PerClassAccuracy } from "./accuracy.js";
export {
  accuracy,
  checkLabels,
  confusionMatrix,
  perClassAccuracy,
  percentOf,
  runningAccuracy,
  topKAccuracy,
} from "./accuracy.js";
export type { GzslAverage, GzslResult, GzslSweep } from "./gzsl.js";
export { calibratedArgmax, calibrationRange, gzslAccuracy, gzslSweep, harmonicMean } from "./gzsl.js";
export type { PairedDifference } from "./paired.js";
export { pairedDifference } from "./paired.js";
export type { CacheContents, CacheStatistics, MeanSd } from "./stats.js";
export { cacheStatistics, formatMeanSd, meanSd } from "./stats.js";
export type { StreamOrderStats } from "./stream.js";
export { SORTED_RUN_FACTOR, streamOrderStats } from "./stream.js";
