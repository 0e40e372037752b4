import { ShapeError, ValueError } from "@skeleton-cache/errors";
import { argmaxRows } from "@skeleton-cache/tensor";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  accuracy,
  cacheStatistics,
  calibratedArgmax,
  calibrationRange,
  confusionMatrix,
  formatMeanSd,
  gzslAccuracy,
  gzslSweep,
  harmonicMean,
  meanSd,
  pairedDifference,
  perClassAccuracy,
  runningAccuracy,
  topKAccuracy,
} from "./index.js";

describe("hand-computed examples", () => {
  // 4 samples, 3 classes.
  const scores = [
    0.9,
    0.1,
    0.0, // sample 0: label 0, top-1 0
    0.2,
    0.5,
    0.3, // sample 1: label 2, ranked 2nd
    0.1,
    0.2,
    0.7, // sample 2: label 0, ranked 3rd
    0.3,
    0.3,
    0.4, // sample 3: label 1, tie with class 0 → ranked 3rd (class 0 wins the tie)
  ];
  const labels = [0, 2, 0, 1];

  it("top-1 / top-2 / top-3", () => {
    expect(topKAccuracy(scores, 3, labels, 1)).toEqual({ correct: 1, total: 4, percent: 25 });
    expect(topKAccuracy(scores, 3, labels, 2)).toEqual({ correct: 2, total: 4, percent: 50 });
    expect(topKAccuracy(scores, 3, labels, 3).correct).toBe(4);
  });

  it("per-class accuracy and confusion", () => {
    const pred = argmaxRows(scores, 3);
    expect(Array.from(pred)).toEqual([0, 1, 2, 2]);
    const perClass = perClassAccuracy(pred, labels, 3);
    expect(perClass.support).toEqual([2, 1, 1]);
    expect(perClass.correct).toEqual([1, 0, 0]);
    expect(perClass.percent).toEqual([50, 0, 0]);
    expect(perClass.meanPercent).toBeCloseTo(50 / 3, 12);
    expect(Array.from(confusionMatrix(pred, labels, 3))).toEqual([1, 0, 1, 0, 0, 1, 0, 1, 0]);
    expect(perClassAccuracy([0], [0], 3).percent).toEqual([100, null, null]);
  });

  it("running accuracy along a permuted stream", () => {
    // sample-indexed predictions; stream visits samples 2, 0, 1.
    expect(Array.from(runningAccuracy([1, 0, 2], [1, 1, 2], [2, 0, 1]))).toEqual([100, 100, (100 * 2) / 3]);
  });

  it("GZSL seen / unseen / H with calibrated stacking", () => {
    // classes 0, 1 seen; class 2 unseen.
    const s = [
      2.0,
      0.0,
      1.5, // label 0 (seen): correct at c=0; at c=1 → 1.0 vs 1.5 → predicts 2
      0.0,
      1.0,
      0.2, // label 1 (seen): correct at c=0 and c=1 (0.0 vs 0.2 → predicts 2 at c=1!)
      1.0,
      0.0,
      0.8, // label 2 (unseen): wrong at c=0, right at c=1
      0.0,
      0.5,
      0.9, // label 2 (unseen): right at both
    ];
    const seen = [true, true, false];
    const l = [0, 1, 2, 2];
    const at0 = gzslAccuracy(s, 3, l, seen, 0);
    expect(at0.seen).toBe(100);
    expect(at0.unseen).toBe(50);
    expect(at0.harmonic).toBeCloseTo((2 * 100 * 50) / 150, 12);
    const at1 = gzslAccuracy(s, 3, l, seen, 1);
    expect(at1.seen).toBe(0);
    expect(at1.unseen).toBe(100);
    expect(at1.harmonic).toBe(0);
    const sweep = gzslSweep(s, 3, l, seen, [0, 0.5, 1]);
    expect(sweep.best.calibration).toBe(0.5);
    expect(sweep.best.harmonic).toBe(100);
    // at c = 0.5: sample 0 → 1.5 vs 1.5 tie → class 0 (first index); sample 1: 0.5 vs 0.2 → 1; sample 2: 0.5 vs 0.8 → 2.
    expect(sweep.points[1]!.seen).toBe(100);
    expect(sweep.points[1]!.unseen).toBe(100);
    expect(calibrationRange(0, 1, 3)).toEqual([0, 0.5, 1]);
  });

  it("mean ± sd and cache statistics", () => {
    const summary = meanSd([1, 2, 3, 4]);
    expect(summary.mean).toBe(2.5);
    expect(summary.sd).toBeCloseTo(Math.sqrt(5 / 3), 12);
    expect([summary.min, summary.max]).toEqual([1, 4]);
    expect(formatMeanSd(meanSd([2]))).toBe("2.00 ± 0.00");
    const stats = cacheStatistics({ K: 2, members: [[0, 1], [2], []] }, [0, 1, 1]);
    expect(stats.occupancy).toEqual([2, 1, 0]);
    expect(stats.correctEntries).toEqual([1, 1, 0]);
    expect(stats.precisionPerBlock).toEqual([50, 100, null]);
    expect(stats.precision).toBeCloseTo(200 / 3, 12);
    expect(stats.fill).toBe(0.5);
  });

  it("calibrated argmax subtracts the calibration from seen classes, first index on ties", () => {
    const scores = [1, 0.9, 0.2, 0.5, 0.5, 0.5];
    expect(
      Array.from(calibratedArgmax(scores, { numClasses: 3, seenMask: [1, 0, 0], calibration: 0 })),
    ).toEqual([0, 0]);
    expect(
      Array.from(calibratedArgmax(scores, { numClasses: 3, seenMask: [1, 0, 0], calibration: 0.2 })),
    ).toEqual([1, 1]);
    expect(
      Array.from(calibratedArgmax(scores, { numClasses: 3, seenMask: [1, 1, 0], calibration: 0.2 })),
    ).toEqual([0, 2]);
  });
});

