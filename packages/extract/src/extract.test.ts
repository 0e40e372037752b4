/** `extractBundle` with the tiny ST-GCN ONNX fixture over the raw NTU samples of the research data (real/ntu). */
import fs from "node:fs";
import path from "node:path";
import { readBundleDescriptors } from "@skeleton-cache/bundle";
import { writeSyntheticNtu } from "@skeleton-cache/datasets";
import { exitCodeOf, InterruptedError, ValueError } from "@skeleton-cache/errors";
import { dataPath, filesOf, itWithData, tempDir } from "@skeleton-cache/test-support";
import { describe, expect, it } from "vitest";
import { type ExtractProgress, extractBundle } from "./extract.js";
import { MODEL, ONNX, rejection } from "./test-support/run.js";

const NTU = dataPath("real/ntu");

describe("extractBundle", () => {
  itWithData(
    ["real/ntu"],
    "writes a descriptors-only GZSL bundle of the split's samples that the bundle reader reads",
    async () => {
      const dir = tempDir();
      const out = path.join(dir, "ntu-gzsl.npz");
      const result = await extractBundle(
        {
          model: MODEL,
          data: NTU,
          split: "ntu60_55_5",
          candidates: "gzsl",
          descriptorsOnly: true,
          out,
        },
        ONNX,
      );
      expect(result.state).toBe("new");
      const data = readBundleDescriptors(out);
      expect(data.kind).toBe("descriptors");
      expect(data.classIds!.length).toBe(60);
      expect(data.meta!.synthetic).toBe(false);
      // A001 drink water, A003, A011 reading, A017, A034, A058 → class ids = action − 1, all candidates of the GZSL set.
      const names = data.meta!.sampleNames as string[];
      expect(Array.from(data.labels)).toEqual(names.map((name) => Number(name.slice(-3)) - 1));
      expect(data.logits.shape[0]).toBe(6);
    },
  );

  it("a split of another dataset, or no candidates, is bad input", async () => {
    const NTU = tempDir("skc-ntu-"); // the options are checked before any file is read
    const out = path.join(tempDir(), "b");
    const none = await rejection(extractBundle({ model: MODEL, data: NTU, out }, ONNX));
    expect(none).toBeInstanceOf(ValueError);
    expect(exitCodeOf(none)).toBe(2);
    expect(none.message).toContain("--split");
    const other = await rejection(
      extractBundle({ model: MODEL, data: NTU, split: "ntu120_110_10", out }, ONNX),
    );
    expect(exitCodeOf(other)).toBe(2);
    expect(other.message).toContain("ntu120");
    expect(fs.existsSync(out)).toBe(false);
  });

  it("reports progress per chunk; an abort keeps the finished chunks, and the same extraction resumes them into the bytes of a clean run", async () => {
    const root = tempDir("skc-abort-");
    const data = path.join(root, "ntu");
    writeSyntheticNtu(data, { count: 10, actions: [1, 2] });
    const options = { model: MODEL, data, classes: [0, 1], chunkSize: 3, workers: 0 };
    const out = path.join(root, "bundle");
    const controller = new AbortController();
    const seen: ExtractProgress[] = [];
    const onProgress = (progress: ExtractProgress) => {
      seen.push(progress);
      if (progress.chunksDone === 2) controller.abort();
    };
    const error = await rejection(
      extractBundle({ ...options, out }, { ...ONNX, onProgress, signal: controller.signal }),
    );
    expect(error).toBeInstanceOf(InterruptedError);
    expect(exitCodeOf(error)).toBe(130);
    expect(error.message).toBe(
      `interrupted: 2 of 4 chunks (6 of 10 samples) are kept in ${out}; rerun the same command to continue`,
    );
    expect(seen.map((p) => [p.done, p.chunksDone])).toEqual([
      [0, 0],
      [3, 1],
      [6, 2],
    ]);
    for (const p of seen) expect(p).toMatchObject({ total: 10, kept: 0, chunks: 4, keptChunks: 0 });

    const resumed: ExtractProgress[] = [];
    const result = await extractBundle({ ...options, out }, { ...ONNX, onProgress: (p) => resumed.push(p) });
    expect(result).toMatchObject({ state: "resumed", keptChunks: 2, chunks: 4, numSamples: 10 });
    expect(resumed.map((p) => [p.done, p.kept, p.chunksDone, p.keptChunks])).toEqual([
      [6, 6, 2, 2],
      [9, 6, 3, 2],
      [10, 6, 4, 2],
    ]);
    const clean = path.join(root, "clean");
    await extractBundle({ ...options, out: clean, workers: 2 }, ONNX);
    expect(filesOf(out)).toEqual(filesOf(clean));
    const again = await extractBundle({ ...options, out }, { ...ONNX, onProgress: (p) => resumed.push(p) });
    expect(again.state).toBe("finished");
    expect(resumed).toHaveLength(3);
  });
});
