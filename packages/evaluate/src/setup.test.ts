import { ValueError } from "@skeleton-cache/errors";
import { REFERENCE_GRID } from "@skeleton-cache/tta";
import { describe, expect, it } from "vitest";
import { methodGridOf, methodParams, parseSetup } from "./index.js";

describe("setup", () => {
  it("fills defaults: online, skeleton-cache with α 1, β 5, K 8, hedge auto, the reference grid", () => {
    const setup = parseSetup({});
    expect(setup).toMatchObject({ protocol: "online", method: "skeleton-cache", seed: 0, orders: 10 });
    expect(methodParams(setup, "skeleton-cache")).toEqual({
      alpha: 1,
      beta: 5,
      K: 8,
      hedge: "auto",
      hedgeMargin: 0.5,
    });
    expect(methodGridOf(setup, "skeleton-cache")).toEqual(REFERENCE_GRID);
  });

  it("gives each method its hyper-parameters: shorthands, params, defaults; refuses what a method does not take", () => {
    const mean = parseSetup({ method: "skeleton-cache-mean", alpha: 3 });
    expect(methodParams(mean, "skeleton-cache-mean")).toMatchObject({ alpha: 3, beta: 5, K: 8 });
    const knn = parseSetup({ method: "knn-past", params: { "knn-past": { k: 7 } } });
    expect(methodParams(knn, "knn-past")).toEqual({ k: 7, lambda: 2 });
    // a shorthand the method does not take, a key it does not take, another method's params
    const withAlpha = parseSetup({ method: "knn-past", alpha: 1 });
    expect(() => methodParams(withAlpha, "knn-past")).toThrow(
      'method knn-past takes no hyper-parameter "alpha" (it takes k, lambda)',
    );
    const badKey = parseSetup({ method: "tda", params: { tda: { k: 3 } } });
    expect(() => methodParams(badKey, "tda")).toThrow(/method tda takes no hyper-parameter "k"/);
    const other = parseSetup({ method: "tda", params: { "knn-past": { k: 3 } } });
    expect(() => methodParams(other, "tda")).toThrow(
      /params for method knn-past given, but the run's method is tda/,
    );
    // with "all", shorthands go to the methods that take them
    const all = parseSetup({ method: "all", alpha: 2, params: { "knn-past": { k: 3 } } });
    expect(methodParams(all, "skeleton-cache").alpha).toBe(2);
    expect(methodParams(all, "knn-past")).toEqual({ k: 3, lambda: 2 });
  });

  it("a grid must fit the method; with all, a grid another method cannot take falls back to its own", () => {
    const setup = parseSetup({ method: "knn-past", grid: { k: [1, 2] } });
    expect(methodGridOf(setup, "knn-past")).toEqual({ k: [1, 2] });
    expect(() => methodGridOf({ ...setup, method: "tda" }, "tda")).toThrow(
      /method tda takes no hyper-parameter "k"/,
    );
    expect(methodGridOf({ ...setup, method: "all" }, "tda")).toEqual(methodGridOf(parseSetup({}), "tda"));
  });

  it("a bad key or value is a ValueError naming the field and the value", () => {
    expect(() => parseSetup({ method: "tent" })).toThrow(
      /field "method" is "tent": unknown method; known methods: skeleton-cache, skeleton-cache-mean, knn-past, tda, or all/,
    );
    expect(() => parseSetup({ alpah: 2 })).toThrow(/unknown field "alpah"/);
    try {
      parseSetup({ K: 0 });
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(ValueError);
      expect((error as ValueError).details).toMatchObject({ field: "K", value: 0 });
    }
    expect(() => parseSetup({ prior: { prior: {}, source: "x" } })).toThrow(/field "prior"/);
  });
});