describe("bad input", () => {
  it("names what is wrong", () => {
    expect(() => accuracy([0, 1], [0])).toThrow(ShapeError);
    expect(() => topKAccuracy([0, Number.NaN], 2, [0], 1)).toThrow(/NaN/);
    expect(() => topKAccuracy([0, 1], 2, [2], 1)).toThrow(/labels\[0\] is 2/);
    expect(() => gzslAccuracy([0, 1], 2, [0], [true, true])).toThrow(ValueError);
    expect(() => meanSd([])).toThrow(ValueError);
    expect(() => cacheStatistics({ K: 1, members: [[5]] }, [0])).toThrow(/sample id 5/);
  });
});

const scoreCase = fc
  .record({ samples: fc.integer({ min: 1, max: 20 }), classes: fc.integer({ min: 2, max: 6 }) })
  .chain(({ samples, classes }) =>
    fc.record({
      classes: fc.constant(classes),
      scores: fc.array(fc.integer({ min: -3, max: 3 }), {
        minLength: samples * classes,
        maxLength: samples * classes,
      }),
      labels: fc.array(fc.integer({ min: 0, max: classes - 1 }), { minLength: samples, maxLength: samples }),
    }),
  );

describe("properties", () => {
  it("top-1 equals argmax accuracy; top-k grows with k; top-U is 100 %", () => {
    fc.assert(
      fc.property(scoreCase, ({ classes, scores, labels }) => {
        const top1 = topKAccuracy(scores, classes, labels, 1);
        expect(top1.correct).toBe(accuracy(argmaxRows(scores, classes), labels).correct);
        let previous = top1.correct;
        for (let k = 2; k <= classes; k++) {
          const c = topKAccuracy(scores, classes, labels, k).correct;
          expect(c).toBeGreaterThanOrEqual(previous);
          previous = c;
        }
        expect(previous).toBe(labels.length);
      }),
    );
  });

  it("confusion matrix sums to N, its trace is the correct count, rows are the class supports", () => {
    fc.assert(
      fc.property(scoreCase, ({ classes, scores, labels }) => {
        const pred = argmaxRows(scores, classes);
        const matrix = confusionMatrix(pred, labels, classes);
        let total = 0;
        let trace = 0;
        for (let t = 0; t < classes; t++) {
          let row = 0;
          for (let p = 0; p < classes; p++) row += matrix[t * classes + p]!;
          expect(row).toBe(perClassAccuracy(pred, labels, classes).support[t]);
          total += row;
          trace += matrix[t * classes + t]!;
        }
        expect(total).toBe(labels.length);
        expect(trace).toBe(accuracy(pred, labels).correct);
      }),
    );
  });

  it("running accuracy ends at the overall accuracy for any stream order", () => {
    fc.assert(
      fc.property(scoreCase, fc.integer(), ({ classes, scores, labels }, seed) => {
        const pred = argmaxRows(scores, classes);
        const order = labels
          .map((_, i) => i)
          .sort((a, b) => ((a * 7919 + seed) % 13) - ((b * 7919 + seed) % 13) || a - b);
        const running = runningAccuracy(pred, labels, order);
        expect(running[running.length - 1]).toBeCloseTo(accuracy(pred, labels).percent, 10);
      }),
    );
  });

  it("H lies between min(S, U) and max(S, U) and is symmetric", () => {
    fc.assert(
      fc.property(
        fc.double({ min: 0, max: 100, noNaN: true }),
        fc.double({ min: 0, max: 100, noNaN: true }),
        (a, b) => {
          const h = harmonicMean(a, b);
          expect(h).toBeCloseTo(harmonicMean(b, a), 10);
          expect(h).toBeGreaterThanOrEqual(Math.min(a, b) - 1e-9);
          expect(h).toBeLessThanOrEqual(Math.max(a, b) + 1e-9);
        },
      ),
    );
  });

  it("a large enough calibration predicts no seen class; a very negative one no unseen class", () => {
    fc.assert(
      fc.property(scoreCase, ({ classes, scores, labels }) => {
        const seen = Array.from({ length: classes }, (_, u) => u % 2 === 0);
        const high = gzslAccuracy(scores, classes, labels, seen, 100);
        const low = gzslAccuracy(scores, classes, labels, seen, -100);
        expect(high.seen).toBe(0);
        expect(low.unseen).toBe(0);
        expect(high.seenSamples + high.unseenSamples).toBe(labels.length);
      }),
    );
  });

  it("mean lies between min and max; sd is 0 for constant values", () => {
    fc.assert(
      fc.property(
        fc.array(fc.double({ min: -1e6, max: 1e6, noNaN: true }), { minLength: 1, maxLength: 30 }),
        (values) => {
          const s = meanSd(values);
          expect(s.mean).toBeGreaterThanOrEqual(s.min - 1e-6);
          expect(s.mean).toBeLessThanOrEqual(s.max + 1e-6);
          expect(meanSd(values.map(() => values[0]!)).sd).toBeLessThanOrEqual(1e-9 * Math.abs(values[0]!));
        },
      ),
    );
  });
});

