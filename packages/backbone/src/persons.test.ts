import { ShapeError, ValueError } from "@skeleton-cache/errors";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { averagePersons } from "./index.js";

describe("averagePersons", () => {
  it("is the mean of each sample's M rows (reference by multi-index)", () => {
    fc.assert(
      fc.property(
        fc.record({
          n: fc.integer({ min: 1, max: 3 }),
          m: fc.integer({ min: 1, max: 3 }),
          c: fc.integer({ min: 1, max: 3 }),
          t: fc.integer({ min: 1, max: 3 }),
          v: fc.integer({ min: 1, max: 4 }),
          seed: fc.integer(),
        }),
        ({ n, m, c, t, v, seed }) => {
          const data = new Float32Array(n * m * c * t * v);
          for (let i = 0; i < data.length; i++) data[i] = Math.fround(Math.sin(seed + i * 1.7) * 10);
          const out = averagePersons({ data, shape: [n * m, c, t, v] }, m);
          expect(out.shape).toEqual([n, c, t, v]);
          for (let ni = 0; ni < n; ni++)
            for (let ci = 0; ci < c; ci++)
              for (let ti = 0; ti < t; ti++)
                for (let vi = 0; vi < v; vi++) {
                  let sum = 0;
                  for (let mi = 0; mi < m; mi++) sum += data[(((ni * m + mi) * c + ci) * t + ti) * v + vi]!;
                  expect(out.data[((ni * c + ci) * t + ti) * v + vi]).toBeCloseTo(sum / m, 5);
                }
        },
      ),
      { numRuns: 40 },
    );
  });

  it("leaves one person unchanged", () => {
    const data = Float32Array.from([1, 2, 3, 4]);
    expect(Array.from(averagePersons({ data, shape: [2, 2, 1, 1] }, 1).data)).toEqual([1, 2, 3, 4]);
  });

  it("rejects shapes that do not split into persons", () => {
    const data = new Float32Array(6);
    expect(() => averagePersons({ data, shape: [3, 2, 1, 1] }, 2)).toThrow(ShapeError);
    expect(() => averagePersons({ data, shape: [3, 2, 1, 1] }, 2)).toThrow(
      /3 is not a multiple of the 2 persons/,
    );
    expect(() => averagePersons({ data, shape: [3, 2, 1] }, 1)).toThrow(/expected 4 dimensions/);
    expect(() => averagePersons({ data, shape: [6, 1, 1, 1] }, 0)).toThrow(ValueError);
  });
});
