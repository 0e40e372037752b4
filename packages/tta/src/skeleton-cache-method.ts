import { type CacheEntry, type RetrievalRequest, SkeletonCache } from "@skeleton-cache/cache";
import { DescriptorExtractor, type DescriptorOptions } from "@skeleton-cache/descriptors";
import { ShapeError, ValueError } from "@skeleton-cache/errors";
import { buildFusionWeights, type FusionStep, type FusionWeights, fuseInto } from "@skeleton-cache/fusion";
import type { Prior } from "@skeleton-cache/prior";
import { NUM_SLOTS } from "@skeleton-cache/skeleton";
import { argmax, assertFinite, entropy, findNonFinite, softmaxInto } from "@skeleton-cache/tensor";
import type { MethodSnapshot, SampleRef, StepResult, TestTimeMethod } from "./method.js";
import { checkBaseLogits, emptyStepResult, type MutableStepResult } from "./methods/common.js";

/** When the runner-up hedge is active: "auto" = when U < K, as in the reference code (SPEC §3). */
export type HedgeMode = "auto" | "on" | "off";

export interface SkeletonCacheOptions {
  /** U: candidate classes. */
  readonly numClasses: number;
  /** C: channels of the backbone's feature volume. */
  readonly channels: number;
  /** The prior (a split prior covering classes 0..U-1). */
  readonly prior: Prior;
  /** K: cache entries per class (paper: 8). */
  readonly K?: number;
  /** α: fusion scale (Eq. 12). */
  readonly alpha: number;
  /** β: affinity sharpness (Eq. 6). */
  readonly beta: number;
  /** Runner-up hedge (SPEC §3): default "auto". */
  readonly hedge?: HedgeMode;
  /** Top-1 minus top-2 posterior margin below which the hedge fires (reference: 0.5). */
  readonly hedgeMargin?: number;
  /** Overrides the prior-derived weights (e.g. a masked copy for ablations). */
  readonly weights?: FusionWeights;
  /** Retrieval kernel (see `CacheOptions.kernel`): "wasm" (default where available) or "js". */
  readonly kernel?: "wasm" | "js";
}

type Mutable<T> = { -readonly [K in keyof T]: T[K] };

const DEFAULT_K = 8;
const DEFAULT_HEDGE_MARGIN = 0.5;

/**
 * Skeleton-Cache (SPEC §6), the registered `skeleton-cache` test-time
 * method. Feed samples one at a time in stream order; each is scored against
 * the cache as it is before the sample, fused with the prior's class weights,
 * and then inserted.
 * All buffers are allocated once; a step allocates only its small result.
 */
export class SkeletonCacheMethod implements TestTimeMethod {
  readonly numClasses: number;
  readonly channels: number;
  /** K: cache entries per class. */
  readonly K: number;
  readonly alpha: number;
  readonly beta: number;
  readonly hedgeActive: boolean;
  readonly hedgeMargin: number;
  readonly cache: SkeletonCache;
  readonly fusion: FusionWeights;
  /** Refined logits of the last step (U values, overwritten by each step). */
  readonly refinedLogits: Float64Array;
  /** Refined posterior of the last step. */
  readonly posterior: Float64Array;
  /** Slot-wise class scores O of the last step, (8, U). */
  readonly scores: Float64Array;
  private readonly descriptorScratch: Float32Array;
  private extractor: DescriptorExtractor | null = null;
  /** Returned by every step (overwritten each time). */
  private readonly result: MutableStepResult = emptyStepResult();
  private stepCount = 0;
  /** The argument of every fuseInto call; `base` is re-pointed at each sample. */
  private readonly fusionStep: FusionStep & { base: { values: ArrayLike<number>; offset: number } };
  /** The cache's entry and retrieval arguments, reused by every step (no allocation per sample). */
  private readonly entry: Mutable<CacheEntry>;
  private readonly retrieval: Mutable<RetrievalRequest>;

