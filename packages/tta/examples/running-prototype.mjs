/**
 * A complete test-time method: "running-prototype". For each class it keeps
 * the running sum of the unit global descriptors g (slot 7 of the 8
 * descriptor slots) of the samples it predicted as that class, its
 * prototype p_u, and refines the base logits φ̂ with the cosine to each
 * prototype:
 *
 *   z_u = φ̂_u + λ · cos(g, p_u)        (no prototype yet: no vote for u)
 *
 * A sample joins the prototype of its refined prediction when that
 * prediction's softmax probability is at least `confidence`.
 */
import { NonFiniteError, ValueError } from "@skeleton-cache/errors";
import { registerMethod } from "@skeleton-cache/tta";

const GLOBAL_SLOT = 7;

class RunningPrototype {
  name = "running-prototype";

  constructor({ numClasses, channels, lambda, confidence }) {
    Object.assign(this, { numClasses, channels, lambda, confidence });
    this.refinedLogits = new Float64Array(numClasses); // overwritten by each step
    this.unit = new Float64Array(channels);
    this.result = {
      baselinePred: -1,
      refinedPred: -1,
      entropy: 0,
      inserted: false,
      hedgeBlock: -1,
      hedgeInserted: false,
    };
    this.reset();
  }

  get steps() {
    return this.count;
  }

  /** No class block has a capacity, so none fills (the reference protocol's second pass does not apply). */
  get blocksFull() {
    return false;
  }

  step(sample) {
    const { numClasses: U, channels: C, refinedLogits: z, unit } = this;
    let base = 0;
    for (let u = 0; u < U; u++) {
      const v = sample.logits[sample.logitsOffset + u];
      if (!Number.isFinite(v))
        throw new NonFiniteError(`sample ${sample.id}: base logit ${u} is ${v}; finite logits are required`, {
          field: `logits[${sample.id}, ${u}]`,
          value: v,
        });
      if (v > sample.logits[sample.logitsOffset + base]) base = u;
    }
    const from = sample.descriptorOffset + GLOBAL_SLOT * C;
    let norm = 0;
    for (let c = 0; c < C; c++) norm += sample.descriptors[from + c] ** 2;
    for (let c = 0; c < C; c++) unit[c] = sample.descriptors[from + c] / Math.max(Math.sqrt(norm), 1e-8);
    let refined = 0;
    for (let u = 0; u < U; u++) {
      let cosine = 0;
      if (this.members[u].length > 0) {
        let dot = 0;
        let length = 0;
        for (let c = 0; c < C; c++) {
          dot += unit[c] * this.sums[u * C + c];
          length += this.sums[u * C + c] ** 2;
        }
        cosine = dot / Math.max(Math.sqrt(length), 1e-8);
      }
      z[u] = sample.logits[sample.logitsOffset + u] + this.lambda * cosine;
      if (z[u] > z[refined]) refined = u;
    }
    let total = 0;
    for (let u = 0; u < U; u++) total += Math.exp(z[u] - z[refined]);
    let entropy = 0;
    for (let u = 0; u < U; u++) {
      const p = Math.exp(z[u] - z[refined]) / total;
      if (p > 0) entropy -= p * Math.log(p);
    }
    const inserted = 1 / total >= this.confidence; // softmax probability of the refined prediction
    if (inserted) {
      for (let c = 0; c < C; c++) this.sums[refined * C + c] += unit[c];
      this.members[refined].push(sample.id);
      this.entropies[refined].push(entropy);
    }
    this.count++;
    return Object.assign(this.result, { baselinePred: base, refinedPred: refined, entropy, inserted });
  }

  predict() {
    throw new ValueError("running-prototype has no class blocks that fill: the second pass does not apply", {
      field: "method",
      value: this.name,
    });
  }

  reset() {
    this.sums = new Float64Array(this.numClasses * this.channels);
    this.members = Array.from({ length: this.numClasses }, () => []);
    this.entropies = Array.from({ length: this.numClasses }, () => []);
    this.count = 0;
  }

  snapshot() {
    const blocks = this.members.map((ids, u) => ({ ids: [...ids], entropies: [...this.entropies[u]] }));
    return {
      method: this.name,
      steps: this.count,
      memories: [{ name: "prototypes", capacity: null, blocks }],
    };
  }
}

export const runningPrototype = registerMethod({
  name: "running-prototype",
  title: "Running prototype",
  description: "base logits plus λ × the cosine of the global descriptor to each class's running prototype",
  reference: "docs/write-your-own-method.md (a worked example)",
  params: {
    lambda: {
      kind: "number",
      description: "weight λ of the prototype cosine (0 = the backbone)",
      default: 1,
      min: 0,
    },
    confidence: {
      kind: "number",
      description: "softmax probability a prediction needs to join its class's prototype",
      default: 0.5,
      min: 0,
      max: 1,
    },
  },
  grid: { lambda: [0.5, 1, 2, 4], confidence: [0.3, 0.5, 0.7] },
  capabilities: { blocksFill: false, fusionWeights: false, slots: "global" },
  create: (context, params) =>
    new RunningPrototype({
      numClasses: context.numClasses,
      channels: context.channels,
      lambda: params.lambda,
      confidence: params.confidence,
    }),
});
