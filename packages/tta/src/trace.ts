import { ValueError } from "@skeleton-cache/errors";
import { NUM_SLOTS } from "@skeleton-cache/skeleton";
import { COSINE_NORM_EPS, dot, norm } from "@skeleton-cache/tensor";
import type { StepResult, TestTimeMethod } from "./method.js";
import { SkeletonCacheMethod } from "./skeleton-cache-method.js";

/** A cached entry a traced sample matched, with what it added to the sample's fused score. */
export interface TracedMatch {
  /** The entry's id (in `onlinePass`: its sample index). */
  readonly id: number;
  /** The class block holding it. */
  readonly block: number;
  /** Per slot d: a_d = exp(−β·(1 − cos(q_d, k_d))) (Eq. 6), in slot order. */
  readonly affinities: number[];
  /** Σ_d w_ĉ[d] · a_d: the entry's share of s[block] (Eq. 11); α times it enters the refined logit. */
  readonly contribution: number;
}

/** Why a traced sample got its refined prediction (SPEC §6 steps 2–4). */
export interface SampleTrace {
  readonly sample: number;
  /** Stream position (0-based). */
  readonly position: number;
  readonly baselinePred: number;
  readonly refinedPred: number;
  /** O (Eq. 10): (8, U) slot-wise class scores against the cache before the sample, row d = slot d. */
  readonly scores: Float64Array;
  /** w_ĉ (Eq. 9): the fusion weights of the backbone's prediction ĉ, 8 values in slot order. */
  readonly weights: Float64Array;
  /** φ = φ̂ + α·w_ĉ·O (Eq. 12). */
  readonly refinedLogits: Float64Array;
  /** The cached entries with the largest contributions, largest first (ties: block, then position order). */
  readonly matches: TracedMatch[];
  readonly entropy: number;
  readonly inserted: boolean;
  readonly hedgeBlock: number;
}

/** A point of the cache's timeline: every block's entry ids and entropies after a stream position, in block position order. */
export interface CacheTimelinePoint {
  /** Samples seen (the point is taken after position − 1). */
  readonly position: number;
  readonly ids: number[][];
  readonly entropies: number[][];
}

export interface TraceOptions {
  /** Sample indices to trace in full (scores, weights, matches); others cost one lookup each. */
  readonly samples: Iterable<number>;
  /** Matched entries kept per traced sample (default 5). */
  readonly matches?: number;
  /** Points of the cache's timeline: evenly spaced along the stream, the last after the final sample (default 100; 0: none). */
  readonly timeline?: number;
}

/**
 * An opt-in recorder of what the online loop did, for reports: pass it as
 * `onlinePass(stream, method, { trace })`. Without one the loop does no extra work.
 * With one, each traced sample costs a copy of O and a comparison with every
 * cached key (U·K·8 cosines); a timeline point costs a copy of the block ids.
 */
export class TraceRecorder {
  /** Traces by sample index. */
  readonly traces = new Map<number, SampleTrace>();
  /** The cache along the stream. */
  readonly timeline: CacheTimelinePoint[] = [];
  private readonly wanted: Set<number>;
  private readonly keep: number;
  private readonly timelinePoints: number;
  private method: SkeletonCacheMethod | null = null;
  private stream: { descriptors: Float32Array; perSample: number; total: number } | null = null;
  /** ‖descriptor‖ per cached sample and slot, computed when first needed (NaN: not yet). */
  private norms: Float64Array = new Float64Array(0);
  private pending: { block: number; id: number; affinities: number[] }[] = [];

  constructor(options: TraceOptions) {
    this.wanted = new Set(options.samples);
    this.keep = options.matches ?? 5;
    this.timelinePoints = options.timeline ?? 100;
    for (const [name, value] of [
      ["matches", this.keep],
      ["timeline", this.timelinePoints],
    ] as const) {
      if (!Number.isInteger(value) || value < 0)
        throw new ValueError(`trace: ${name} must be an integer ≥ 0, got ${value}`, { field: name, value });
    }
  }

