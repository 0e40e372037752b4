import { FormatError, ValueError } from "@skeleton-cache/errors";
import { cosine, seededRandom } from "@skeleton-cache/tensor";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { SkeletonCache } from "./index.js";

const D = 8;

function randomKey(seed: number, channels: number): Float32Array {
  const random = seededRandom(seed);
  const key = new Float32Array(D * channels);
  for (let i = 0; i < key.length; i++) key[i] = random.normal();
  return key;
}

describe("insertion (Eq. 5)", () => {
  it("appends until K, then replaces the largest entropy only when strictly smaller", () => {
    const cache = new SkeletonCache({ numClasses: 2, K: 3, numSlots: D, channels: 4 });
    const key = randomKey(1, 4);
    expect(cache.insert({ block: 1, key, entropy: 0.9, id: 10 })).toEqual({
      inserted: true,
      position: 0,
      replacedId: null,
    });
    cache.insert({ block: 1, key, entropy: 0.5, id: 11 });
    cache.insert({ block: 1, key, entropy: 0.9, id: 12 });
    expect(cache.block(1)).toEqual({ ids: [10, 11, 12], entropies: [0.9, 0.5, 0.9] });
    // equal entropy to the worst: dropped
    expect(cache.insert({ block: 1, key, entropy: 0.9, id: 13 }).inserted).toBe(false);
    // smaller: replaces the FIRST of the tied worst entries (position 0)
    expect(cache.insert({ block: 1, key, entropy: 0.7, id: 14 })).toEqual({
      inserted: true,
      position: 0,
      replacedId: 10,
    });
    expect(cache.block(1).ids).toEqual([14, 11, 12]);
    // next worst is position 2 (0.9)
    expect(cache.insert({ block: 1, key, entropy: 0.1, id: 15 })).toEqual({
      inserted: true,
      position: 2,
      replacedId: 12,
    });
    expect(cache.block(1)).toEqual({ ids: [14, 11, 15], entropies: [0.7, 0.5, 0.1] });
    expect(cache.occupancies()).toEqual([0, 3]);
  });

  it("a block never exceeds K and keeps exactly the K lowest entropies offered to it (property)", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 6 }),
        fc.array(fc.tuple(fc.integer({ min: 0, max: 2 }), fc.double({ min: 0, max: 3, noNaN: true })), {
          maxLength: 60,
        }),
        (K, offers) => {
          const cache = new SkeletonCache({ numClasses: 3, K, numSlots: D, channels: 2 });
          const key = new Float32Array(D * 2).fill(1);
          offers.forEach(([block, h], id) => {
            cache.insert({ block, key, entropy: h, id });
          });
          for (let block = 0; block < 3; block++) {
            const offered = offers.filter(([b]) => b === block).map(([, h]) => h);
            expect(cache.occupancy(block)).toBe(Math.min(K, offered.length));
            // the kept entropies are the K lowest offered (as a multiset: ties may keep either entry) ...
            const { ids, entropies: kept } = cache.block(block);
            const ascending = (values: number[]) => [...values].sort((a, b) => a - b);
            expect(ascending(kept)).toEqual(ascending(offered).slice(0, K));
            // ... each held by an entry that was offered to this block with that entropy
            ids.forEach((id, position) => {
              expect(offers[id]).toEqual([block, kept[position]]);
            });
          }
        },
      ),
    );
  });

  it("refuses a NaN entropy and a block outside 0..U-1", () => {
    const cache = new SkeletonCache({ numClasses: 2, K: 2, numSlots: D, channels: 2 });
    const key = new Float32Array(D * 2);
    expect(() => cache.insert({ block: 0, key, entropy: Number.NaN, id: 1 })).toThrow(
      /entropy of entry 1 is NaN/,
    );
    expect(() => cache.insert({ block: 2, key, entropy: 0.1, id: 1 })).toThrow(/block 2 is outside 0\.\.1/);
    expect(() => new SkeletonCache({ numClasses: 0, K: 2, numSlots: D, channels: 2 })).toThrow(ValueError);
  });
});

