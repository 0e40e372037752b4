import { permutation } from "@skeleton-cache/tensor";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { streamOrderStats } from "./index.js";

/** `perClass` samples of each of `classes` classes, sorted by label. */
const sorted = (classes: number, perClass: number) =>
  Int32Array.from({ length: classes * perClass }, (_, i) => Math.floor(i / perClass));

describe("streamOrderStats", () => {
  it("a stream sorted by label has one run per class and is flagged", () => {
    const labels = sorted(5, 32); // the UTD-MHAD 22/5 test bundle in file order
    const stats = streamOrderStats(labels);
    expect(stats).toMatchObject({ numSamples: 160, runs: 5, longestRun: 32, sortedByLabel: true });
    // E[runs] = 1 + 159 · (1 − 5·32·31 / (160·159))
    expect(stats.expectedRuns).toBeCloseTo(1 + 159 * (1 - (5 * 32 * 31) / (160 * 159)), 10);
  });

  it("seeded shuffles of the same labels are never flagged (property)", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 2, max: 30 }),
        fc.integer({ min: 4, max: 40 }),
        fc.nat(),
        (U, n, seed) => {
          const labels = sorted(U, n);
          const order = permutation(labels.length, seed);
          const stats = streamOrderStats(labels, order);
          expect(stats.sortedByLabel).toBe(false);
          expect(stats.runs).toBeGreaterThan(stats.expectedRuns / 3);
        },
      ),
      { numRuns: 200 },
    );
  });

  it("counts runs in the given order, and needs 20 samples and two classes to flag", () => {
    expect(streamOrderStats(Int32Array.of(0, 0, 1, 1, 0), Int32Array.of(0, 2, 1, 3, 4)).runs).toBe(5);
    expect(streamOrderStats(sorted(2, 5)).sortedByLabel).toBe(false); // 10 samples
    expect(streamOrderStats(new Int32Array(50)).sortedByLabel).toBe(false); // one class
    expect(streamOrderStats(new Int32Array(0))).toMatchObject({ runs: 0, sortedByLabel: false });
  });
});
