/** What each `skc-ntu-gendata` flag means, checked on plain option objects (no command-line parser). */
import { describe, expect, it } from "vitest";
import { ntuGendataOptionsFromFlags, ntuGendataSummary, PREPROCESS_DEFAULTS } from "./index.js";

describe("ntuGendataOptionsFromFlags", () => {
  it("maps every flag onto its ntuGendata option", () => {
    const options = ntuGendataOptionsFromFlags({
      input: "raw",
      out: "arrays",
      benchmark: "xset120",
      split: "val",
      dataset: "ntu120",
      keepMissing: true,
      frames: 64,
      bodies: 1,
      bodySelection: "motion-energy",
      temporal: "resample",
      center: "per-frame",
      align: true,
    });
    expect(options).toEqual({
      inputDir: "raw",
      outDir: "arrays",
      benchmark: "xset120",
      split: "val",
      dataset: "ntu120",
      skipMissing: false,
      preprocess: {
        frames: 64,
        bodies: 1,
        bodySelection: "motion-energy",
        temporal: "resample",
        center: "per-frame",
        align: true,
      },
    });
  });

  it("unset flags leave benchmark, split and dataset out, skip the missing samples and do not align", () => {
    const { align: _, ...defaults } = PREPROCESS_DEFAULTS;
    const options = ntuGendataOptionsFromFlags({ input: "raw", out: "arrays", ...defaults });
    expect(options).toEqual({
      inputDir: "raw",
      outDir: "arrays",
      skipMissing: true,
      preprocess: { ...defaults, align: false },
    });
    expect(Object.keys(options)).not.toContain("benchmark");
  });
});

describe("ntuGendataSummary", () => {
  it("names both files, the array shape and the skipped samples", () => {
    const line = ntuGendataSummary({
      dataFile: "o/train_data.npy",
      labelFile: "o/train_label.pkl",
      shape: [2, 3, 50, 25, 2],
      names: ["a", "b"],
      labels: [0, 4],
      skippedMissing: ["S001C002P005R002A008"],
    });
    expect(line).toBe(
      "ntu-gendata: wrote o/train_data.npy (2, 3, 50, 25, 2) and o/train_label.pkl; skipped 1 missing-skeleton samples",
    );
  });
});
