import fs from "node:fs";
import path from "node:path";
import { writeSyntheticNtu } from "@skeleton-cache/datasets";
import { tempDir } from "@skeleton-cache/test-support";
import { describe, expect, it } from "vitest";
import { readRawSequences } from "./raw-sequences.js";

describe("readRawSequences (the raw files behind a bundle's samples)", () => {
  it("reads the requested samples through meta.sampleNames / data / dataset, and names each unreadable file", () => {
    const dir = tempDir();
    const names = writeSyntheticNtu(dir, { count: 4, actions: [1, 2], frames: 12 });
    fs.writeFileSync(path.join(dir, `${names[3]}.skeleton`), "not a skeleton file\n");
    const meta = { sampleNames: names, data: dir, dataset: "ntu60" };
    const read = readRawSequences(meta, { numSamples: 4, samples: [2, 0, 2, 3] });
    expect(read.found).toBe(true);
    if (!read.found) return;
    expect(read.source).toBe(dir);
    expect(read.layout.id).toBe("ntu25");
    expect(read.sequences.map((s) => [s.sample, s.name])).toEqual([
      [2, names[2]],
      [0, names[0]],
    ]);
    for (const s of read.sequences) expect(s.joints.length).toBe(s.shape.reduce((a, b) => a * b, 1));
    expect(read.failures).toHaveLength(1);
    expect(read.failures[0]).toMatch(new RegExp(`^${names[3]}: `));
  });

  it("says why there are no sequences: no names, a count that does not match, no folder, an unknown dataset", () => {
    const dir = tempDir();
    expect(readRawSequences({}, { numSamples: 1, samples: [0] })).toMatchObject({
      found: false,
      reason: expect.stringContaining("meta.sampleNames"),
    });
    expect(readRawSequences({ sampleNames: ["a", "b"] }, { numSamples: 3, samples: [0] })).toMatchObject({
      found: false,
      reason: "meta.sampleNames lists 2 names for 3 samples.",
    });
    const gone = path.join(dir, "moved");
    expect(
      readRawSequences({ sampleNames: ["a"], data: gone }, { numSamples: 1, samples: [0] }),
    ).toMatchObject({
      found: false,
      reason: expect.stringContaining(`the raw skeleton folder ${gone} does not exist`),
    });
    expect(
      readRawSequences({ sampleNames: ["a"], data: dir, dataset: "mine" }, { numSamples: 1, samples: [0] }),
    ).toMatchObject({ found: false, reason: expect.stringContaining('meta.dataset is "mine"') });
  });
});
