import { describe, expect, it } from "vitest";
import {
  EXIT,
  exitCodeOf,
  FormatError,
  InterruptedError,
  NonFiniteError,
  ShapeError,
  SkeletonCacheError,
  ValueError,
} from "./index.js";

describe("exitCodeOf", () => {
  it("maps input errors to 2, interruption to 130 and everything else to 1", () => {
    for (const error of [
      new ValueError("v"),
      new FormatError("f"),
      new ShapeError("s"),
      new NonFiniteError("n"),
    ])
      expect(exitCodeOf(error), error.name).toBe(EXIT.badInput);
    expect(exitCodeOf(new InterruptedError("i"))).toBe(130);
    expect(exitCodeOf(new SkeletonCacheError("E_LLM_REQUEST", "endpoint down"))).toBe(EXIT.failure);
    expect(exitCodeOf(new Error("bug"))).toBe(1);
    expect(exitCodeOf("thrown string")).toBe(1);
    expect(EXIT).toEqual({ ok: 0, failure: 1, badInput: 2, interrupted: 130 });
  });
});
