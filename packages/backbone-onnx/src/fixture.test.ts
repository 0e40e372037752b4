import { fileURLToPath } from "node:url";
import { createBackbone } from "@skeleton-cache/backbone";
import { readNpy, toFloat32 } from "@skeleton-cache/formats";
import type { Tensor } from "@skeleton-cache/tensor";
import { describe, expect, it } from "vitest";
import { loadOnnxBackbone, type OnnxBackbone } from "./index.js";

const FIXTURE = fileURLToPath(new URL("../fixtures/stgcn-tiny/", import.meta.url));
const TWO_STREAM = fileURLToPath(new URL("../fixtures/two-stream-tiny/", import.meta.url));

function npy(name: string, dir = FIXTURE): Tensor {
  const array = readNpy(`${dir}${name}`);
  return { data: toFloat32(array), shape: array.shape };
}

function maxAbsDiff(a: Tensor, b: Tensor): number {
  expect(a.shape).toEqual(b.shape);
  let worst = 0;
  for (let i = 0; i < a.data.length; i++) worst = Math.max(worst, Math.abs(a.data[i]! - b.data[i]!));
  return worst;
}

describe("committed ST-GCN fixture (exported from PyTorch by tooling/export)", () => {
  it("matches PyTorch's saved features and logits to 1e-4", async () => {
    const backbone = await loadOnnxBackbone({ model: `${FIXTURE}model.onnx`, threads: 1, batchSize: 3 });
    try {
      expect(backbone.config.features.persons).toBe("separate");
      expect(backbone.candidateClasses).toHaveLength(60);
      const x = npy("model.input.npy");
      expect(x.shape).toEqual([4, 3, 64, 25, 2]);
      const out = await backbone.run(x);
      const features = npy("model.features.npy");
      const logits = npy("model.logits.npy");
      expect(features.shape).toEqual([4, 64, 16, 25]);
      expect(maxAbsDiff(out.features, features)).toBeLessThanOrEqual(1e-4);
      expect(maxAbsDiff(out.logits, logits)).toBeLessThanOrEqual(1e-4);
      // The same through the batched iterator (batches of 3 then 1: dynamic batch).
      const rows: number[] = [];
      const samples = Array.from({ length: 4 }, (_, n) => ({
        data: x.data.subarray(n * 9600, (n + 1) * 9600),
        shape: [3, 64, 25, 2],
      }));
      for await (const batch of backbone.encodeAll(samples)) rows.push(...batch.logits.data);
      expect(maxAbsDiff({ data: Float32Array.from(rows), shape: [4, 60] }, logits)).toBeLessThanOrEqual(1e-4);
    } finally {
      await backbone.close();
    }
  });
});

describe("committed two-stream fixture: joint + bone streams derived inside forward (tooling/export/streams.py)", () => {
  it("takes (N, 3, T, V, M) and matches PyTorch's wrapped model to 1e-4", async () => {
    const backbone = (await createBackbone("onnx", {
      model: `${TWO_STREAM}model.onnx`,
      threads: 1,
    })) as OnnxBackbone;
    try {
      expect(backbone.model?.name).toBe("two-stream-tiny");
      expect(backbone.candidateClasses).toHaveLength(10);
      const x = npy("model.input.npy", TWO_STREAM);
      expect(x.shape).toEqual([3, 3, 32, 25, 2]);
      const out = await backbone.run(x);
      const features = npy("model.features.npy", TWO_STREAM);
      expect(features.shape).toEqual([3, 16, 16, 25]);
      expect(maxAbsDiff(out.features, features)).toBeLessThanOrEqual(1e-4);
      expect(maxAbsDiff(out.logits, npy("model.logits.npy", TWO_STREAM))).toBeLessThanOrEqual(1e-4);
    } finally {
      await backbone.close();
    }
  });
});
