import { ValueError } from "@skeleton-cache/errors";
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

/** Added inside the log so that a class no neighbour supports keeps a finite score. */
export const KNN_FLOOR = 1e-3;

/**
 * `knn-past`: a k-nearest-neighbour vote over every past sample of the
 * stream (no cap, no feedback: neighbours vote with their *base* posteriors,
 * never with refined ones). With p = softmax(base logits) and N_k(t) the k
 * past samples whose global descriptors (slot 7) have the largest cosine
 * with the query's (the earlier sample first on ties):
 *
 *   z_t = log p_t + λ · log(1e-3 + mean_{s ∈ N_k(t)} p_s)
 *
 * and z_t = log p_t for the first sample (no past). λ = 0 is the backbone.
 */
export class KnnPastMethod implements TestTimeMethod {
  readonly name = "knn-past";
  readonly numClasses: number;
  readonly channels: number;
  readonly k: number;
  readonly lambda: number;
  readonly refinedLogits: Float64Array;
  /** Unit global descriptors of the past samples, rows of C (grows by doubling). */
  private keys: Float64Array;
  /** Base posteriors of the past samples, rows of U. */
  private posteriors: Float64Array;
  private ids: number[] = [];
  private entropies: number[] = [];
  private count = 0;
  private readonly query: Float64Array;
  private readonly logPosterior: Float64Array;
  private readonly posterior: Float64Array;
  private readonly neighbour: Int32Array;
  private readonly similarity: Float64Array;
  private readonly result = emptyStepResult();

  constructor(options: { numClasses: number; channels: number; k: number; lambda: number }) {
    this.numClasses = options.numClasses;
    this.channels = options.channels;
    this.k = options.k;
    this.lambda = options.lambda;
    this.refinedLogits = new Float64Array(options.numClasses);
    this.keys = new Float64Array(64 * options.channels);
    this.posteriors = new Float64Array(64 * options.numClasses);
    this.query = new Float64Array(options.channels);
    this.logPosterior = new Float64Array(options.numClasses);
    this.posterior = new Float64Array(options.numClasses);
    this.neighbour = new Int32Array(options.k);
    this.similarity = new Float64Array(options.k);
  }

  get steps(): number {
    return this.count;
  }

  /** The memory has no cap, so it never fills. */
  get blocksFull(): boolean {
    return false;
  }

  step(sample: SampleRef): StepResult {
    this.refine(sample);
    const result = this.result;
    result.baselinePred = argmax(sample.logits, sample.logitsOffset, this.numClasses);
    result.refinedPred = argmax(this.refinedLogits);
    softmaxInto(this.refinedLogits, this.posterior, this.numClasses);
    result.entropy = entropy(this.posterior);
    result.inserted = true;
    this.remember(sample.id, result.entropy);
    return result;
  }

  predict(_sample: SampleRef): number {
    throw new ValueError(
      "knn-past has no class blocks that fill: the reference protocol's second pass does not apply",
      { field: "method", value: this.name },
    );
  }

  reset(): void {
    this.count = 0;
    this.ids = [];
    this.entropies = [];
  }

  snapshot(): MethodSnapshot {
    return {
      method: this.name,
      steps: this.count,
      memories: [{ name: "past", K: null, blocks: [{ ids: [...this.ids], entropies: [...this.entropies] }] }],
    };
  }

  /** refinedLogits = z_t; leaves the query's unit descriptor and base posterior for `remember`. */
  private refine(sample: SampleRef): void {
    const U = this.numClasses;
    checkSample(sample, U, this.channels);
    logSoftmaxInto(sample.logits, sample.logitsOffset, this.logPosterior);
    unitGlobalInto(sample, this.channels, this.query, 0);
    const found = this.nearest();
    for (let u = 0; u < U; u++) {
      if (found === 0) {
        this.refinedLogits[u] = this.logPosterior[u]!;
        continue;
      }
      let vote = 0;
      for (let n = 0; n < found; n++) vote += this.posteriors[this.neighbour[n]! * U + u]!;
      // z_t = log p_t + λ · log(1e-3 + mean over N_k(t) of p_s)
      this.refinedLogits[u] = this.logPosterior[u]! + this.lambda * Math.log(KNN_FLOOR + vote / found);
    }
  }

  /** Fills `neighbour` with the past samples of largest cosine, best first; returns how many. */
  private nearest(): number {
    const { k, channels } = this;
    let found = 0;
    for (let past = 0; past < this.count; past++) {
      const sim = dot(this.query, this.keys, channels, 0, past * channels);
      if (found === k && sim <= this.similarity[k - 1]!) continue; // strict: the earlier sample wins ties
      let at = found < k ? found++ : k - 1;
      while (at > 0 && this.similarity[at - 1]! < sim) {
        this.similarity[at] = this.similarity[at - 1]!;
        this.neighbour[at] = this.neighbour[at - 1]!;
        at--;
      }
      this.similarity[at] = sim;
      this.neighbour[at] = past;
    }
    return found;
  }

  private remember(id: number, sampleEntropy: number): void {
    const { channels, numClasses: U } = this;
    if ((this.count + 1) * channels > this.keys.length) {
      const keys = new Float64Array(this.keys.length * 2);
      keys.set(this.keys);
      this.keys = keys;
      const posteriors = new Float64Array(this.posteriors.length * 2);
      posteriors.set(this.posteriors);
      this.posteriors = posteriors;
    }
    this.keys.set(this.query, this.count * channels);
    for (let u = 0; u < U; u++) this.posteriors[this.count * U + u] = Math.exp(this.logPosterior[u]!);
    this.ids.push(id);
    this.entropies.push(sampleEntropy);
    this.count++;
  }
}

/** The registered `knn-past` method. */
export const knnPast: MethodSpec = defineMethod({
  name: "knn-past",
  origin: "@skeleton-cache/tta",
  title: "kNN over past samples",
  description:
    "vote of the k past samples nearest in the global descriptor, with their base posteriors (no cap, no feedback)",
  reference: "issue 14: z_t = log p_t + λ·log(1e-3 + mean_{s∈N_k(t)} p_s), cosine on the global descriptor",
  params: {
    k: { kind: "integer", description: "neighbours voting", default: 5, min: 1, max: 10000 },
    lambda: {
      kind: "number",
      description: "weight λ of the neighbours' vote (0 = the backbone)",
      default: 2,
      min: 0,
    },
  },
  grid: { k: [1, 3, 5, 10, 20], lambda: [0.5, 1, 2, 3, 5] },
  capabilities: { blocksFill: false, fusionWeights: false, slots: "global" },
  create: (context, params: MethodParams) =>
    new KnnPastMethod({
      numClasses: context.numClasses,
      channels: context.channels,
      k: params.k as number,
      lambda: params.lambda as number,
    }),
});
