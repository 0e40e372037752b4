import fs from "node:fs";
import path from "node:path";
import { createBackbone } from "@skeleton-cache/backbone";
import { loadNtuSkeleton, preprocessSequence } from "@skeleton-cache/datasets";
import { uniformPrior } from "@skeleton-cache/prior";
import type { Tensor } from "@skeleton-cache/tensor";
import { dataPath, itWithData, repoPath } from "@skeleton-cache/test-support";
import { createMethod, onlinePass, SkeletonCacheMethod } from "@skeleton-cache/tta";
import { describe, expect } from "vitest";
import "@skeleton-cache/backbone-onnx"; // registers the "onnx" adapter

const NTU = dataPath("real/ntu");
const MODEL = repoPath("packages/backbone-onnx/fixtures/stgcn-tiny/model.onnx");

describe("end to end: NTU .skeleton → datasets preprocessing → ONNX ST-GCN → test-time method", () => {
  itWithData(
    ["real/ntu"],
    "runs the whole chain on the six real NTU samples with shapes that line up",
    async () => {
      const files = fs
        .readdirSync(NTU)
        .filter((f) => f.endsWith(".skeleton"))
        .sort();
      expect(files).toHaveLength(6);
      const sequences = files.map((f) => loadNtuSkeleton(path.join(NTU, f), "ntu60"));
      const labelIds = sequences.map((s) => s.label!);
      const candidateClasses = [...new Set(labelIds)].sort((a, b) => a - b);
      expect(candidateClasses).toEqual([0, 2, 10, 16, 33, 57]);
      const samples: Tensor[] = sequences.map((seq) =>
        preprocessSequence(seq, { frames: 64, bodies: 2, temporal: "resample", center: "first-frame" }),
      );
      for (const s of samples) expect(s.shape).toEqual([3, 64, 25, 2]);

      const backbone = await createBackbone<Tensor>("onnx", {
        model: MODEL,
        candidateClasses,
        batchSize: 4,
        threads: 1,
      });
      const logitRows: number[] = [];
      const featureRows: number[] = [];
      let featureShape: readonly number[] = [];
      try {
        for await (const batch of backbone.encodeAll(samples)) {
          logitRows.push(...batch.logits.data);
          featureRows.push(...batch.features.data);
          featureShape = batch.features.shape.slice(1);
        }
      } finally {
        await backbone.close();
      }
      expect(featureShape).toEqual([64, 16, 25]);
      const logits = { data: Float32Array.from(logitRows), shape: [6, 6] };
      const features = { data: Float32Array.from(featureRows), shape: [6, ...featureShape] };
      for (const v of logits.data) expect(Number.isFinite(v)).toBe(true);

      // The two-body sample (A058) really has a second person: its slot-1 input is not all zeros.
      const a058 = files.findIndex((f) => f.includes("A058"));
      const second = samples[a058]!.data.filter((_, i) => i % 2 === 1);
      expect(second.some((v) => v !== 0)).toBe(true);

      const method = createMethod(
        "skeleton-cache",
        { numClasses: logits.shape[1]!, channels: features.shape[1]!, prior: uniformPrior(6) },
        { alpha: 1, beta: 5, K: 2 },
      );
      const run = onlinePass({ logits, features }, method);
      expect(run.numSamples).toBe(6);
      expect(run.numClasses).toBe(6);
      expect(run.method).toBeInstanceOf(SkeletonCacheMethod);
      expect(run.method.channels).toBe(64);
      for (let n = 0; n < 6; n++) {
        expect(run.refinedPred[n]).toBeGreaterThanOrEqual(0);
        expect(run.refinedPred[n]).toBeLessThan(6);
        // The first sample meets an empty cache: its refined prediction is the backbone's own.
        if (n === 0) expect(run.refinedPred[0]).toBe(run.baselinePred[0]);
        expect(Number.isFinite(run.entropy[n]!)).toBe(true);
      }
      expect(run.baselinePred[0]).toBe(argmaxRow(logits.data, 0, 6));
    },
  );
});

function argmaxRow(data: Float32Array, row: number, width: number): number {
  let best = 0;
  for (let u = 1; u < width; u++) if (data[row * width + u]! > data[row * width + best]!) best = u;
  return best;
}
