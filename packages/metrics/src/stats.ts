import { ValueError } from "@skeleton-cache/errors";
import { assertFinite } from "@skeleton-cache/tensor";
import { checkLabels } from "./accuracy.js";

/** Summary of repeated measurements. */
export interface MeanSd {
  readonly n: number;
  readonly mean: number;
  /** Sample standard deviation (n − 1 in the denominator; 0 when n = 1). */
  readonly sd: number;
  readonly min: number;
  readonly max: number;
}

/** Mean, sample standard deviation, min and max. */
export function meanSd(values: ArrayLike<number>): MeanSd {
  if (values.length === 0)
    throw new ValueError("meanSd needs at least one value", { field: "values", value: 0 });
  assertFinite(values, "values");
  let sum = 0;
  let min = Number.POSITIVE_INFINITY;
  let max = Number.NEGATIVE_INFINITY;
  for (let i = 0; i < values.length; i++) {
    sum += values[i]!;
    min = Math.min(min, values[i]!);
    max = Math.max(max, values[i]!);
  }
  const mean = sum / values.length;
  let squares = 0;
  for (let i = 0; i < values.length; i++) squares += (values[i]! - mean) ** 2;
  const sd = values.length > 1 ? Math.sqrt(squares / (values.length - 1)) : 0;
  return { n: values.length, mean, sd, min, max };
}

/** "mean ± sd" with `digits` decimals. */
export function formatMeanSd(summary: MeanSd, digits = 2): string {
  return `${summary.mean.toFixed(digits)} ± ${summary.sd.toFixed(digits)}`;
}

/** The cache's blocks as sample ids per block (block position order). */
export interface CacheContents {
  /** K: entries per class block. */
  readonly K: number;
  /** members[u] = sample ids held by block u. */
  readonly members: readonly (readonly number[])[];
}

/** Occupancy and pseudo-label quality of a cache. */
export interface CacheStatistics {
  /** K: entries per class block. */
  readonly K: number;
  /** Entries per block. */
  readonly occupancy: number[];
  readonly totalEntries: number;
  /** totalEntries / (U · K). */
  readonly fill: number;
  /** Entries per block whose sample's true label is the block's class. */
  readonly correctEntries: number[];
  /** 100 · correct / occupancy per block; null for an empty block. */
  readonly precisionPerBlock: (number | null)[];
  /** 100 · Σ correct / Σ entries (0 for an empty cache). */
  readonly precision: number;
}

/**
 * Occupancy per class and precision of the cached pseudo-labels: the
 * fraction of cached entries whose true label equals their block.
 */
export function cacheStatistics(cache: CacheContents, labels: ArrayLike<number>): CacheStatistics {
  const numClasses = cache.members.length;
  checkLabels(labels, Math.max(numClasses, 1));
  const occupancy: number[] = [];
  const correctEntries: number[] = [];
  let total = 0;
  let correct = 0;
  cache.members.forEach((ids, block) => {
    let hits = 0;
    for (const id of ids) {
      if (!Number.isInteger(id) || id < 0 || id >= labels.length) {
        throw new ValueError(`cache block ${block} holds sample id ${id}, outside 0..${labels.length - 1}`, {
          field: `members[${block}]`,
          value: id,
        });
      }
      if (labels[id] === block) hits++;
    }
    occupancy.push(ids.length);
    correctEntries.push(hits);
    total += ids.length;
    correct += hits;
  });
  return {
    K: cache.K,
    occupancy,
    totalEntries: total,
    fill: numClasses * cache.K === 0 ? 0 : total / (numClasses * cache.K),
    correctEntries,
    precisionPerBlock: occupancy.map((count, block) =>
      count === 0 ? null : (100 * correctEntries[block]!) / count,
    ),
    precision: total === 0 ? 0 : (100 * correct) / total,
  };
}