describe("retrieval (Eq. 6–8)", () => {
  it("an empty cache retrieves zeros (property)", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 10 }),
        fc.integer({ min: 1, max: 16 }),
        fc.double({ min: 0, max: 20 }),
        (U, C, beta) => {
          const cache = new SkeletonCache({ numClasses: U, K: 4, numSlots: D, channels: C });
          const out = cache.retrieve({ query: randomKey(3, C), beta });
          expect(out.length).toBe(D * U);
          expect(out.every((v) => v === 0)).toBe(true);
        },
      ),
    );
  });

  it("sums exp(-β(1 - cos)) per block, slot by slot, against a direct computation", () => {
    const C = 6;
    const U = 3;
    const beta = 5;
    const cache = new SkeletonCache({ numClasses: U, K: 4, numSlots: D, channels: C });
    const stored: { block: number; key: Float32Array }[] = [];
    for (let i = 0; i < 9; i++) {
      const block = i % U;
      const key = randomKey(100 + i, C);
      cache.insert({ block, key, entropy: 0.5, id: i });
      stored.push({ block, key });
    }
    const query = randomKey(7, C);
    const out = cache.retrieve({ query, beta });
    for (let slot = 0; slot < D; slot++) {
      for (let block = 0; block < U; block++) {
        let expected = 0;
        for (const entry of stored.filter((s) => s.block === block)) {
          const cos = cosine(query, entry.key, C, slot * C, slot * C);
          expected += Math.exp(-beta * (1 - cos));
        }
        expect(out[slot * U + block]).toBeCloseTo(expected, 5);
      }
    }
  });

  it("a query equal to a cached key scores exp(0) = 1 from it", () => {
    const cache = new SkeletonCache({ numClasses: 1, K: 1, numSlots: D, channels: 5 });
    const key = randomKey(9, 5);
    cache.insert({ block: 0, key, entropy: 0.2, id: 0 });
    const out = cache.retrieve({ query: key, beta: 9 });
    // float32 keys: cos is 1 to about 1e-7, so exp(−9·(1 − cos)) is 1 to about 1e-6
    for (const v of out) expect(v).toBeCloseTo(1, 5);
  });

  it("reads queries and keys at an offset", () => {
    const cache = new SkeletonCache({ numClasses: 2, K: 2, numSlots: D, channels: 3 });
    const batch = new Float32Array(3 * D * 3);
    const random = seededRandom(5);
    for (let i = 0; i < batch.length; i++) batch[i] = random.normal();
    cache.insert({ block: 1, key: batch, keyOffset: D * 3, entropy: 0.1, id: 1 });
    const direct = cache.retrieve({ query: batch.slice(D * 3, 2 * D * 3), beta: 3 });
    const offset = cache.retrieve({ query: batch, queryOffset: D * 3, beta: 3 });
    expect(Array.from(offset)).toEqual(Array.from(direct));
  });
});

describe("kernels", () => {
  it("the WebAssembly SIMD and plain-loop kernels agree, for channel counts off the 16-float stride too", () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 40 }), fc.integer({ min: 1, max: 1000 }), (C, seed) => {
        const wasm = new SkeletonCache({
          numClasses: 3,
          K: 2,
          numSlots: D,
          channels: C,
          kernel: "wasm",
        });
        const js = new SkeletonCache({ numClasses: 3, K: 2, numSlots: D, channels: C, kernel: "js" });
        expect(wasm.kernel).toBe("wasm");
        expect(js.kernel).toBe("js");
        for (let i = 0; i < 5; i++) {
          const key = randomKey(seed + i, C);
          wasm.insert({ block: i % 3, key, entropy: 0.1 * i, id: i });
          js.insert({ block: i % 3, key, entropy: 0.1 * i, id: i });
        }
        const query = randomKey(seed + 99, C);
        const a = wasm.retrieve({ query, beta: 7 });
        const b = js.retrieve({ query, beta: 7 });
        for (let i = 0; i < a.length; i++) expect(a[i]).toBeCloseTo(b[i]!, 5);
        expect(wasm.toBytes()).toEqual(js.toBytes());
      }),
      { numRuns: 30 },
    );
  });
});

describe("serialised caches", () => {
  function filled(): SkeletonCache {
    const cache = new SkeletonCache({ numClasses: 3, K: 2, numSlots: D, channels: 4 });
    for (let i = 0; i < 7; i++)
      cache.insert({ block: i % 3, key: randomKey(i, 4), entropy: 1 / (i + 1), id: i });
    return cache;
  }

  it("a round trip (toBytes → fromBytes) gives the same members, entropies, keys and retrieval", () => {
    const cache = filled();
    const again = SkeletonCache.fromBytes(cache.toBytes(), "cache.skc");
    for (let block = 0; block < 3; block++) expect(again.block(block)).toEqual(cache.block(block));
    expect(Array.from(again.key(0, 1))).toEqual(Array.from(cache.key(0, 1)));
    const query = randomKey(42, 4);
    expect(Array.from(again.retrieve({ query, beta: 5 }))).toEqual(
      Array.from(cache.retrieve({ query, beta: 5 })),
    );
    expect(again.toBytes()).toEqual(cache.toBytes());
  });

  it("truncated or corrupted serialised caches give FormatError naming the file", () => {
    const bytes = filled().toBytes();
    fc.assert(
      fc.property(fc.integer({ min: 0, max: bytes.length - 1 }), (cut) => {
        expect(() => SkeletonCache.fromBytes(bytes.subarray(0, cut), "snap.skc")).toThrow(FormatError);
      }),
      { numRuns: 50 },
    );
    const corrupted = bytes.slice();
    corrupted[10] = 0x7b; // breaks the JSON header
    expect(() => SkeletonCache.fromBytes(corrupted, "snap.skc")).toThrow(/snap\.skc/);
  });

  it("reports its memory: U·K·D·C float32 keys plus bookkeeping", () => {
    const cache = new SkeletonCache({ numClasses: 24, K: 8, numSlots: 8, channels: 256 });
    expect(cache.byteLength).toBe(24 * 8 * 8 * 256 * 4 + 24 * 8 * 16 + 24 * 4);
  });
});
