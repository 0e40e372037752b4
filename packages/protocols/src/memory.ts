import { type CacheStatistics, cacheStatistics } from "@skeleton-cache/metrics";
import type { MethodRun } from "@skeleton-cache/tta";

/**
 * Occupancy and pseudo-label precision of a finished pass's class blocks
 * (the first memory of the method with a K and one block per class);
 * null for a method without class blocks (knn-past).
 */
export function memoryStatistics(run: MethodRun, labels: Int32Array): CacheStatistics | null {
  const memory = run.method
    .snapshot()
    .memories.find((m) => m.K !== null && m.blocks.length === run.numClasses);
  if (!memory) return null;
  return cacheStatistics({ K: memory.K!, members: memory.blocks.map((b) => b.ids) }, labels);
}
