import { meanSd } from "@skeleton-cache/metrics";
import { meanMaxBaseLogit } from "@skeleton-cache/protocols";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { chooseOnValidation, type FoldResult, gridKey, gridPoints } from "./compute.js";
import { argmaxRows, crossSubjectNearestNeighbour, pluralityCorrect, streamOrder, top1 } from "./core.js";
import { pm } from "./tables.js";

describe("figures", () => {
  it("top1 and argmaxRows (first index on ties)", () => {
    const logits = { data: Float32Array.from([1, 3, 3, 0, 2, 1, 5, 5, 5]), shape: [3, 3] };
    expect([...argmaxRows(logits)]).toEqual([1, 1, 0]);
    expect(top1(Int32Array.from([1, 1, 0]), Int32Array.from([1, 2, 0]))).toBeCloseTo(200 / 3, 12);
    expect(meanMaxBaseLogit(logits)).toBeCloseTo((3 + 2 + 5) / 3, 6);
  });

  it("pluralityCorrect counts the classes whose most frequent prediction is themselves", () => {
    // class 0: preds 0,0,1 → right; class 1: preds 2,2,1 → wrong; class 2: preds 2 → right
    const labels = Int32Array.from([0, 0, 0, 1, 1, 1, 2]);
    const pred = Int32Array.from([0, 0, 1, 2, 2, 1, 2]);
    expect(pluralityCorrect(pred, labels, 3)).toBe(2);
    // a tie between the true class and a lower index goes to the lower index
    expect(pluralityCorrect(Int32Array.from([0, 1]), Int32Array.from([1, 1]), 2)).toBe(0);
    // a class without samples never counts
    expect(pluralityCorrect(Int32Array.from([0]), Int32Array.from([0]), 3)).toBe(1);
  });

  it("pluralityCorrect of perfect predictions is the number of classes present", () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: 6 }), { minLength: 1, maxLength: 60 }), (raw) => {
        const labels = Int32Array.from(raw);
        expect(pluralityCorrect(labels, labels, 7)).toBe(new Set(raw).size);
      }),
    );
  });

  it("stream orders are seeded permutations, distinct across orders", () => {
    const a = streamOrder(50, 0);
    expect([...a].sort((x, y) => x - y)).toEqual(Array.from({ length: 50 }, (_, i) => i));
    expect(streamOrder(50, 0)).toEqual(a);
    expect(streamOrder(50, 1)).not.toEqual(a);
  });

  it("meanSd uses n − 1 and pm prints one decimal", () => {
    const { mean, sd } = meanSd([1, 2, 3, 4]);
    expect(mean).toBe(2.5);
    expect(sd).toBeCloseTo(Math.sqrt(5 / 3), 12);
    expect(meanSd([7]).sd).toBe(0);
    expect(pm([1, 2, 3, 4])).toBe("2.5 ± 1.3");
  });
});

describe("chooseOnValidation", () => {
  const fold = (name: string, value: (alpha: number, beta: number) => number): FoldResult => ({
    name,
    samples: 10,
    classes: 5,
    baseline: 40,
    grid: Object.fromEntries(
      gridPoints().map((p) => [p.key, [value(p.alpha, p.beta), value(p.alpha, p.beta)]]),
    ),
  });

  it("takes the best mean over folds and orders", () => {
    const folds = [
      fold("fold0", (a, b) => (a === 2 && b === 5 ? 60 : 50)),
      fold("fold1", (a, b) => (a === 3 && b === 9 ? 58 : 50)),
    ];
    const { chosen, validationMean } = chooseOnValidation(folds);
    expect(chosen).toEqual({ alpha: 2, beta: 5 });
    expect(validationMean[gridKey(2, 5)]).toBe(55);
    expect(validationMean[gridKey(3, 9)]).toBe(54);
  });

  it("breaks ties by the first point in α-major order", () => {
    const { chosen } = chooseOnValidation([fold("fold0", () => 42)]);
    expect(chosen).toEqual({ alpha: 0.5, beta: 3 });
  });
});

describe("crossSubjectNearestNeighbour", () => {
  /** Four samples, C = 2; only slot 7 (global) is non-zero. */
  function bundleOf(globals: number[][], labels: number[]) {
    const data = new Float32Array(globals.length * 8 * 2);
    for (let sample = 0; sample < globals.length; sample++) data.set(globals[sample]!, (sample * 8 + 7) * 2);
    return {
      kind: "descriptors" as const,
      logits: { data: new Float32Array(globals.length * 2), shape: [globals.length, 2] },
      descriptors: { data, shape: [globals.length, 8, 2] },
      labels: Int32Array.from(labels),
      classIds: Int32Array.from([0, 1]),
      meta: {},
    };
  }

  it("looks only at other subjects", () => {
    // samples 0 and 1 are the same subject and identical; their cross-subject neighbours carry the other label
    const bundle = bundleOf(
      [
        [1, 0],
        [1, 0],
        [0.9, 0.1],
        [0, 1],
      ],
      [0, 0, 1, 1],
    );
    const subjects = Int32Array.from([1, 1, 2, 3]);
    // 0 → 2 (label 1, wrong); 1 → 2 (wrong); 2 → 0 (label 0, wrong); 3 → 2 (label 1, right)
    expect(crossSubjectNearestNeighbour(bundle, subjects)).toBe(25);
    // with every sample its own subject, 0 ↔ 1 match and 2 → 0 stays wrong
    expect(crossSubjectNearestNeighbour(bundle, Int32Array.from([1, 2, 3, 4]))).toBe(75);
  });
});
