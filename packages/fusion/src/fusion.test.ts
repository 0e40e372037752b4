import { ShapeError } from "@skeleton-cache/errors";
import { parsePrior, uniformPrior } from "@skeleton-cache/prior";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { buildFusionWeights, fuseInto } from "./index.js";

const prior = parsePrior({
  split: "t",
  num_classes: 2,
  weights: {
    "0": { spatial: [0.4, 0.1, 0.45, 0.05], temporal: [0.3, 0.4, 0.3], gamma: 0.3 },
    "1": { spatial: [1, 1, 2, 0], temporal: [1, 0, 1], gamma: 0 },
  },
});

describe("refined logits (Eq. 10–12)", () => {
  it("uses the weights of the backbone's prediction, not the refined one", () => {
    const fusion = buildFusionWeights(prior, 2);
    const base = [1, 0.5]; // ĉ = 0
    const scores = new Float64Array(16);
    scores[7 * 2 + 1] = 10; // global slot votes for class 1
    const out = new Float64Array(2);
    expect(fuseInto({ weights: fusion, base: { values: base }, scores, alpha: 2, out })).toBe(0);
    expect(out[0]).toBe(1);
    expect(out[1]).toBeCloseTo(0.5 + 2 * 10 * fusion.weights[7]!, 12);
  });
  it("α = 0 returns the base logits unchanged (property)", () => {
    fc.assert(
      fc.property(
        fc.array(fc.double({ min: -30, max: 30, noNaN: true }), { minLength: 1, maxLength: 12 }),
        fc.integer({ min: 0, max: 1000 }),
        (base, seed) => {
          const U = base.length;
          const fusion = buildFusionWeights(uniformPrior(U, 0.25), U);
          const scores = Float64Array.from({ length: 8 * U }, (_, i) => ((i * 7919 + seed) % 13) / 3);
          const out = new Float64Array(U);
          fuseInto({ weights: fusion, base: { values: base }, scores, alpha: 0, out });
          // numerically identical (−0 + 0 is 0, which === treats as equal)
          for (let u = 0; u < U; u++) expect(out[u] === base[u]).toBe(true);
        },
      ),
    );
  });
  it("checks the score matrix size", () => {
    const fusion = buildFusionWeights(prior, 2);
    const step = { weights: fusion, base: { values: [0, 0] }, alpha: 1, out: new Float64Array(2) };
    expect(() => fuseInto({ ...step, scores: new Float64Array(3) })).toThrow(ShapeError);
  });
  it("reads the base logits at their offset and writes at the output offset", () => {
    const fusion = buildFusionWeights(prior, 2);
    const scores = new Float64Array(16).fill(1); // every slot scores 1 for both classes: s = 1
    const out = new Float64Array(5);
    const predicted = fuseInto({
      weights: fusion,
      base: { values: [9, 9, 0.25, 3], offset: 2 },
      scores,
      alpha: 0.5,
      out,
      outOffset: 3,
    });
    expect(predicted).toBe(1);
    expect(Array.from(out)).toEqual([0, 0, 0, 0.75, 3.5]);
  });
});
