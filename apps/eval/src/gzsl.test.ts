/** GZSL on a synthetic bundle with seen + unseen candidates: S, U, H recomputed by hand. */
import fs from "node:fs";
import path from "node:path";
import { readNpy, toFloat32, toIntArray } from "@skeleton-cache/formats";
import type { EvalReport } from "@skeleton-cache/report";
import { tempDir } from "@skeleton-cache/test-support";
import { describe, expect, it } from "vitest";
import { writeSyntheticBundle } from "../scripts/demo-files.js";
import { main } from "./cli.js";
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

/**
 * Skeleton-Cache's online loop by hand (SPEC §3–6, no hedge): per sample, affinities
 * exp(−β(1 − cos)) summed per block for each slot, weighted by the uniform prior's Eq. 9
 * weights (γ = 0.5), φ = φ̂ + α·s; then insertion into the predicted block by entropy.
 */
function onlineByHand(logits: Float32Array, descriptors: Float32Array, N: number, U: number): Float64Array {
  const alpha = 1;
  const beta = 5;
  const K = 8;
  const C = descriptors.length / (N * 8);
  const gamma = 0.5;
  const raw = [...Array(4).fill((1 - gamma) / 4), ...Array(3).fill((1 - gamma) / 3), gamma];
  const total = raw.reduce((a, b) => a + b, 0);
  const weights = raw.map((w) => w / total);
  const slot = (i: number, d: number) =>
    Array.from(descriptors.subarray((i * 8 + d) * C, (i * 8 + d + 1) * C));
  const cos = (a: number[], b: number[]) =>
    a.reduce((s, x, k) => s + x * b[k]!, 0) /
    (Math.max(Math.hypot(...a), 1e-8) * Math.max(Math.hypot(...b), 1e-8));
  const blocks: { sample: number; entropy: number }[][] = Array.from({ length: U }, () => []);
  const out = new Float64Array(N * U);
  for (let i = 0; i < N; i++) {
    const refined = Array.from(logits.subarray(i * U, (i + 1) * U), (base, u) => {
      let s = 0;
      for (let d = 0; d < 8; d++)
        for (const entry of blocks[u]!)
          s += weights[d]! * Math.exp(-beta * (1 - cos(slot(i, d), slot(entry.sample, d))));
      return base + alpha * s;
    });
    out.set(refined, i * U);
    const max = Math.max(...refined);
    const exp = refined.map((v) => Math.exp(v - max));
    const sum = exp.reduce((a, b) => a + b, 0);
    const entropy = -exp.reduce((h, e) => h + (e / sum) * Math.log(Math.max(e / sum, 1e-12)), 0);
    const block = blocks[refined.indexOf(max)]!;
    if (block.length < K) block.push({ sample: i, entropy });
    else {
      let worst = 0;
      for (let j = 1; j < K; j++) if (block[j]!.entropy > block[worst]!.entropy) worst = j;
      if (entropy < block[worst]!.entropy) block[worst] = { sample: i, entropy };
    }
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
    // ... and independently: the online loop written out here from SPEC §3–6 (plain arrays, float64;
    // uniform prior γ = 0.5, the CLI's default α = 1, β = 5, K = 8; U = K, so no hedge), then
    // calibrated stacking on its refined logits.
    const descriptors = toFloat32(readNpy(path.join(bundle, "descriptors.npy")));
    const onlineLogits = onlineByHand(logits, descriptors, labels.length, U);
    const refinedByHand = calibratedArgmax(onlineLogits, U, labels.length, 0.3);
    let compared = 0;
    for (let i = 0; i < labels.length; i++) {
      // skip samples whose top two calibrated scores are within float32 rounding of each other
      const scores = Array.from(
        onlineLogits.subarray(i * U, (i + 1) * U),
        (v, u) => v - (SEEN.has(CLASS_IDS[u]!) ? 0.3 : 0),
      );
      const sorted = [...scores].sort((a, b) => b - a);
      if (sorted[0]! - sorted[1]! < 1e-4) continue;
      compared++;
      expect(refined[i]).toBe(refinedByHand[i]);
    }
    expect(compared).toBeGreaterThan(0.95 * labels.length);
    const cache = byHand(refined, labels);
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
