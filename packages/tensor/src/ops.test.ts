import { NonFiniteError, ShapeError } from "@skeleton-cache/errors";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { assertFinite, assertShape, tensor } from "./index.js";
import { argmax, cosine, entropy, softmax, topK } from "./ops.js";
import { permutation, seededRandom } from "./random.js";

describe("argmax", () => {
  it("returns the first index on ties", () => {
    expect(argmax([1, 3, 3, 2])).toBe(1);
    expect(argmax([5, 5, 5])).toBe(0);
  });
  it("works on an offset window", () => {
    expect(argmax([9, 1, 4, 4, 0], 1, 4)).toBe(1);
  });
  it("refuses an empty vector", () => {
    expect(() => argmax([])).toThrow(ShapeError);
  });
  it("agrees with the position of Math.max", () => {
    fc.assert(
      fc.property(
        fc.array(fc.float({ noNaN: true, noDefaultInfinity: true }), { minLength: 1, maxLength: 40 }),
        (xs) => {
          const i = argmax(xs);
          expect(xs[i]).toBe(Math.max(...xs));
          expect(xs.indexOf(Math.max(...xs))).toBe(i);
        },
      ),
    );
  });
});

describe("softmax and entropy", () => {
  it("softmax sums to one and keeps order", () => {
    fc.assert(
      fc.property(
        fc.array(fc.double({ min: -50, max: 50, noNaN: true }), { minLength: 1, maxLength: 30 }),
        (xs) => {
          const p = softmax(xs);
          let sum = 0;
          for (const v of p) sum += v;
          expect(sum).toBeCloseTo(1, 10);
          // the largest logit gets the largest probability
          expect(p[argmax(xs)]).toBe(Math.max(...p));
        },
      ),
    );
  });
  it("entropy of a uniform posterior is ln U, of a one-hot is ~0 (clamped at 1e-12)", () => {
    expect(entropy([0.25, 0.25, 0.25, 0.25])).toBeCloseTo(Math.log(4), 12);
    const h = entropy([1, 0, 0]);
    expect(h).toBeCloseTo(-2 * 1e-12 * Math.log(1e-12), 20);
    expect(h).toBeGreaterThan(0);
  });
});

describe("cosine", () => {
  it("is 1 for parallel vectors and -1 for opposite ones", () => {
    expect(cosine([1, 2, 3], [2, 4, 6])).toBeCloseTo(1, 12);
    expect(cosine([1, 2, 3], [-1, -2, -3])).toBeCloseTo(-1, 12);
  });
  it("clamps each norm to 1e-8 on its own", () => {
    // ‖x‖ = 1e-9 is clamped to 1e-8: cos = (1e-9·1) / (1e-8 · 1) = 0.1
    expect(cosine([1e-9, 0], [1, 0])).toBeCloseTo(0.1, 12);
    expect(cosine([0, 0], [1, 0])).toBe(0);
  });
  it("stays within [-1, 1]", () => {
    const vec = fc.array(fc.double({ min: -1e3, max: 1e3, noNaN: true }), { minLength: 4, maxLength: 4 });
    fc.assert(
      fc.property(vec, vec, (a, b) => {
        const c = cosine(a, b);
        expect(c).toBeLessThanOrEqual(1 + 1e-12);
        expect(c).toBeGreaterThanOrEqual(-1 - 1e-12);
      }),
    );
  });
});

describe("topK", () => {
  it("orders largest first with ties by index", () => {
    expect(topK([1, 5, 5, 2, 9], 3)).toEqual([4, 1, 2]);
  });
});

describe("checks", () => {
  it("assertFinite names the field, the index and the value", () => {
    const data = new Float32Array([0, 1, Number.NaN, 3]);
    expect(() => assertFinite(data, "logits", [2, 2])).toThrow(/logits\[1, 0\] is NaN/);
    try {
      assertFinite(data, "logits", [2, 2]);
    } catch (error) {
      expect(error).toBeInstanceOf(NonFiniteError);
      expect((error as NonFiniteError).details.field).toBe("logits");
    }
  });
  it("assertShape names the dimension at fault", () => {
    expect(() => assertShape([3, 8, 4], [-1, 8, 5], "descriptors")).toThrow(/dimension 2 is 4, expected 5/);
    expect(() => assertShape([3, 8], ["N", 8, "C"], "descriptors")).toThrow(
      /expected 3 dimensions \(N, 8, C\)/,
    );
  });
  it("tensor refuses data that does not fill its shape", () => {
    expect(() => tensor(new Float32Array(5), [2, 3], "F")).toThrow(
      /F: data has 5 elements but shape \(2, 3\) needs 6/,
    );
  });
});

describe("seeded randomness", () => {
  it("is reproducible from a seed and a permutation is a permutation", () => {
    const a = seededRandom(7);
    const b = seededRandom(7);
    for (let i = 0; i < 10; i++) expect(a.next()).toBe(b.next());
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 200 }), fc.integer(), (n, seed) => {
        const order = permutation(n, seed);
        expect([...order].sort((x, y) => x - y)).toEqual([...Array(n).keys()]);
        expect(permutation(n, seed)).toEqual(order);
      }),
    );
  });
});
