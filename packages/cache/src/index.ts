export type { BlockContents, CacheOptions, InsertResult } from "./cache.js";
export { normaliseSlots, SkeletonCache } from "./cache.js";