  /** Starts a stream: cached ids are indices of `descriptors` ((N, 8, C) rows of `perSample` values). */
  begin(method: TestTimeMethod, descriptors: Float32Array, total: number): void {
    // The recorder re-derives Eq. 7–8's block sums, so only the paper's method itself is traceable
    // (a subclass that scores blocks otherwise, as skeleton-cache-mean does, is refused).
    if (!(method instanceof SkeletonCacheMethod) || method.name !== "skeleton-cache")
      throw new ValueError(`trace: only the skeleton-cache method can be traced, not ${method.name}`, {
        field: "trace",
        value: method.name,
      });
    this.method = method;
    this.stream = { descriptors, perSample: NUM_SLOTS * method.channels, total };
    this.norms = new Float64Array(descriptors.length / method.channels).fill(Number.NaN);
  }

  /** Before a sample's step: its affinity to every cached entry (the cache as it is before the sample). */
  before(sample: number, query: Float32Array, offset: number): void {
    if (!this.wanted.has(sample)) return;
    const { method, stream } = this.started();
    const C = method.channels;
    const queryNorms = Array.from({ length: NUM_SLOTS }, (_, slot) =>
      clampedNorm(query, offset + slot * C, C),
    );
    this.pending = [];
    for (let block = 0; block < method.numClasses; block++) {
      for (const id of method.cache.block(block).ids) {
        const affinities: number[] = [];
        for (let slot = 0; slot < NUM_SLOTS; slot++) {
          const at = id * stream.perSample + slot * C;
          let keyNorm = this.norms[id * NUM_SLOTS + slot]!;
          if (Number.isNaN(keyNorm))
            keyNorm = this.norms[id * NUM_SLOTS + slot] = clampedNorm(stream.descriptors, at, C);
          // cos with each norm clamped on its own (SPEC §4), then Eq. 6.
          const cos =
            dot(query, stream.descriptors, C, offset + slot * C, at) / (queryNorms[slot]! * keyNorm);
          affinities.push(Math.exp(-method.beta * (1 - cos)));
        }
        this.pending.push({ block, id, affinities });
      }
    }
  }

  /** After a sample's step (`position`: its stream position): keeps its trace, records a due timeline point. */
  after(position: number, sample: number, step: StepResult): void {
    const { method, stream } = this.started();
    if (this.wanted.has(sample)) {
      const from = step.baselinePred * NUM_SLOTS;
      const weights = method.fusion.weights.slice(from, from + NUM_SLOTS);
      const matches = this.pending.map(({ block, id, affinities }) => ({
        id,
        block,
        affinities,
        contribution: affinities.reduce((sum, a, slot) => sum + weights[slot]! * a, 0), // Eq. 11, one entry
      }));
      matches.sort((a, b) => b.contribution - a.contribution);
      this.traces.set(sample, {
        sample,
        position,
        baselinePred: step.baselinePred,
        refinedPred: step.refinedPred,
        scores: Float64Array.from(method.scores),
        weights,
        refinedLogits: Float64Array.from(method.refinedLogits),
        matches: matches.slice(0, this.keep),
        entropy: step.entropy,
        inserted: step.inserted,
        hedgeBlock: step.hedgeBlock,
      });
      this.pending = [];
    }
    if (this.timelinePointDue(position + 1, stream.total)) this.recordTimelinePoint(position + 1);
  }

  private timelinePointDue(seen: number, total: number): boolean {
    const n = this.timelinePoints;
    if (n === 0) return false;
    if (seen === total) return true;
    // Positions round(total·k/n) for k = 1..n−1 (unique when n ≤ total).
    const k = Math.round((seen * n) / total);
    return k >= 1 && k < n && Math.round((total * k) / n) === seen;
  }

  private recordTimelinePoint(position: number): void {
    const cache = this.started().method.cache;
    const ids: number[][] = [];
    const entropies: number[][] = [];
    for (let block = 0; block < cache.numClasses; block++) {
      const contents = cache.block(block);
      ids.push(contents.ids);
      entropies.push(contents.entropies);
    }
    this.timeline.push({ position, ids, entropies });
  }

  private started(): { method: SkeletonCacheMethod; stream: NonNullable<TraceRecorder["stream"]> } {
    if (!this.method || !this.stream)
      throw new ValueError("trace: begin(method, descriptors, total) was not called", { field: "trace" });
    return { method: this.method, stream: this.stream };
  }
}

/** max(‖x‖, 1e-8) of `length` values from `offset` (the clamp of SPEC §4's cosine). */
function clampedNorm(values: Float32Array, offset: number, length: number): number {
  return Math.max(norm(values, length, offset), COSINE_NORM_EPS);
}
