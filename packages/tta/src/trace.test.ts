import { ValueError } from "@skeleton-cache/errors";
import type { FusionWeights } from "@skeleton-cache/fusion";
import { uniformPrior } from "@skeleton-cache/prior";
import { NUM_SLOTS } from "@skeleton-cache/skeleton";
import { permutation, seededRandom } from "@skeleton-cache/tensor";
import { describe, expect, it } from "vitest";
import { createMethod, onlinePass, TraceRecorder } from "./index.js";
import { skeletonCacheFor } from "./test-support/skeleton-cache.js";

const N = 60;
const U = 5;
const C = 16;

function stream(seed: number) {
  const random = seededRandom(seed);
  const labels = Array.from({ length: N }, (_, i) => i % U);
  const prototypes = Array.from({ length: U * NUM_SLOTS * C }, () => random.normal());
  const descriptors = new Float32Array(N * NUM_SLOTS * C);
  const logits = new Float32Array(N * U);
  for (let i = 0; i < N; i++) {
    for (let j = 0; j < NUM_SLOTS * C; j++)
      descriptors[i * NUM_SLOTS * C + j] = prototypes[labels[i]! * NUM_SLOTS * C + j]! + random.normal();
    for (let u = 0; u < U; u++) logits[i * U + u] = (u === labels[i] ? 0.8 : 0) + random.normal();
  }
  return {
    logits: { data: logits, shape: [N, U] },
    descriptors: { data: descriptors, shape: [N, NUM_SLOTS, C] },
  };
}

/** Distinct, non-uniform class weights, so a wrong row or slot would show. */
function weights(seed: number): FusionWeights {
  const random = seededRandom(seed);
  const w = new Float64Array(U * NUM_SLOTS);
  for (let u = 0; u < U; u++) {
    let sum = 0;
    for (let d = 0; d < NUM_SLOTS; d++) sum += w[u * NUM_SLOTS + d] = 0.05 + random.next();
    for (let d = 0; d < NUM_SLOTS; d++) w[u * NUM_SLOTS + d]! /= sum;
  }
  return { numClasses: U, weights: w };
}

const fusion = weights(7);
const options = { prior: uniformPrior(U, 0.3), alpha: 1.5, beta: 5, K: 3, weights: fusion };

describe("TraceRecorder", () => {
  it("leaves the online pass unchanged and explains every traced prediction (Eq. 6–12)", () => {
    const input = stream(3);
    const order = permutation(N, 11);
    const plain = onlinePass(input, skeletonCacheFor(input, options), { order });
    const trace = new TraceRecorder({ samples: order, matches: 4, timeline: 10 });
    const traced = onlinePass(input, skeletonCacheFor(input, options), { order, trace });
    expect(Array.from(traced.refinedPred)).toEqual(Array.from(plain.refinedPred));
    expect(Buffer.from(traced.refinedLogits.buffer).equals(Buffer.from(plain.refinedLogits.buffer))).toBe(
      true,
    );
    expect(trace.traces.size).toBe(N);
    for (const [position, sample] of Array.from(order).entries()) {
      const t = trace.traces.get(sample)!;
      expect(t.position).toBe(position);
      expect(t.refinedPred).toBe(plain.refinedPred[sample]);
      // w_ĉ is the row of the backbone's prediction (Eq. 9 via the weights given).
      expect(Array.from(t.weights)).toEqual(
        Array.from(fusion.weights.subarray(t.baselinePred * NUM_SLOTS, (t.baselinePred + 1) * NUM_SLOTS)),
      );
      for (let u = 0; u < U; u++) {
        // Eq. 11–12 recomputed from the recorded O and w_ĉ.
        let s = 0;
        for (let d = 0; d < NUM_SLOTS; d++) s += t.weights[d]! * t.scores[d * U + u]!;
        expect(t.refinedLogits[u]).toBeCloseTo(input.logits.data[sample * U + u]! + options.alpha * s, 9);
        expect(t.refinedLogits[u]).toBeCloseTo(plain.refinedLogits[sample * U + u]!, 5);
      }
      // Matches are ranked by contribution, at most 4, and never more than the cache held.
      // (each earlier sample is cached at most twice: its block and, with the hedge, the runner-up's)
      expect(t.matches.length).toBeLessThanOrEqual(Math.min(4, 2 * position));
      for (let k = 1; k < t.matches.length; k++)
        expect(t.matches[k - 1]!.contribution).toBeGreaterThanOrEqual(t.matches[k]!.contribution);
      for (const m of t.matches) {
        expect(m.contribution).toBeCloseTo(
          m.affinities.reduce((a, x, d) => a + x * t.weights[d]!, 0),
          12,
        );
        expect(trace.traces.get(m.id)!.position).toBeLessThan(position);
      }
    }
  });

  it("records per-entry affinities that sum to the retrieval scores O (Eq. 7–8)", () => {
    const input = stream(5);
    // Trace everything with every match kept: the affinities of all cached entries.
    const trace = new TraceRecorder({ samples: Array.from({ length: N }, (_, i) => i), matches: U * 3 * 2 });
    onlinePass(input, skeletonCacheFor(input, { ...options, hedge: "off" }), { trace });
    for (const t of trace.traces.values()) {
      const sums = new Float64Array(NUM_SLOTS * U);
      for (const m of t.matches)
        for (let d = 0; d < NUM_SLOTS; d++) sums[d * U + m.block]! += m.affinities[d]!;
      for (let k = 0; k < sums.length; k++) expect(sums[k]).toBeCloseTo(t.scores[k]!, 4);
    }
  });

  it("records the cache at evenly spaced timeline points ending with the final cache", () => {
    const input = stream(9);
    const trace = new TraceRecorder({ samples: [], timeline: 7 });
    const run = onlinePass(input, skeletonCacheFor(input, options), { trace });
    expect(trace.traces.size).toBe(0);
    const positions = trace.timeline.map((s) => s.position);
    expect(positions).toEqual([9, 17, 26, 34, 43, 51, 60]);
    const last = trace.timeline.at(-1)!;
    for (let u = 0; u < U; u++) {
      expect(last.ids[u]).toEqual(run.method.cache.block(u).ids);
      expect(last.entropies[u]).toEqual(run.method.cache.block(u).entropies);
    }
    // Block fill never decreases along the stream.
    for (let k = 1; k < trace.timeline.length; k++)
      for (let u = 0; u < U; u++)
        expect(trace.timeline[k]!.ids[u]!.length).toBeGreaterThanOrEqual(
          trace.timeline[k - 1]!.ids[u]!.length,
        );
  });

  it("refuses a negative or fractional count, naming it", () => {
    expect(() => new TraceRecorder({ samples: [], matches: -1 })).toThrow(ValueError);
    expect(() => new TraceRecorder({ samples: [], timeline: 2.5 })).toThrow(/timeline/);
  });

  it("refuses methods whose block scores it cannot re-derive: the mean rule and kNN", () => {
    const data = stream(3);
    const context = { numClasses: U, channels: C, prior: uniformPrior(U, 0.5) };
    for (const name of ["skeleton-cache-mean", "knn-past"]) {
      const trace = new TraceRecorder({ samples: [0] });
      expect(() => onlinePass(data, createMethod(name, context), { trace })).toThrow(
        `trace: only the skeleton-cache method can be traced, not ${name}`,
      );
    }
    const trace = new TraceRecorder({ samples: [0] });
    onlinePass(data, createMethod("skeleton-cache", context), { trace });
    expect(trace.traces.has(0)).toBe(true);
  });
});
