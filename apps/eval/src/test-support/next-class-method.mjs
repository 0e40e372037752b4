/**
 * A test-time method no identity can imitate, for the acceptance tests of
 * `--method-module`: "next-class" predicts (backbone argmax + shift) mod U.
 * Its refined logits are the base logits rolled by `shift` classes, so the
 * refined argmax is the base argmax moved `shift` places on, and its
 * accuracy is whatever the test computes from the base logits itself.
 */
import { registerMethod } from "@skeleton-cache/tta";

class NextClass {
  name = "next-class";

  constructor(numClasses, channels, shift) {
    Object.assign(this, { numClasses, channels, shift });
    this.refinedLogits = new Float64Array(numClasses);
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

  get blocksFull() {
    return false;
  }

  step(sample) {
    const { numClasses: U, refinedLogits: z } = this;
    let base = 0;
    for (let u = 0; u < U; u++) {
      const v = sample.logits[sample.logitsOffset + u];
      if (!Number.isFinite(v)) throw new Error(`sample ${sample.id}: base logit ${u} is ${v}`);
      if (v > sample.logits[sample.logitsOffset + base]) base = u;
      z[(u + this.shift) % U] = v;
    }
    let total = 0;
    for (let u = 0; u < U; u++) total += Math.exp(z[u] - z[(base + this.shift) % U]);
    let entropy = 0;
    for (let u = 0; u < U; u++) {
      const p = Math.exp(z[u] - z[(base + this.shift) % U]) / total;
      if (p > 0) entropy -= p * Math.log(p);
    }
    this.count++;
    return Object.assign(this.result, { baselinePred: base, refinedPred: (base + this.shift) % U, entropy });
  }

  predict() {
    throw new Error("next-class keeps no class blocks: it has no second pass");
  }

  reset() {
    this.count = 0;
  }

  snapshot() {
    return { method: this.name, steps: this.count, memories: [] };
  }
}

registerMethod({
  name: "next-class",
  title: "Next class",
  description: "predicts the class after the backbone's: (argmax + shift) mod U",
  reference: "a test fixture (apps/eval/src/test-support/next-class-method.mjs)",
  params: {
    shift: { kind: "integer", description: "classes to move the prediction on", default: 1, min: 0 },
  },
  grid: { shift: [1, 2] },
  capabilities: { blocksFill: false, fusionWeights: false, slots: "global" },
  create: (context, params) => new NextClass(context.numClasses, context.channels, params.shift),
});
