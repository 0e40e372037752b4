/** GZSL on a synthetic bundle with seen + unseen candidates: S, U, H recomputed by hand. */
import fs from "node:fs";
import path from "node:path";
import { readNpy, toFloat32, toIntArray } from "@skeleton-cache/formats";
import { uniformPrior } from "@skeleton-cache/prior";
import { tempDir } from "@skeleton-cache/test-support";
import { runOnline } from "@skeleton-cache/tta";
import { describe, expect, it } from "vitest";
import { main } from "./cli.js";
import { writeSyntheticBundle } from "./demo.js";
import type { EvalReport } from "./run.js";
import { captureIo } from "./test-support/io.js";

const CLASS_IDS = [3, 10, 11, 19, 26, 30, 40, 56];
const SEEN = new Set([3, 30, 40]);

function byHand(pred: ArrayLike<number>, labels: Int32Array) {
  let seenHits = 0;
  let seenCount = 0;
  let unseenHits = 0;
  let unseenCount = 0;
  for (let i = 0; i < labels.length; i++) {
    const isSeen = SEEN.has(CLASS_IDS[labels[i]!]!);
    if (isSeen) {
      seenCount++;
      if (pred[i] === labels[i]) seenHits++;
    } else {
      unseenCount++;
      if (pred[i] === labels[i]) unseenHits++;
    }
  }
  const S = (100 * seenHits) / seenCount;
  const U = (100 * unseenHits) / unseenCount;
  return { S, U, H: (2 * S * U) / (S + U) };
}

/** Calibrated stacking by hand: argmax over classes of score − c for seen classes (first on ties). */
function calibratedArgmax(
  scores: ArrayLike<number>,
  U: number,
  samples: number,
  calibration: number,
): Int32Array {
  const out = new Int32Array(samples);
  for (let i = 0; i < samples; i++) {
    let best = 0;
    let bestValue = Number.NEGATIVE_INFINITY;
    for (let u = 0; u < U; u++) {
      const v = scores[i * U + u]! - (SEEN.has(CLASS_IDS[u]!) ? calibration : 0);
      if (v > bestValue) {
        bestValue = v;
        best = u;
      }
    }
    out[i] = best;
  }
  return out;
}

describe("GZSL", () => {
  const dir = tempDir();
  const bundle = path.join(dir, "gzsl-bundle");
  writeSyntheticBundle(
    bundle,
    { seed: 11, samples: 160, classIds: CLASS_IDS, channels: 16 },
    { dataset: "ntu60" },
  );
  const labels = toIntArray(readNpy(path.join(bundle, "labels.npy")));
  const logits = toFloat32(readNpy(path.join(bundle, "logits.npy")));
  const U = CLASS_IDS.length;

  it("reports S, U, H at a given calibration that match a hand computation", async () => {
    const out = path.join(dir, "run-given");
    const capture = captureIo();
    const code = await main(
      [
        "eval",
        "--bundle",
        bundle,
        "--prior",
        "uniform",
        "--gzsl-seen",
        "3,30,40",
        "--calibration",
        "0.3",
        "--out",
        out,
        "--quiet",
        "--no-plots",
        "--no-ablations",
      ],
      capture.io,
    );
    expect(capture.stderr).toBe("");
    expect(code).toBe(0);
    const report = JSON.parse(fs.readFileSync(path.join(out, "report.json"), "utf8")) as EvalReport;
    const g = report.gzsl!;
    expect(g.seenIndices).toEqual([0, 5, 6]);
    // Backbone: calibrated stacking on the base logits, by hand.
    const basePred = calibratedArgmax(logits, U, labels.length, 0.3);
    const base = byHand(basePred, labels);
    expect(g.backbone.best.calibration).toBe(0.3);
    expect(g.backbone.best.seen).toBeCloseTo(base.S, 10);
    expect(g.backbone.best.unseen).toBeCloseTo(base.U, 10);
    expect(g.backbone.best.harmonic).toBeCloseTo(base.H, 10);
    // Skeleton-Cache: from the per-sample GZSL predictions in predictions.csv.
    const lines = fs.readFileSync(path.join(out, "predictions.csv"), "utf8").trim().split("\n");
    const header = lines[0]!.split(",");
    const col = header.indexOf("gzsl_refined_pred");
    const baseCol = header.indexOf("gzsl_baseline_pred");
    const refined = new Int32Array(labels.length);
    for (const line of lines.slice(1)) {
      const cells = line.split(",").map(Number);
      refined[cells[0]!] = cells[col]!;
      expect(cells[baseCol]).toBe(basePred[cells[0]!]);
    }
    // ... and independently: the online pass run here (tta, uniform prior, the CLI's default α = 1,
    // β = 5, K = 8) with calibrated stacking on its refined logits, by hand.
    const descriptors = readNpy(path.join(bundle, "descriptors.npy"));
    const online = runOnline(
      {
        logits: { data: logits, shape: [labels.length, U] },
        descriptors: { data: toFloat32(descriptors), shape: descriptors.shape },
      },
      { prior: uniformPrior(U, 0.5), alpha: 1, beta: 5, capacity: 8, hedge: "auto" },
    );
    const refinedByHand = calibratedArgmax(online.refinedLogits, U, labels.length, 0.3);
    expect(Array.from(refined)).toEqual(Array.from(refinedByHand));
    const cache = byHand(refinedByHand, labels);
    expect(g.cache.best.seen).toBeCloseTo(cache.S, 10);
    expect(g.cache.best.unseen).toBeCloseTo(cache.U, 10);
    expect(g.cache.best.harmonic).toBeCloseTo(cache.H, 10);
    const md = fs.readFileSync(path.join(out, "report.md"), "utf8");
    expect(md).toContain(
      `| backbone (best H) | 0.30 | ${base.S.toFixed(2)} | ${base.U.toFixed(2)} | ${base.H.toFixed(2)} |`,
    );
  });

  it("sweeps the calibration when none is given; the best H is the largest of the sweep", async () => {
    const out = path.join(dir, "run-sweep");
    const capture = captureIo();
    const code = await main(
      [
        "eval",
        "--bundle",
        bundle,
        "--prior",
        "uniform",
        "--gzsl-seen",
        "3,30,40",
        "--calibration-sweep",
        "0:1:5",
        "--out",
        out,
        "--quiet",
        "--no-plots",
        "--no-ablations",
      ],
      capture.io,
    );
    expect(code).toBe(0);
    const g = (JSON.parse(fs.readFileSync(path.join(out, "report.json"), "utf8")) as EvalReport).gzsl!;
    expect(g.mode).toBe("sweep");
    expect(g.backbone.points.map((p) => p.calibration)).toEqual([0, 0.25, 0.5, 0.75, 1]);
    expect(g.backbone.best.harmonic).toBe(Math.max(...g.backbone.points.map((p) => p.harmonic)));
  });

  it("a seen id outside the candidates is bad input", async () => {
    const capture = captureIo();
    const code = await main(
      [
        "eval",
        "--bundle",
        bundle,
        "--prior",
        "uniform",
        "--gzsl-seen",
        "3,59",
        "--out",
        path.join(dir, "x"),
        "--quiet",
      ],
      capture.io,
    );
    expect(code).toBe(2);
    expect(capture.stderr).toContain("class id 59");
  });
});
