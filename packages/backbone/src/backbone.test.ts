import { ShapeError, ValueError } from "@skeleton-cache/errors";
import type { Tensor } from "@skeleton-cache/tensor";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  allClasses,
  assertBackboneOutput,
  assertBatchSize,
  type Backbone,
  type BackboneOutput,
  batchesOf,
  checkCandidateClasses,
  encodeDataset,
} from "./index.js";

/** A toy backbone over scalar samples: logits (N, U) = sample·(u+1), features (N, 1, 1, 1) = sample. */
function toyBackbone(batchSize: number, calls: number[][]): Backbone<number> {
  const candidateClasses = [2, 5, 7];
  const backbone: Backbone<number> = {
    name: "toy",
    candidateClasses,
    batchSize,
    async encode(batch: readonly number[]): Promise<BackboneOutput> {
      calls.push([...batch]);
      const logits = new Float32Array(batch.length * candidateClasses.length);
      for (let n = 0; n < batch.length; n++)
        for (let u = 0; u < candidateClasses.length; u++)
          logits[n * candidateClasses.length + u] = batch[n]! * (u + 1);
      return {
        logits: { data: logits, shape: [batch.length, candidateClasses.length] },
        features: { data: Float32Array.from(batch), shape: [batch.length, 1, 1, 1] },
      };
    },
    encodeAll(samples) {
      return encodeDataset(backbone, samples);
    },
    async close() {},
  };
  return backbone;
}

async function collect<T>(it: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const x of it) out.push(x);
  return out;
}

describe("batchesOf", () => {
  it("keeps order and sizes for sync and async sources", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.integer(), { maxLength: 40 }),
        fc.integer({ min: 1, max: 9 }),
        async (items, size) => {
          async function* source() {
            yield* items;
          }
          for (const batches of [
            await collect(batchesOf(items, size)),
            await collect(batchesOf(source(), size)),
          ]) {
            expect(batches.flat()).toEqual(items);
            for (let b = 0; b < batches.length; b++) {
              if (b < batches.length - 1) expect(batches[b]).toHaveLength(size);
              else expect(batches[b]!.length).toBeGreaterThan(0);
            }
            expect(batches.length).toBe(Math.ceil(items.length / size));
          }
        },
      ),
      { numRuns: 60 },
    );
  });

  it("rejects a bad size", async () => {
    await expect(collect(batchesOf([1], 0))).rejects.toThrow(ValueError);
    expect(() => assertBatchSize(2.5)).toThrow(/batchSize is 2.5/);
  });
});

describe("encodeDataset", () => {
  it("encodes a stream in batches with offsets", async () => {
    const calls: number[][] = [];
    const backbone = toyBackbone(4, calls);
    const batches = await collect(backbone.encodeAll([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]));
    expect(calls).toEqual([
      [1, 2, 3, 4],
      [5, 6, 7, 8],
      [9, 10],
    ]);
    expect(batches.map((b) => [b.offset, b.count])).toEqual([
      [0, 4],
      [4, 4],
      [8, 2],
    ]);
    expect(Array.from(batches[2]!.logits.data)).toEqual([9, 18, 27, 10, 20, 30]);
    expect(batches[2]!.features.shape).toEqual([2, 1, 1, 1]);
  });

  it("rejects an adapter whose output does not fit the batch", async () => {
    const backbone = toyBackbone(2, []);
    const broken: Backbone<number> = {
      ...backbone,
      async encode(batch) {
        const out = await backbone.encode(batch);
        return { ...out, logits: { data: out.logits.data.subarray(3), shape: [batch.length - 1, 3] } };
      },
    };
    await expect(collect(encodeDataset(broken, [1, 2]))).rejects.toThrow(
      /backbone "toy": logits have shape \(1, 3\), expected \(2, 3\)/,
    );
  });
});

describe("assertBackboneOutput", () => {
  const t = (shape: number[]): Tensor => ({
    data: new Float32Array(shape.reduce((a, b) => a * b, 1)),
    shape,
  });
  it("accepts (N, U) and (N, C, T, V)", () => {
    expect(() =>
      assertBackboneOutput({ logits: t([2, 3]), features: t([2, 4, 5, 6]) }, 2, 3, "x"),
    ).not.toThrow();
  });
  it("names a feature volume without a joint axis", () => {
    expect(() => assertBackboneOutput({ logits: t([2, 3]), features: t([2, 4, 5]) }, 2, 3, "x")).toThrow(
      ShapeError,
    );
    expect(() => assertBackboneOutput({ logits: t([2, 3]), features: t([2, 4, 5]) }, 2, 3, "x")).toThrow(
      /features have shape \(2, 4, 5\), expected \(2, C, T, V\)/,
    );
  });
});

describe("checkCandidateClasses", () => {
  it("accepts strictly ascending ids", () => {
    expect(checkCandidateClasses([0, 3, 9], 10)).toEqual([0, 3, 9]);
    expect(allClasses(3)).toEqual([0, 1, 2]);
  });
  it("names the bad position and value", () => {
    expect(() => checkCandidateClasses([])).toThrow(/empty/);
    expect(() => checkCandidateClasses([1, 1])).toThrow(/candidateClasses\[1\] is 1 after 1/);
    expect(() => checkCandidateClasses([3, 2])).toThrow(ValueError);
    expect(() => checkCandidateClasses([0, -1])).toThrow(/candidateClasses\[1\] is -1/);
    expect(() => checkCandidateClasses([0, 60], 60)).toThrow(
      /candidateClasses\[1\] is 60; the model has 60 classes/,
    );
  });
});
