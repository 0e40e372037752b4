import fs from "node:fs";
import path from "node:path";
import { tempDir } from "@skeleton-cache/test-support";
import { describe, expect, it } from "vitest";
import type { EvalReport } from "./eval-report.js";
import { predictionsCsv, type RunFiles, writeRunDirectory } from "./report.js";

const files: RunFiles = {
  order: Int32Array.from([1, 0]),
  labels: Int32Array.from([0, 1]),
  baselinePred: Int32Array.from([0, 0]),
  refinedPred: Int32Array.from([0, 1]),
  onlinePred: Int32Array.from([0, 1]),
  entropy: Float64Array.from([0.5, 0.25]),
  inserted: Uint8Array.from([1, 0]),
  gzsl: null,
};

describe("run directory", () => {
  it("predictions.csv lists samples in stream order with the contract's columns", () => {
    expect(predictionsCsv(files)).toBe(
      "index,label,baseline_pred,refined_pred,online_pred,entropy,cached\n1,1,0,1,1,0.250000,0\n0,0,0,0,0,0.500000,1\n",
    );
  });

  it("a run that fails while writing leaves neither a report nor its temporary directory", async () => {
    const dir = tempDir();
    const out = path.join(dir, "run");
    // A report without results: predictions.csv is written, report.md then fails.
    const broken = { protocol: { name: "online" }, bundle: {}, params: {} } as unknown as EvalReport;
    await expect(writeRunDirectory(out, broken, files, { plots: false })).rejects.toThrow();
    expect(fs.readdirSync(dir)).toEqual([]);
  });
});
