import { describe, expect, it } from "vitest";
import { generateSynthetic } from "./synthetic.js";

describe("synthetic generator", () => {
  it("is deterministic and seed-dependent", () => {
    const options = { seed: 7, samples: 40, classIds: [1, 4, 9], channels: 8 };
    const a = generateSynthetic(options);
    const b = generateSynthetic(options);
    expect(Buffer.from(a.descriptors!.data.buffer).equals(Buffer.from(b.descriptors!.data.buffer))).toBe(
      true,
    );
    expect(Array.from(a.labels)).toEqual(Array.from(b.labels));
    const c = generateSynthetic({ ...options, seed: 8 });
    expect(Buffer.from(a.logits.data.buffer).equals(Buffer.from(c.logits.data.buffer))).toBe(false);
    // balanced classes
    const counts = [0, 0, 0];
    for (const label of a.labels) counts[label]!++;
    expect(counts.sort()).toEqual([13, 13, 14]);
  });

  it("makes a labelled stream of descriptors that says it is synthetic", () => {
    const stream = generateSynthetic({ seed: 3, samples: 12, classIds: [2, 5], channels: 4 });
    expect(stream.kind).toBe("descriptors");
    expect(stream.logits.shape).toEqual([12, 2]);
    expect(stream.descriptors!.shape).toEqual([12, 8, 4]);
    expect(Array.from(stream.classIds!)).toEqual([2, 5]);
    expect(stream.meta).toMatchObject({ synthetic: true, generator: { seed: 3, noise: 1.1 } });
  });

  it("rejects bad options", () => {
    expect(() => generateSynthetic({ seed: 1, samples: 0, classIds: [0, 1], channels: 4 })).toThrow(
      /samples/,
    );
    expect(() => generateSynthetic({ seed: 1, samples: 4, classIds: [3, 1], channels: 4 })).toThrow(
      /ascending/,
    );
  });
});
