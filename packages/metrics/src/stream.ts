/**
 * How the labels run along a stream. The online loop learns from the order
 * it is given: a stream sorted by label (every sample of one class, then the
 * next) fills the cache with one class at a time and gives figures a
 * shuffled stream does not (`--protocol orders` averages over shuffles).
 */

/** Runs of one class along a stream, against what a shuffled stream gives. */
export interface StreamOrderStats {
  readonly numSamples: number;
  /** Maximal runs of consecutive samples with the same label. */
  readonly runs: number;
  /** Expected runs of a uniformly shuffled stream of the same labels. */
  readonly expectedRuns: number;
  /** The longest run of one label. */
  readonly longestRun: number;
  /** Runs at most a third of the shuffled expectation (and ≥ 20 samples): the stream is sorted by label. */
  readonly sortedByLabel: boolean;
}

/** Fewer runs than a shuffle gives by this factor means long runs of one class. */
export const SORTED_RUN_FACTOR = 3;

/**
 * Runs of `labels` taken in `order` (default: index order). A shuffled order
 * has E[runs] = 1 + (N − 1)·(1 − Σ_u n_u (n_u − 1) / (N (N − 1))), n_u the
 * class counts: each of the N − 1 neighbour pairs differs with that probability.
 */
export function streamOrderStats(labels: ArrayLike<number>, order?: ArrayLike<number>): StreamOrderStats {
  const N = labels.length;
  if (N === 0) return { numSamples: 0, runs: 0, expectedRuns: 0, longestRun: 0, sortedByLabel: false };
  const at = (position: number) => labels[order ? order[position]! : position]!;
  let runs = 1;
  let current = 1;
  let longestRun = 1;
  for (let position = 1; position < N; position++) {
    if (at(position) === at(position - 1)) current++;
    else {
      runs++;
      current = 1;
    }
    longestRun = Math.max(longestRun, current);
  }
  const counts = new Map<number, number>();
  for (let i = 0; i < N; i++) counts.set(labels[i]!, (counts.get(labels[i]!) ?? 0) + 1);
  let samePairs = 0;
  for (const n of counts.values()) samePairs += n * (n - 1);
  const expectedRuns = N < 2 ? 1 : 1 + (N - 1) * (1 - samePairs / (N * (N - 1)));
  const sortedByLabel = N >= 20 && counts.size > 1 && runs * SORTED_RUN_FACTOR <= expectedRuns;
  return { numSamples: N, runs, expectedRuns, longestRun, sortedByLabel };
}