  constructor(options: SkeletonCacheOptions) {
    const { numClasses, channels, alpha, beta } = options;
    for (const [name, value] of [
      ["alpha", alpha],
      ["beta", beta],
    ] as const) {
      if (!Number.isFinite(value) || value < 0) {
        throw new ValueError(`${name} must be a finite number ≥ 0, got ${value}`, { field: name, value });
      }
    }
    this.numClasses = numClasses;
    this.channels = channels;
    this.K = options.K ?? DEFAULT_K;
    this.alpha = alpha;
    this.beta = beta;
    const hedge = options.hedge ?? "auto";
    if (hedge !== "auto" && hedge !== "on" && hedge !== "off") {
      throw new ValueError(`hedge must be "auto", "on" or "off", got ${String(hedge)}`, {
        field: "hedge",
        value: hedge,
      });
    }
    this.hedgeActive = hedge === "on" || (hedge === "auto" && numClasses < this.K);
    this.hedgeMargin = options.hedgeMargin ?? DEFAULT_HEDGE_MARGIN;
    this.cache = new SkeletonCache({
      numClasses,
      K: this.K,
      numSlots: NUM_SLOTS,
      channels,
      ...(options.kernel ? { kernel: options.kernel } : {}),
    });
    this.fusion = options.weights ?? buildFusionWeights(options.prior, numClasses);
    if (this.fusion.numClasses !== numClasses) {
      throw new ShapeError(
        `fusion weights cover ${this.fusion.numClasses} classes, the method ${numClasses}`,
        {
          field: "weights",
          value: this.fusion.numClasses,
        },
      );
    }
    this.refinedLogits = new Float64Array(numClasses);
    this.posterior = new Float64Array(numClasses);
    this.scores = new Float64Array(NUM_SLOTS * numClasses);
    this.descriptorScratch = new Float32Array(NUM_SLOTS * channels);
    this.fusionStep = {
      weights: this.fusion,
      base: { values: this.refinedLogits, offset: 0 },
      scores: this.scores,
      alpha,
      out: this.refinedLogits,
    };
    this.entry = { block: 0, key: this.descriptorScratch, keyOffset: 0, entropy: 0, id: 0 };
    this.retrieval = { query: this.descriptorScratch, queryOffset: 0, beta, out: this.scores };
  }

  /** The registry name of the method. */
  get name(): string {
    return "skeleton-cache";
  }

  /** Samples seen so far. */
  get steps(): number {
    return this.stepCount;
  }

  /** Whether every block holds K entries. */
  get blocksFull(): boolean {
    return this.cache.isFull;
  }

  /** One online step (the method interface's form of `stepDescriptors`). */
  step(sample: SampleRef): StepResult {
    return this.stepDescriptors(
      sample.logits,
      sample.logitsOffset,
      sample.descriptors,
      sample.descriptorOffset,
      sample.id,
    );
  }

  /** Refined prediction against the cache as it is now (the method interface's `predictDescriptors`). */
  predict(sample: SampleRef): number {
    return this.predictDescriptors(
      sample.logits,
      sample.logitsOffset,
      sample.descriptors,
      sample.descriptorOffset,
    );
  }

  /** The cache's blocks: ids and entropies in block position order. */
  snapshot(): MethodSnapshot {
    const blocks = Array.from({ length: this.numClasses }, (_, block) => this.cache.block(block));
    return {
      method: this.name,
      steps: this.stepCount,
      memories: [{ name: "cache", K: this.K, blocks }],
    };
  }

  /**
   * One online step from descriptors (8, C) at `descriptorOffset` and base
   * logits (U) at `logitsOffset`. `id` names the sample in the cache
   * (default: its position in the stream).
   */
  stepDescriptors(
    logits: Float32Array,
    logitsOffset: number,
    descriptors: Float32Array,
    descriptorOffset: number,
    id: number = this.stepCount,
  ): StepResult {
    checkBaseLogits(logits, logitsOffset, this.numClasses, id);
    // SPEC §6 steps 2–3: retrieval against the cache as it is before this sample, then fusion.
    const baselinePred = this.refine(logits, logitsOffset, descriptors, descriptorOffset);
    softmaxInto(this.refinedLogits, this.posterior, this.numClasses);
    const refinedPred = argmax(this.refinedLogits);
    const sampleEntropy = entropy(this.posterior);
    // Step 4: insert into the block of the refined prediction.
    const entry = this.entry;
    entry.block = refinedPred;
    entry.key = descriptors;
    entry.keyOffset = descriptorOffset;
    entry.entropy = sampleEntropy;
    entry.id = id;
    const inserted = this.cache.insert(entry).inserted;
    let hedgeBlock = -1;
    let hedgeInserted = false;
    if (this.hedgeActive) {
      const runnerUp = this.runnerUp(refinedPred);
      if (this.posterior[refinedPred]! - this.posterior[runnerUp]! < this.hedgeMargin) {
        hedgeBlock = runnerUp;
        entry.block = runnerUp;
        hedgeInserted = this.cache.insert(entry).inserted;
      }
    }
    this.stepCount++;
    const result = this.result;
    result.baselinePred = baselinePred;
    result.refinedPred = refinedPred;
    result.entropy = sampleEntropy;
    result.inserted = inserted;
    result.hedgeBlock = hedgeBlock;
    result.hedgeInserted = hedgeInserted;
    return result;
  }

