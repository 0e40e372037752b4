import { argmax, dot, entropy, softmaxInto } from "@skeleton-cache/tensor";
import type {
  MethodParams,
  MethodSnapshot,
  MethodSpec,
  SampleRef,
  StepResult,
  TestTimeMethod,
} from "../method.js";
import { defineMethod } from "../params.js";
import { checkSample, emptyStepResult, logSoftmaxInto, unitGlobalInto } from "./common.js";

/**
 * One TDA cache: U class blocks of at most K entries each (TDA's shot capacity), each block
 * kept sorted by entropy, lowest first (TDA's `update_cache`).
 */
class EntropySortedBlocks {
  readonly keys: Float64Array;
  readonly entropies: Float64Array;
  readonly ids: Float64Array;
  /** Per entry: the sample's base posterior (negative cache only). */
  readonly posteriors: Float64Array | null;
  readonly counts: Int32Array;

  constructor(
    readonly numClasses: number,
    readonly K: number,
    readonly channels: number,
    withPosteriors: boolean,
  ) {
    const entries = numClasses * K;
    this.keys = new Float64Array(entries * channels);
    this.entropies = new Float64Array(entries);
    this.ids = new Float64Array(entries);
    this.posteriors = withPosteriors ? new Float64Array(entries * numClasses) : null;
    this.counts = new Int32Array(numClasses);
  }

  /**
   * TDA's `update_cache`: append while the block has room; otherwise replace
   * the last (largest-entropy) entry if and only if the new entropy is
   * strictly smaller; then keep the block sorted by entropy (a stable sort,
   * as Python's `sorted`). Returns whether the entry went in.
   */
  offer(block: number, entry: { key: Float64Array; entropy: number; id: number; posterior: Float64Array }) {
    const { K, channels, numClasses: U } = this;
    const count = this.counts[block]!;
    let at = block * K + count;
    if (count < K) this.counts[block] = count + 1;
    else if (entry.entropy < this.entropies[at - 1]!) at -= 1;
    else return false;
    // Stable insertion: move left past entries of strictly larger entropy.
    const first = block * K;
    while (at > first && this.entropies[at - 1]! > entry.entropy) {
      this.move(at - 1, at);
      at--;
    }
    this.keys.set(entry.key, at * channels);
    this.entropies[at] = entry.entropy;
    this.ids[at] = entry.id;
    this.posteriors?.set(entry.posterior, at * U);
    return true;
  }

  clear(): void {
    this.counts.fill(0);
  }

  get full(): boolean {
    for (let block = 0; block < this.numClasses; block++) if (this.counts[block]! < this.K) return false;
    return true;
  }

  snapshot(name: string) {
    const blocks = Array.from({ length: this.numClasses }, (_, block) => {
      const from = block * this.K;
      const to = from + this.counts[block]!;
      return {
        ids: Array.from(this.ids.subarray(from, to)),
        entropies: Array.from(this.entropies.subarray(from, to)),
      };
    });
    return { name, K: this.K, blocks };
  }

  private move(from: number, to: number): void {
    const { channels, numClasses: U } = this;
    this.keys.copyWithin(to * channels, from * channels, (from + 1) * channels);
    this.entropies[to] = this.entropies[from]!;
    this.ids[to] = this.ids[from]!;
    this.posteriors?.copyWithin(to * U, from * U, (from + 1) * U);
  }
}

/** TDA's hyper-parameters (defaults: its public code's ImageNet configuration). */
export interface TdaOptions {
  readonly numClasses: number;
  readonly channels: number;
  readonly posAlpha: number;
  readonly posBeta: number;
  readonly posCapacity: number;
  readonly negAlpha: number;
  readonly negBeta: number;
  readonly negCapacity: number;
  /** The negative cache takes a sample only when entropyLow < H / log2(U) < entropyHigh. */
  readonly entropyLow: number;
  readonly entropyHigh: number;
  /** A negative entry marks class u when maskLow < p_u < maskHigh (its negative pseudo-label). */
  readonly maskLow: number;
  readonly maskHigh: number;
}

