import { NonFiniteError, ShapeError, ValueError } from "@skeleton-cache/errors";
import { buildFusionWeights } from "@skeleton-cache/fusion";
import { uniformPrior } from "@skeleton-cache/prior";
import { permutation, seededRandom } from "@skeleton-cache/tensor";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { onlinePass, predictWithCache, SkeletonCacheMethod, streamDescriptors } from "./index.js";
import { skeletonCacheFor } from "./test-support/skeleton-cache.js";

function synthetic(N: number, U: number, C: number, T: number, seed: number) {
  const random = seededRandom(seed);
  const V = 25;
  const features = new Float32Array(N * C * T * V);
  for (let i = 0; i < features.length; i++) features[i] = Math.max(0, random.normal());
  const logits = new Float32Array(N * U);
  for (let i = 0; i < logits.length; i++) logits[i] = random.normal();
  return { logits: { data: logits, shape: [N, U] }, features: { data: features, shape: [N, C, T, V] } };
}

const options = { prior: uniformPrior(4, 0.3), alpha: 1, beta: 5, K: 3 };

describe("SkeletonCacheMethod", () => {
  it("streaming one sample at a time equals the whole-stream run", () => {
    const input = synthetic(30, 4, 6, 9, 1);
    const whole = onlinePass(input, skeletonCacheFor(input, options));
    const method = new SkeletonCacheMethod({ ...options, numClasses: 4, channels: 6 });
    const perSample = 6 * 9 * 25;
    for (let i = 0; i < 30; i++) {
      const step = method.stepFeatures(input.logits.data, i * 4, input.features.data, i * perSample, {
        timeSteps: 9,
        joints: 25,
      });
      expect(step.refinedPred).toBe(whole.refinedPred[i]);
      expect(step.entropy).toBe(whole.entropy[i]);
    }
    for (let u = 0; u < 4; u++) expect(method.cache.block(u)).toEqual(whole.method.cache.block(u));
  });

  it("α = 0 leaves every prediction at the backbone's (property)", () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 1000 }), (seed) => {
        const input = synthetic(12, 4, 3, 6, seed);
        const run = onlinePass(input, skeletonCacheFor(input, { ...options, alpha: 0 }));
        expect(Array.from(run.refinedPred)).toEqual(Array.from(run.baselinePred));
      }),
      { numRuns: 20 },
    );
  });

  it("no block ever holds more than K entries, whatever the stream order (property)", () => {
    const input = synthetic(40, 4, 3, 6, 3);
    fc.assert(
      fc.property(fc.integer(), fc.integer({ min: 1, max: 5 }), (seed, K) => {
        const run = onlinePass(input, skeletonCacheFor(input, { ...options, K }), {
          order: permutation(40, seed),
        });
        for (const occupancy of run.method.cache.occupancies()) expect(occupancy).toBeLessThanOrEqual(K);
      }),
      { numRuns: 20 },
    );
  });

  it("results are indexed by sample whatever the order, and the cache ids are sample indices", () => {
    const input = synthetic(10, 4, 3, 6, 5);
    const order = permutation(10, 9);
    const run = onlinePass(input, skeletonCacheFor(input, options), { order });
    expect(Array.from(run.order)).toEqual(order);
    const ids = run.method.cache.occupancies().flatMap((_, u) => run.method.cache.block(u).ids);
    for (const id of ids) expect(run.inserted[id] === 1 || run.hedgeInserted[id] === 1).toBe(true);
  });

  it("the hedge is on by default only when U < K", () => {
    const small = new SkeletonCacheMethod({ ...options, numClasses: 4, channels: 2, K: 8 });
    expect(small.hedgeActive).toBe(true);
    const large = new SkeletonCacheMethod({
      ...options,
      prior: uniformPrior(8),
      numClasses: 8,
      channels: 2,
      K: 8,
    });
    expect(large.hedgeActive).toBe(false);
    expect(
      new SkeletonCacheMethod({ ...options, numClasses: 4, channels: 2, hedge: "off", K: 8 }).hedgeActive,
    ).toBe(false);
  });

  it("the second pass predicts each sample against the final cache (by hand) without touching it", () => {
    const input = synthetic(20, 4, 3, 6, 8);
    const run = onlinePass(input, skeletonCacheFor(input, options));
    const before = run.method.cache.toBytes();
    const preds = predictWithCache(run.method, input);
    expect(run.method.cache.toBytes()).toEqual(before);
    // By hand (SPEC §4–5): the final blocks' members, their descriptors, Σ exp(−β(1 − cos)) per block,
    // the weights of the backbone's class, φ = φ̂ + α·s, argmax.
    const descriptors = streamDescriptors(input).data;
    const C = 3;
    const slotOf = (i: number, d: number) =>
      Array.from(descriptors.subarray((i * 8 + d) * C, (i * 8 + d + 1) * C));
    const cosine = (a: number[], b: number[]) =>
      a.reduce((s, x, i) => s + x * b[i]!, 0) /
      (Math.max(Math.hypot(...a), 1e-8) * Math.max(Math.hypot(...b), 1e-8));
    const weights = buildFusionWeights(options.prior, 4).weights;
    const members = [0, 1, 2, 3].map((u) => run.method.cache.block(u).ids);
    let differsFromOnline = 0;
    for (let i = 0; i < 20; i++) {
      const base = Array.from(input.logits.data.subarray(i * 4, i * 4 + 4));
      const c = base.indexOf(Math.max(...base));
      const refined = base.map((b, u) => {
        let s = 0;
        for (let d = 0; d < 8; d++) {
          const o = members[u]!.reduce(
            (acc, j) => acc + Math.exp(-options.beta * (1 - cosine(slotOf(i, d), slotOf(j, d)))),
            0,
          );
          s += weights[c * 8 + d]! * o;
        }
        return b + options.alpha * s;
      });
      expect(preds[i]).toBe(refined.indexOf(Math.max(...refined)));
      if (preds[i] !== run.refinedPred[i]) differsFromOnline++;
    }
    // The final cache changes some predictions: the second pass is not the online pass again.
    expect(differsFromOnline).toBeGreaterThan(0);
  });

  it("gives typed errors for NaN logits, wrong shapes and bad options", () => {
    const input = synthetic(3, 4, 3, 6, 2);
    input.logits.data[5] = Number.NaN;
    expect(() => onlinePass(input, skeletonCacheFor(input, options))).toThrow(NonFiniteError);
    expect(() => onlinePass(input, skeletonCacheFor(input, options))).toThrow(
      /sample 1: base logit 1 is NaN/,
    );
    const good = synthetic(3, 4, 3, 6, 2);
    const flat = { logits: good.logits, features: { data: good.features.data, shape: [3, 3, 6 * 25] } };
    expect(() => onlinePass(flat, skeletonCacheFor(flat, options))).toThrow(ShapeError);
    expect(() => onlinePass(good, skeletonCacheFor(good, { ...options, alpha: Number.NaN }))).toThrow(
      /alpha must be a finite number/,
    );
    expect(() => onlinePass(good, skeletonCacheFor(good, { ...options, beta: -5 }))).toThrow(
      /beta must be a finite number ≥ 0, got -5/,
    );
    expect(() => onlinePass(good, skeletonCacheFor(good, options), { order: [0, 0, 1] })).toThrow(ValueError);
    expect(() => onlinePass(good, skeletonCacheFor(good, { ...options, prior: uniformPrior(3) }))).toThrow(
      /prior has 3 classes but there are 4/,
    );
  });
});
