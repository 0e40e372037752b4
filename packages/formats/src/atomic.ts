// The atomic writer lives in the base package so that packages which depend
// only on tensor (e.g. the cache) can use it; formats re-exports it.
export { writeFileAtomic } from "@skeleton-cache/tensor";