/**
 * `tda`: the Training-free Dynamic Adapter (Karmanov et al., "Efficient
 * Test-Time Adaptation of Vision-Language Models", CVPR 2024), following
 * its public code (github.com/kdiAAA/TDA, `tda_runner.py`: `update_cache`,
 * `compute_cache_logits`, `run_test_tda`; `utils.py`: `get_entropy`,
 * `get_clip_logits`). For each sample, in this order:
 *
 * 1. p = softmax(φ̂), ĉ = argmax φ̂, H = −Σ p log p (nats);
 * 2. positive cache: offer (key, H) to block ĉ (capacity 3 by default);
 * 3. negative cache: when τ_l < H / log2(U) < τ_h (TDA's `get_entropy`
 *    divides the entropy in nats by log2 U; kept as the code does), offer
 *    (key, H, p) to block ĉ (capacity 2);
 * 4. φ = φ̂ + α_p · Σ_{j∈pos} exp(−β_p(1 − q·k_j)) onehot(c_j)
 *          − α_n · Σ_{j∈neg} exp(−β_n(1 − q·k_j)) 1[p_l < p_j < p_h]
 *    (the caches as updated in steps 2–3, so the sample sees itself, as in TDA).
 *
 * Adapted to skeletons: TDA's key is CLIP's normalised image feature; here it
 * is the global descriptor (slot 7) divided by its norm, and φ̂ is the
 * skeleton backbone's logits (whose scale differs from CLIP's 100·cos, which
 * is why α_p, β_p are swept on validation rather than fixed).
 */
export class TdaMethod implements TestTimeMethod {
  readonly name = "tda";
  readonly numClasses: number;
  readonly channels: number;
  readonly options: TdaOptions;
  readonly refinedLogits: Float64Array;
  readonly positive: EntropySortedBlocks;
  readonly negative: EntropySortedBlocks;
  private readonly query: Float64Array;
  private readonly logPosterior: Float64Array;
  private readonly posterior: Float64Array;
  private readonly refinedPosterior: Float64Array;
  private readonly result = emptyStepResult();
  private stepCount = 0;

  constructor(options: TdaOptions) {
    this.options = options;
    const { numClasses: U, channels: C } = options;
    this.numClasses = U;
    this.channels = C;
    this.refinedLogits = new Float64Array(U);
    this.positive = new EntropySortedBlocks(U, options.posCapacity, C, false);
    this.negative = new EntropySortedBlocks(U, options.negCapacity, C, true);
    this.query = new Float64Array(C);
    this.logPosterior = new Float64Array(U);
    this.posterior = new Float64Array(U);
    this.refinedPosterior = new Float64Array(U);
  }

  get steps(): number {
    return this.stepCount;
  }

  /** Whether every block of the positive cache is full. */
  get blocksFull(): boolean {
    return this.positive.full;
  }

  step(sample: SampleRef): StepResult {
    const base = this.readSample(sample);
    // Step 1: H in nats (TDA's softmax_entropy), and its normalised form (get_entropy).
    let nats = 0;
    for (let u = 0; u < this.numClasses; u++) nats -= this.posterior[u]! * this.logPosterior[u]!;
    const entry = { key: this.query, entropy: nats, id: sample.id, posterior: this.posterior };
    const inserted = this.positive.offer(base, entry); // step 2
    const normalised = this.numClasses > 1 ? nats / Math.log2(this.numClasses) : 0;
    if (this.options.entropyLow < normalised && normalised < this.options.entropyHigh)
      this.negative.offer(base, entry); // step 3
    this.score(sample); // step 4
    this.stepCount++;
    const result = this.result;
    result.baselinePred = base;
    result.refinedPred = argmax(this.refinedLogits);
    softmaxInto(this.refinedLogits, this.refinedPosterior, this.numClasses);
    result.entropy = entropy(this.refinedPosterior);
    result.inserted = inserted;
    return result;
  }

  predict(sample: SampleRef): number {
    this.readSample(sample);
    this.score(sample);
    return argmax(this.refinedLogits);
  }

  reset(): void {
    this.positive.clear();
    this.negative.clear();
    this.stepCount = 0;
  }

  snapshot(): MethodSnapshot {
    return {
      method: this.name,
      steps: this.stepCount,
      memories: [this.positive.snapshot("positive"), this.negative.snapshot("negative")],
    };
  }

  /** Checks the sample, fills the query key, log p and p; returns ĉ = argmax φ̂. */
  private readSample(sample: SampleRef): number {
    checkSample(sample, this.numClasses, this.channels);
    unitGlobalInto(sample, this.channels, this.query, 0);
    logSoftmaxInto(sample.logits, sample.logitsOffset, this.logPosterior);
    for (let u = 0; u < this.numClasses; u++) this.posterior[u] = Math.exp(this.logPosterior[u]!);
    return argmax(sample.logits, sample.logitsOffset, this.numClasses);
  }

