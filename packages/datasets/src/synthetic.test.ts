/** Synthetic raw NTU files: read back by the NTU reader as written; bad counts, actions or lengths are refused. */
import fs from "node:fs";
import path from "node:path";
import { ValueError } from "@skeleton-cache/errors";
import { tempDir } from "@skeleton-cache/test-support";
import { describe, expect, it } from "vitest";
import { NtuSkeletonDataset } from "./ntu-skeleton.js";
import { syntheticNtuSkeletonText, writeSyntheticNtu } from "./synthetic.js";

describe("synthetic NTU files", () => {
  it("are read back by the NTU reader with the frames written", () => {
    const dir = tempDir("skc-ntu-synth-");
    const names = writeSyntheticNtu(dir, { count: 6, actions: [1, 2] });
    const dataset = new NtuSkeletonDataset(dir, { dataset: "ntu60" });
    expect(dataset.list().map((s) => s.name)).toEqual(names);
    expect(dataset.load(names[0]!).shape).toEqual([40, 1, 25, 3]);
    expect(dataset.list().map((s) => s.label)).toEqual([0, 1, 0, 1, 0, 1]);
    expect(syntheticNtuSkeletonText({ seed: 3, frames: 5 })).toBe(
      syntheticNtuSkeletonText({ seed: 3, frames: 5 }),
    );
    expect(syntheticNtuSkeletonText({ seed: 3, frames: 5 })).not.toBe(
      syntheticNtuSkeletonText({ seed: 4, frames: 5 }),
    );
  });

  it("no actions, an action outside 1…120, too few frames or a fractional count is refused", () => {
    const dir = path.join(tempDir("skc-ntu-synth-"), "out");
    for (const [options, field] of [
      [{ count: 2, actions: [] }, "actions"],
      [{ count: 2, actions: [121] }, "actions"],
      [{ count: 2, actions: [1], frames: 6 }, "frames"],
      [{ count: 1.5, actions: [1] }, "count"],
    ] as const) {
      const refused = (() => {
        try {
          writeSyntheticNtu(dir, options);
        } catch (error) {
          return error as ValueError;
        }
        return null;
      })();
      expect(refused).toBeInstanceOf(ValueError);
      expect(refused!.details.field).toBe(field);
    }
    expect(fs.existsSync(dir)).toBe(false);
  });
});
