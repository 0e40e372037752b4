export type {
  BlockSnapshot,
  MemorySnapshot,
  MethodCapabilities,
  MethodContext,
  MethodDefinition,
  MethodParams,
  MethodSnapshot,
  MethodSpec,
  ParamSpec,
  SampleRef,
  StepResult,
  TestTimeMethod,
} from "./method.js";
export { KNN_FLOOR, KnnPastMethod, knnPast } from "./methods/knn-past.js";
export { REFERENCE_GRID, skeletonCache } from "./methods/skeleton-cache.js";
export { SkeletonCacheMeanMethod, skeletonCacheMean } from "./methods/skeleton-cache-mean.js";
export type { TdaOptions } from "./methods/tda.js";
export { TdaMethod, tda } from "./methods/tda.js";
export type { MethodRun, OnlineOptions } from "./online.js";
export { checkStream, onlinePass, predictWithCache, streamDescriptors } from "./online.js";
export { defineMethod } from "./params.js";
export {
  createMethod,
  DEFAULT_METHOD,
  describeMethods,
  getMethodSpec,
  methodNames,
  methodSpecs,
  registerMethod,
  resolveMethodParams,
  unregisterMethod,
} from "./registry.js";
export type { HedgeMode, SkeletonCacheOptions } from "./skeleton-cache-method.js";
export { SkeletonCacheMethod } from "./skeleton-cache-method.js";
export type { CacheTimelinePoint, SampleTrace, TracedMatch, TraceOptions } from "./trace.js";
export { TraceRecorder } from "./trace.js";