  /** refinedLogits = φ̂ + positive cache logits − negative cache logits (TDA's `compute_cache_logits`). */
  private score(sample: SampleRef): void {
    const { numClasses: U, channels: C, options: o, positive, negative } = this;
    for (let u = 0; u < U; u++) this.refinedLogits[u] = sample.logits[sample.logitsOffset + u]!;
    for (let block = 0; block < U; block++) {
      for (let p = 0; p < positive.counts[block]!; p++) {
        const at = block * positive.K + p;
        const affinity = dot(this.query, positive.keys, C, 0, at * C);
        // α_p · exp(−β_p(1 − q·k)) onto the entry's class (one-hot value)
        this.refinedLogits[block] =
          this.refinedLogits[block]! + o.posAlpha * Math.exp(-o.posBeta * (1 - affinity));
      }
    }
    const posteriors = negative.posteriors!;
    for (let block = 0; block < U; block++) {
      for (let p = 0; p < negative.counts[block]!; p++) {
        const at = block * negative.K + p;
        const weight = o.negAlpha * Math.exp(-o.negBeta * (1 - dot(this.query, negative.keys, C, 0, at * C)));
        for (let u = 0; u < U; u++) {
          const pu = posteriors[at * U + u]!;
          // minus α_n · exp(−β_n(1 − q·k)) on every class of the entry's negative pseudo-label mask
          if (o.maskLow < pu && pu < o.maskHigh) this.refinedLogits[u] = this.refinedLogits[u]! - weight;
        }
      }
    }
  }
}

/** The registered `tda` method. */
export const tda: MethodSpec = defineMethod({
  name: "tda",
  origin: "@skeleton-cache/tta",
  title: "TDA",
  description: "positive and negative key-value caches of the global descriptor (Karmanov et al., CVPR 2024)",
  reference:
    "Karmanov et al., CVPR 2024 (arXiv 2403.18293) and github.com/kdiAAA/TDA tda_runner.py; key = unit global descriptor",
  params: {
    posAlpha: { kind: "number", description: "positive cache scale α_p", default: 2, min: 0 },
    posBeta: { kind: "number", description: "positive cache sharpness β_p", default: 5, min: 0 },
    posCapacity: {
      kind: "integer",
      description: "positive entries per class",
      default: 3,
      min: 1,
      max: 4096,
    },
    negAlpha: { kind: "number", description: "negative cache scale α_n", default: 0.117, min: 0 },
    negBeta: { kind: "number", description: "negative cache sharpness β_n", default: 1, min: 0 },
    negCapacity: {
      kind: "integer",
      description: "negative entries per class",
      default: 2,
      min: 1,
      max: 4096,
    },
    entropyLow: {
      kind: "number",
      description: "negative cache: lower bound τ_l of H / log2 U",
      default: 0.2,
      min: 0,
    },
    entropyHigh: {
      kind: "number",
      description: "negative cache: upper bound τ_h of H / log2 U",
      default: 0.5,
      min: 0,
    },
    maskLow: {
      kind: "number",
      description: "negative pseudo-label: p_u above this",
      default: 0.03,
      min: 0,
      max: 1,
    },
    maskHigh: {
      kind: "number",
      description: "negative pseudo-label: p_u below this",
      default: 1,
      min: 0,
      max: 1,
    },
  },
  grid: { posAlpha: [0.5, 1, 2, 3, 5], posBeta: [3, 5, 7, 9] },
  capabilities: { blocksFill: true, fusionWeights: false, slots: "global" },
  create: (context, params: MethodParams) =>
    new TdaMethod({
      numClasses: context.numClasses,
      channels: context.channels,
      posAlpha: params.posAlpha as number,
      posBeta: params.posBeta as number,
      posCapacity: params.posCapacity as number,
      negAlpha: params.negAlpha as number,
      negBeta: params.negBeta as number,
      negCapacity: params.negCapacity as number,
      entropyLow: params.entropyLow as number,
      entropyHigh: params.entropyHigh as number,
      maskLow: params.maskLow as number,
      maskHigh: params.maskHigh as number,
    }),
});
