/**
 * What report.html explains about the run's own predictions, as plain data:
 * the traced samples of the main online pass (their per-descriptor scores,
 * fusion weights and cached matches) and the cache along the stream. The
 * producer replays the pass (e.g. with @skeleton-cache/tta's TraceRecorder,
 * whose traces fit these types); the page only renders what it is given.
 */

/** A cached entry a traced sample matched, with what it added to the sample's fused score. */
export interface TracedMatch {
  /** The entry's id: its sample index. */
  readonly id: number;
  /** The class block holding it. */
  readonly block: number;
  /** Per slot d: the affinity a_d = exp(−β·(1 − cos(q_d, k_d))) (Eq. 6), in slot order. */
  readonly affinities: readonly number[];
  /** Σ_d w_ĉ[d] · a_d: the entry's share of the block's score (Eq. 11). */
  readonly contribution: number;
}

/** Why a traced sample got its refined prediction. */
export interface TracedSample {
  /** O (Eq. 10): (8, U) slot-wise class scores against the cache before the sample, row d = slot d. */
  readonly scores: ArrayLike<number>;
  /** w_ĉ (Eq. 9): the fusion weights of the backbone's prediction, 8 values in slot order. */
  readonly weights: ArrayLike<number>;
  /** φ = φ̂ + α·w_ĉ·O (Eq. 12), U values. */
  readonly refinedLogits: ArrayLike<number>;
  /** The cached entries with the largest contributions, largest first. */
  readonly matches: readonly TracedMatch[];
  readonly entropy: number;
  /** Whether the sample entered the cache. */
  readonly inserted: boolean;
  /** The runner-up block the hedge tried (SPEC §3), −1 where it did not apply. */
  readonly hedgeBlock: number;
}

/** The cache after a stream position: every class block's entry ids and their entropies. */
export interface CacheState {
  /** Samples seen (the state after position − 1). */
  readonly position: number;
  readonly ids: readonly (readonly number[])[];
  readonly entropies: readonly (readonly number[])[];
}

/** The traced replay of a run's main online pass. */
export interface TracedRun {
  /** Traces by sample index (a capped set of samples). */
  readonly traces: ReadonlyMap<number, TracedSample>;
  /** The cache at evenly spaced stream positions. */
  readonly cache: readonly CacheState[];
  /** (N, U) online refined logits of the replay, by sample. */
  readonly refinedLogits: Float32Array;
}

/** A traced run, or why there is none (shown on the page instead). */
export type TracedOrNote = TracedRun | { readonly note: string };

/** What happened to a sample, as the explorer filters it. */
export const STATUS = {
  unchangedRight: 0,
  unchangedWrong: 1,
  flippedRight: 2,
  flippedWrong: 3,
  changedWrong: 4,
} as const;

/** A sample's status from its label, backbone prediction and reported prediction. */
export function sampleStatus(label: number, base: number, reported: number): number {
  if (base === reported) return base === label ? STATUS.unchangedRight : STATUS.unchangedWrong;
  if (reported === label) return STATUS.flippedRight;
  return base === label ? STATUS.flippedWrong : STATUS.changedWrong;
}

/** `count` evenly spaced items of `items` (all when there are no more). */
export function evenlySpaced<T>(items: readonly T[], count: number): T[] {
  if (items.length <= count) return [...items];
  return Array.from({ length: count }, (_, k) => items[Math.floor((k * items.length) / count)]!);
}