describe("pairedDifference", () => {
  it("gives the mean difference, its t interval and the units that improved", () => {
    // differences 1, 2, 3, −2: mean 1, sd √(14/3)
    const d = pairedDifference([11, 12, 13, 8], [10, 10, 10, 10]);
    expect(d.n).toBe(4);
    expect(d.mean).toBe(1);
    expect(d.sd).toBeCloseTo(Math.sqrt(14 / 3), 12);
    // t_{0.975, 3} = 3.182446305284263
    const half = (3.182446305284263 * Math.sqrt(14 / 3)) / 2;
    expect(d.ci![0]).toBeCloseTo(1 - half, 6);
    expect(d.ci![1]).toBeCloseTo(1 + half, 6);
    expect([d.improved, d.worse]).toEqual([3, 1]);
    expect(pairedDifference([5], [4]).ci).toBeNull();
  });

  it("the interval holds the mean and widens with the level (property)", () => {
    fc.assert(
      fc.property(
        fc.array(fc.double({ min: -50, max: 50, noNaN: true }), { minLength: 2, maxLength: 20 }),
        (values) => {
          const zeros = values.map(() => 0);
          const narrow = pairedDifference(values, zeros, 0.8);
          const wide = pairedDifference(values, zeros, 0.99);
          expect(narrow.ci![0]).toBeLessThanOrEqual(narrow.mean + 1e-9);
          expect(narrow.ci![1]).toBeGreaterThanOrEqual(narrow.mean - 1e-9);
          expect(wide.ci![0]).toBeLessThanOrEqual(narrow.ci![0] + 1e-9);
          expect(wide.ci![1]).toBeGreaterThanOrEqual(narrow.ci![1] - 1e-9);
        },
      ),
    );
  });

  it("refuses unpaired lengths, NaN and a level outside (0, 1)", () => {
    expect(() => pairedDifference([1, 2], [1])).toThrow(ShapeError);
    expect(() => pairedDifference([1, Number.NaN], [1, 1])).toThrow(/treatment/);
    expect(() => pairedDifference([1, 2], [1, 1], 1)).toThrow(/level must be in/);
  });
});
