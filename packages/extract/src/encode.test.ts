/**
 * The encode step on its own: `encodeBundle` (the chunks of `encodeSamples`
 * joined in memory) gives the arrays `extractBundle` writes, byte for byte;
 * samples outside the candidate classes, no samples and a chunk size below 1
 * are bad input.
 */
import path from "node:path";
import { createBackbone } from "@skeleton-cache/backbone";
import "@skeleton-cache/backbone-onnx"; // registers "onnx"
import { readBundleDir } from "@skeleton-cache/bundle";
import { NtuSkeletonDataset, resolvePreprocessing, writeSyntheticNtu } from "@skeleton-cache/datasets";
import { exitCodeOf, ValueError } from "@skeleton-cache/errors";
import type { Tensor } from "@skeleton-cache/tensor";
import { tempDir } from "@skeleton-cache/test-support";
import { describe, expect, it } from "vitest";
import { candidateLabels, encodeBundle, encodeSamples } from "./encode.js";
import { extractBundle } from "./extract.js";
import { planSamples } from "./plan.js";
import { MODEL, ONNX, rejection } from "./test-support/run.js";

describe("the encode step", () => {
  it("encodeBundle gives the arrays extractBundle writes, for F and for descriptors", async () => {
    const root = tempDir("skc-encode-");
    const data = path.join(root, "ntu");
    writeSyntheticNtu(data, { count: 9, actions: [1, 2, 3] });
    const dataset = new NtuSkeletonDataset(data, { dataset: "ntu60" });
    const classes = [0, 1, 2];
    const backbone = await createBackbone<Tensor>("onnx", {
      model: MODEL,
      candidateClasses: classes,
      batchSize: 16,
    });
    try {
      // extractBundle's default sample order: the names sorted, then permutation(N, 0).
      const { samples, labels } = planSamples(dataset, classes, { order: { kind: "shuffled", seed: 0 } });
      const preprocessing = resolvePreprocessing(backbone.preprocessing);
      for (const kind of ["features", "descriptors"] as const) {
        const encoded = await encodeBundle(
          backbone,
          { dataset, samples },
          { preprocessing, kind, chunkSize: 4 },
        );
        const out = path.join(root, kind);
        await extractBundle(
          { model: MODEL, data, classes, descriptorsOnly: kind === "descriptors", workers: 0, out },
          ONNX,
        );
        const written = readBundleDir(out);
        expect(encoded.logits).toEqual(written.logits);
        expect(encoded[kind]).toEqual(written[kind]);
        expect(encoded.labels).toEqual(labels);
        expect(encoded.labels).toEqual(written.labels);
        expect(encoded.classIds).toEqual(written.classIds);
      }
    } finally {
      await backbone.close();
    }
  });

  it("a sample outside the candidate classes, no samples, or a chunk size below 1 is bad input", async () => {
    const root = tempDir("skc-encode-");
    const data = path.join(root, "ntu");
    writeSyntheticNtu(data, { count: 2, actions: [1, 5] });
    const dataset = new NtuSkeletonDataset(data, { dataset: "ntu60" });
    const samples = dataset.list();
    const outside = (() => {
      try {
        candidateLabels(samples, [0, 1]);
      } catch (error) {
        return error as ValueError;
      }
      return null;
    })();
    expect(outside).toBeInstanceOf(ValueError);
    expect(outside!.message).toBe(
      "sample S001C001P001R001A005: class 4 is not among the backbone's candidate classes 0, 1",
    );
    expect(outside!.details.file).toBe(path.join(data, "S001C001P001R001A005.skeleton"));
    const backbone = await createBackbone<Tensor>("onnx", { model: MODEL, candidateClasses: [0, 4] });
    try {
      const preprocessing = resolvePreprocessing(backbone.preprocessing);
      const none = await rejection(
        encodeBundle(backbone, { dataset, samples: [] }, { preprocessing, kind: "descriptors" }),
      );
      expect(exitCodeOf(none)).toBe(2);
      expect(none.message).toBe("no sample to encode");
      const chunks = encodeSamples(
        backbone,
        { dataset, samples },
        { preprocessing, kind: "features", chunkSize: 0 },
      );
      const zero = await rejection(chunks.next());
      expect(zero).toBeInstanceOf(ValueError);
      expect(zero.message).toBe("chunkSize is at least 1 sample");
    } finally {
      await backbone.close();
    }
  });
});
