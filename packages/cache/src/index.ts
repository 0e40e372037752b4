export type { BlockContents, CacheEntry, CacheOptions, InsertResult, RetrievalRequest } from "./cache.js";
export { normaliseSlots, SkeletonCache } from "./cache.js";
