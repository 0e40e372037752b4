/**
 * The encode step in a chain a user writes: raw NTU `.skeleton` files →
 * datasets preprocessing (`prepareChunk`) → the ONNX ST-GCN (`encodeChunk`,
 * then `encodeSamples` for the labelled chunks) → a test-time method.
 */
import fs from "node:fs";
import { createBackbone } from "@skeleton-cache/backbone";
import { NtuSkeletonDataset, resolvePreprocessing } from "@skeleton-cache/datasets";
import { uniformPrior } from "@skeleton-cache/prior";
import type { Tensor } from "@skeleton-cache/tensor";
import { dataPath, itWithData } from "@skeleton-cache/test-support";
import { createMethod, onlinePass, SkeletonCacheMethod } from "@skeleton-cache/tta";
import { describe, expect } from "vitest";
import "@skeleton-cache/backbone-onnx"; // registers the "onnx" adapter
import { encodeChunk, encodeSamples, prepareChunk } from "./encode.js";
import { MODEL } from "./test-support/run.js";

const NTU = dataPath("real/ntu");

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
      const dataset = new NtuSkeletonDataset(NTU, { dataset: "ntu60" });
      const infos = dataset.list();
      expect(infos.map((info) => `${info.name}.skeleton`)).toEqual(files);
      const labelIds = infos.map((info) => info.label!);
      const candidateClasses = [...new Set(labelIds)].sort((a, b) => a - b);
      expect(candidateClasses).toEqual([0, 2, 10, 16, 33, 57]);
      const preprocessing = resolvePreprocessing({
        frames: 64,
        bodies: 2,
        temporal: "resample",
        center: "first-frame",
      });
      const names = infos.map((info) => info.name);
      const prepared = prepareChunk(dataset, names, preprocessing);
      expect(prepared.count).toBe(6);
      expect(prepared.sampleShape).toEqual([3, 64, 25, 2]);

      const backbone = await createBackbone<Tensor>("onnx", {
        model: MODEL,
        candidateClasses,
        batchSize: 4,
        threads: 1,
      });
      let featureShape: readonly number[] = [];
      let encoded: Awaited<ReturnType<typeof encodeChunk>>;
      const streamed: number[] = [];
      try {
        encoded = await encodeChunk(backbone, prepared, { kind: "features", layout: dataset.layout.id });
        featureShape = encoded.sampleShape;
        // The labelled chunks of the encode step: the same logits, chunk by chunk, with the labels u.
        for await (const chunk of encodeSamples(
          backbone,
          { dataset, samples: infos },
          {
            preprocessing,
            kind: "features",
            chunkSize: 4,
          },
        )) {
          streamed.push(...chunk.logits);
          expect(Array.from(chunk.labels)).toEqual(
            labelIds
              .slice(chunk.offset, chunk.offset + chunk.count)
              .map((id) => candidateClasses.indexOf(id)),
          );
        }
      } finally {
        await backbone.close();
      }
      expect(streamed).toEqual(Array.from(encoded.logits));
      const featureRows = encoded.values;
      expect(featureShape).toEqual([64, 16, 25]);
      const logits = { data: encoded.logits, shape: [6, 6] };
      const features = { data: featureRows, shape: [6, ...featureShape] };
      for (const v of logits.data) expect(Number.isFinite(v)).toBe(true);

      // The two-body sample (A058) really has a second person: its slot-1 input is not all zeros.
      const a058 = files.findIndex((f) => f.includes("A058"));
      const per = prepared.data.length / prepared.count;
      const second = prepared.data.subarray(a058 * per, (a058 + 1) * per).filter((_, i) => i % 2 === 1);
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
