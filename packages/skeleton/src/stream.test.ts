import { ShapeError } from "@skeleton-cache/errors";
import { describe, expect, it } from "vitest";
import { STREAM_KINDS, streamClassNames, streamShape } from "./index.js";

const logits = { data: new Float32Array(3 * 2), shape: [3, 2] };

describe("the labelled stream", () => {
  it("has two kinds: F or the descriptors", () => {
    expect(STREAM_KINDS).toEqual(["features", "descriptors"]);
  });

  it("streamShape: N and U from the logits, C from the descriptors, else from F; neither is named", () => {
    expect(
      streamShape({ logits, descriptors: { data: new Float32Array(3 * 8 * 5), shape: [3, 8, 5] } }),
    ).toEqual({
      numSamples: 3,
      numClasses: 2,
      channels: 5,
    });
    const features = { data: new Float32Array(3 * 7 * 4 * 25), shape: [3, 7, 4, 25] };
    expect(streamShape({ logits, features }).channels).toBe(7);
    expect(() => streamShape({ logits })).toThrow(ShapeError);
    expect(() => streamShape({ logits })).toThrow(/needs descriptors \(N, 8, C\) or features/);
  });

  it("streamClassNames: the dataset's names where the stream gives class ids and a dataset with a catalog", () => {
    const classIds = Int32Array.of(0, 9);
    expect(streamClassNames({ logits, classIds, meta: { dataset: "ntu60" } })).toEqual([
      "drink water",
      "clapping",
    ]);
    expect(streamClassNames({ logits, meta: { dataset: "ntu60" } })).toEqual(["class 0", "class 1"]);
    expect(streamClassNames({ logits, classIds, meta: { dataset: "mine" } })).toEqual(["class 0", "class 1"]);
  });
});
