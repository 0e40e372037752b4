import path from "node:path";
import { writeBundleDir } from "@skeleton-cache/bundle";
import { ValueError } from "@skeleton-cache/errors";
import { readNpy, toFloat32, toIntArray } from "@skeleton-cache/formats";
import { parityDir, tempDir } from "@skeleton-cache/test-support";
import { describe, expect, it } from "vitest";
import { createBackbone, listBackbones, type PrecomputedBackbone } from "./index.js";

const PARITY = parityDir("u12-t13");
const tmp = tempDir("skc-precomputed-");

describe("precomputed adapter", () => {
  it("is registered and streams a bundle's logits and features in order", async () => {
    expect(listBackbones()).toContain("precomputed");
    const backbone = (await createBackbone<number>("precomputed", {
      bundle: PARITY,
      batchSize: 50,
    })) as PrecomputedBackbone;
    try {
      const logits = toFloat32(readNpy(path.join(PARITY, "logits.npy")));
      const features = toFloat32(readNpy(path.join(PARITY, "features.npy")));
      expect(backbone.numSamples).toBe(180);
      expect(backbone.candidateClasses).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11]);
      expect(Array.from(backbone.labels)).toEqual(
        Array.from(toIntArray(readNpy(path.join(PARITY, "labels.npy")))),
      );
      const indices = Array.from({ length: 180 }, (_, i) => i);
      const counts: number[] = [];
      const volume = 32 * 13 * 25;
      for await (const batch of backbone.encodeAll(indices)) {
        counts.push(batch.count);
        expect(batch.features.shape).toEqual([batch.count, 32, 13, 25]);
        expect(Array.from(batch.logits.data)).toEqual(
          Array.from(logits.subarray(batch.offset * 12, (batch.offset + batch.count) * 12)),
        );
        const n = batch.count - 1;
        expect(Array.from(batch.features.data.subarray(n * volume, n * volume + 40))).toEqual(
          Array.from(features.subarray((batch.offset + n) * volume, (batch.offset + n) * volume + 40)),
        );
      }
      expect(counts).toEqual([50, 50, 50, 30]);
    } finally {
      await backbone.close();
    }
    await expect(backbone.encode([0])).rejects.toThrow(/is closed/);
  });

  it("keeps a subset of candidate classes and re-indexes the labels", async () => {
    const backbone = (await createBackbone<number>("precomputed", {
      bundle: PARITY,
      candidateClasses: [1, 4, 8],
    })) as PrecomputedBackbone;
    try {
      const logits = toFloat32(readNpy(path.join(PARITY, "logits.npy")));
      const out = await backbone.encode([3, 0]);
      expect(Array.from(out.logits.data)).toEqual([
        logits[3 * 12 + 1],
        logits[3 * 12 + 4],
        logits[3 * 12 + 8],
        logits[1],
        logits[4],
        logits[8],
      ]);
      // Sample 0 is class 4 → index 1; sample 1 is class 1 → index 0; class 11 was dropped → -1.
      expect([backbone.labels[0], backbone.labels[1], backbone.labels[5]]).toEqual([1, 0, -1]);
      await expect(backbone.encode([180])).rejects.toThrow(/sample 180 is out of range/);
    } finally {
      await backbone.close();
    }
    await expect(
      createBackbone("precomputed", { bundle: PARITY, candidateClasses: [1, 12] }),
    ).rejects.toThrow(/candidate class 12 \(position 1\) is not among the bundle's class ids/);
  });

  it("refuses a descriptor bundle and bad options", async () => {
    const dir = path.join(tmp, "descriptors");
    writeBundleDir(dir, {
      kind: "descriptors",
      logits: { data: new Float32Array(2 * 3), shape: [2, 3] },
      descriptors: { data: new Float32Array(2 * 8 * 4), shape: [2, 8, 4] },
      labels: Int32Array.from([0, 2]),
      classIds: Int32Array.from([3, 5, 9]),
      meta: {},
    });
    await expect(createBackbone("precomputed", { bundle: dir })).rejects.toThrow(
      /holds descriptors \(N, 8, C\)/,
    );
    await expect(createBackbone("precomputed", { bundle: dir, batchSize: -1 })).rejects.toThrow(ValueError);
    await expect(createBackbone("precomputed", { path: dir })).rejects.toThrow(
      /backbone "precomputed" config: field "bundle" is missing/,
    );
  });
});
