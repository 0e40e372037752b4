import { parsePrior, uniformPrior } from "@skeleton-cache/prior";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { buildFusionWeights, maskFusionWeights } from "./index.js";

const prior = parsePrior({
  split: "t",
  num_classes: 2,
  weights: {
    "0": { spatial: [0.4, 0.1, 0.45, 0.05], temporal: [0.3, 0.4, 0.3], gamma: 0.3 },
    "1": { spatial: [1, 1, 2, 0], temporal: [1, 0, 1], gamma: 0 },
  },
});

describe("weights (Eq. 9)", () => {
  it("assembles [(1−γ)·spatial, (1−γ)·temporal, γ] and normalises the row", () => {
    const { weights } = buildFusionWeights(prior, 2);
    // class 0: raw sums to (1−γ)·2 + γ = 1.7
    const expected0 = [0.4, 0.1, 0.45, 0.05, 0.3, 0.4, 0.3].map((v) => (0.7 * v) / 1.7).concat([0.3 / 1.7]);
    for (let slot = 0; slot < 8; slot++) expect(weights[slot]).toBeCloseTo(expected0[slot]!, 12);
    // class 1 (γ = 0): spatial normalised to [.25 .25 .5 0], temporal [.5 0 .5]; raw sums to 2
    const expected1 = [0.125, 0.125, 0.25, 0, 0.25, 0, 0.25, 0];
    for (let slot = 0; slot < 8; slot++) expect(weights[8 + slot]).toBeCloseTo(expected1[slot]!, 12);
  });
  it("each row sums to 1 (property over γ)", () => {
    fc.assert(
      fc.property(fc.double({ min: 0, max: 1, noNaN: true }), (gamma) => {
        const { weights } = buildFusionWeights(uniformPrior(3, gamma), 3);
        for (let u = 0; u < 3; u++) {
          let sum = 0;
          for (let d = 0; d < 8; d++) sum += weights[u * 8 + d]!;
          expect(sum).toBeCloseTo(1, 12);
        }
      }),
    );
  });
  it("refuses a prior that does not cover the classes", () => {
    expect(() => buildFusionWeights(prior, 3)).toThrow(
      /prior has 2 classes but there are 3 candidate classes/,
    );
  });
  it("masks slots for ablations", () => {
    const global = maskFusionWeights(buildFusionWeights(prior, 2), [7]);
    expect(Array.from(global.weights.subarray(0, 7)).every((v) => v === 0)).toBe(true);
    expect(global.weights[7]).toBeCloseTo(0.3 / 1.7, 12);
  });
});
