import { ValueError } from "@skeleton-cache/errors";
import { describe, expect, it } from "vitest";
import { PREPROCESS_DEFAULTS, parsePreprocessing, resolvePreprocessing } from "./index.js";

describe("preprocessing records", () => {
  it("resolve layer by layer over the defaults, in a fixed key order", () => {
    const resolved = resolvePreprocessing({ frames: 64, temporal: "resample", bodies: 1 }, undefined, {
      center: "first-frame",
      frames: 32,
    });
    expect(resolved).toEqual({
      frames: 32,
      bodies: 1,
      bodySelection: "file-order",
      temporal: "resample",
      center: "first-frame",
      align: false,
    });
    expect(Object.keys(resolved)).toEqual(Object.keys(PREPROCESS_DEFAULTS));
    expect(
      JSON.stringify(
        resolvePreprocessing({ center: "first-frame", frames: 32, temporal: "resample", bodies: 1 }),
      ),
    ).toBe(JSON.stringify(resolved));
  });

  it("a bad field names the source, the field and the value", () => {
    expect(() => parsePreprocessing({ temporal: "stretch" }, "m.backbone.json preprocessing")).toThrow(
      /m\.backbone\.json preprocessing: temporal: .*"stretch"/,
    );
    expect(() => parsePreprocessing({ frames: 0 })).toThrow(ValueError);
    expect(() => parsePreprocessing({ frame: 3 })).toThrow(/frame/);
  });
});