  /** One online step from a feature volume F (C, T, V) at `featureOffset`. */
  stepFeatures(
    logits: Float32Array,
    logitsOffset: number,
    features: Float32Array,
    featureOffset: number,
    shape: { readonly timeSteps: number; readonly joints: number },
    descriptorOptions: DescriptorOptions = {},
    id: number = this.stepCount,
  ): StepResult {
    const extractor = this.extractorFor(shape.timeSteps, shape.joints, descriptorOptions);
    const perSample = this.channels * shape.timeSteps * shape.joints;
    if (features.length - featureOffset < perSample) {
      throw new ShapeError(
        `sample ${id}: feature volume has ${features.length - featureOffset} values, needs C·T·V = ${perSample}`,
        {
          field: "features",
          value: features.length - featureOffset,
        },
      );
    }
    extractor.extractInto(features, featureOffset, this.descriptorScratch, 0);
    // Checked without building a message unless something is wrong (no allocation per sample).
    if (findNonFinite(this.descriptorScratch) >= 0)
      assertFinite(this.descriptorScratch, `descriptors of sample ${id}`);
    return this.stepDescriptors(logits, logitsOffset, this.descriptorScratch, 0, id);
  }

  /**
   * Refined prediction against the cache as it is now, without updating it
   * (the reference protocol's second pass). Leaves the refined logits in
   * `refinedLogits`.
   */
  predictDescriptors(
    logits: Float32Array,
    logitsOffset: number,
    descriptors: Float32Array,
    descriptorOffset: number,
  ): number {
    checkBaseLogits(logits, logitsOffset, this.numClasses, -1);
    this.refine(logits, logitsOffset, descriptors, descriptorOffset);
    return argmax(this.refinedLogits);
  }

  /** Empties the cache and the step count (a new stream). */
  reset(): void {
    this.cache.clear();
    this.stepCount = 0;
  }

  private refine(
    logits: Float32Array,
    logitsOffset: number,
    descriptors: Float32Array,
    descriptorOffset: number,
  ): number {
    this.retrieveScores(descriptors, descriptorOffset);
    // Eq. 9–12: refined logits with the weights of the backbone's prediction
    // (one fusion-step object, re-pointed at this sample's logits: no allocation per sample).
    const base = this.fusionStep.base;
    base.values = logits;
    base.offset = logitsOffset;
    return fuseInto(this.fusionStep);
  }

  /** Fills `scores` with the slot-wise class scores O (8, U) of a query against the cache as it is now. */
  protected retrieveScores(descriptors: Float32Array, descriptorOffset: number): void {
    // Eq. 6–8: affinities summed per block (one request object, re-pointed at this query).
    const retrieval = this.retrieval;
    retrieval.query = descriptors;
    retrieval.queryOffset = descriptorOffset;
    this.cache.retrieveInto(retrieval);
  }

  /** The class with the second largest posterior (first index on ties, excluding the top-1). */
  private runnerUp(top: number): number {
    let best = -1;
    let bestValue = Number.NEGATIVE_INFINITY;
    for (let u = 0; u < this.numClasses; u++) {
      if (u === top) continue;
      const p = this.posterior[u]!;
      if (best < 0 || p > bestValue) {
        best = u;
        bestValue = p;
      }
    }
    return best;
  }

  private extractorFor(timeSteps: number, joints: number, options: DescriptorOptions): DescriptorExtractor {
    const current = this.extractor;
    if (current && current.timeSteps === timeSteps && current.joints === joints) return current;
    const extractor = new DescriptorExtractor(this.channels, timeSteps, joints, options);
    this.extractor = extractor;
    return extractor;
  }
}
