import fs from "node:fs";
import path from "node:path";
import { NonFiniteError, ShapeError, ValueError } from "@skeleton-cache/errors";
import { encodeNpy, readNpy, toFloat32 } from "@skeleton-cache/formats";
import { cosine, dot, seededRandom } from "@skeleton-cache/tensor";
import { tempDir } from "@skeleton-cache/test-support";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { createZeroShotHead, loadClassEmbeddings, zeroShotLogits } from "./index.js";

const tmp = tempDir("skc-heads-");

function randomMatrix(rows: number, cols: number, seed: number): Float32Array {
  const random = seededRandom(seed);
  const out = new Float32Array(rows * cols);
  for (let i = 0; i < out.length; i++) out[i] = random.next() * 2 - 1;
  return out;
}

describe("zero-shot heads", () => {
  it("cosine / τ matches tensor.cosine per pair", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 4 }),
        fc.integer({ min: 1, max: 5 }),
        fc.integer({ min: 1, max: 8 }),
        fc.double({ min: 0.01, max: 2, noNaN: true }),
        fc.integer(),
        (n, u, d, tau, seed) => {
          const emb = randomMatrix(n, d, seed);
          const text = randomMatrix(u, d, seed + 1);
          const out = zeroShotLogits(
            { data: emb, shape: [n, d] },
            { data: text, shape: [u, d] },
            { metric: "cosine", temperature: tau },
          );
          expect(out.shape).toEqual([n, u]);
          for (let i = 0; i < n; i++)
            for (let k = 0; k < u; k++) {
              const want = cosine(emb.subarray(i * d, (i + 1) * d), text.subarray(k * d, (k + 1) * d)) / tau;
              expect(Math.abs(out.data[i * u + k]! - want)).toBeLessThanOrEqual(
                1e-4 * Math.max(1, Math.abs(want)),
              );
            }
        },
      ),
      { numRuns: 50 },
    );
  });

  it("dot matches tensor.dot and cosine ignores embedding scale", () => {
    const emb = randomMatrix(3, 6, 7);
    const text = randomMatrix(4, 6, 8);
    const dotOut = zeroShotLogits(
      { data: emb, shape: [3, 6] },
      { data: text, shape: [4, 6] },
      { metric: "dot" },
    );
    for (let i = 0; i < 3; i++)
      for (let k = 0; k < 4; k++)
        expect(dotOut.data[i * 4 + k]).toBeCloseTo(
          dot(emb.subarray(i * 6, i * 6 + 6), text.subarray(k * 6, k * 6 + 6)),
          5,
        );
    const head = createZeroShotHead({ data: text, shape: [4, 6] }, { metric: "cosine", temperature: 0.1 });
    const scaled = emb.map((x) => x * 37);
    const a = head.logits({ data: emb, shape: [3, 6] });
    const b = head.logits({ data: scaled, shape: [3, 6] });
    for (let i = 0; i < a.data.length; i++) expect(b.data[i]).toBeCloseTo(a.data[i]!, 4);
    expect(Math.max(...a.data)).toBeLessThanOrEqual(10 + 1e-4);
    expect([head.classes, head.dim, head.temperature, head.metric]).toEqual([4, 6, 0.1, "cosine"]);
  });

  it("clamps a zero embedding's norm instead of dividing by zero", () => {
    const out = zeroShotLogits(
      { data: new Float32Array(3), shape: [1, 3] },
      { data: Float32Array.from([1, 0, 0]), shape: [1, 3] },
      { metric: "cosine", temperature: 1 },
    );
    expect(out.data[0]).toBe(0);
  });

  it("rejects bad options and shapes with named errors", () => {
    const text = { data: randomMatrix(2, 3, 1), shape: [2, 3] };
    expect(() => createZeroShotHead(text, { metric: "cosine", temperature: 0 })).toThrow(/temperature is 0/);
    expect(() => createZeroShotHead(text, { metric: "l2" } as never)).toThrow(ValueError);
    expect(() => createZeroShotHead({ data: new Float32Array(3), shape: [3] }, { metric: "dot" })).toThrow(
      ShapeError,
    );
    const head = createZeroShotHead(text, { metric: "dot" });
    expect(() => head.logits({ data: new Float32Array(8), shape: [2, 4] }, "embedding")).toThrow(
      /embedding: dimension 1 is 4 but the class embeddings have D = 3/,
    );
    expect(() =>
      head.logits({ data: Float32Array.from([1, Number.NaN, 0]), shape: [1, 3] }, "embedding"),
    ).toThrow(NonFiniteError);
    expect(() =>
      head.logits({ data: Float32Array.from([1, Number.NaN, 0]), shape: [1, 3] }, "embedding"),
    ).toThrow(/embedding\[0, 1\] is NaN/);
  });
});

describe("loadClassEmbeddings", () => {
  it("reads (60, 1024) class text embeddings from a .npy and picks candidate rows", () => {
    // The shape of the BERT label embeddings SZAR models ship (ntu60_bert_labels.npy), seeded values.
    const BERT60 = path.join(tmp, "ntu60_bert_labels.npy");
    fs.writeFileSync(BERT60, encodeNpy(randomMatrix(60, 1024, 60), [60, 1024]));
    const all = loadClassEmbeddings(BERT60);
    expect(all.shape).toEqual([60, 1024]);
    const picked = loadClassEmbeddings(BERT60, [9, 10, 18, 25, 55]);
    expect(picked.shape).toEqual([5, 1024]);
    const raw = toFloat32(readNpy(BERT60));
    expect(Array.from(picked.data.subarray(1024 * 2, 1024 * 3))).toEqual(
      Array.from(raw.subarray(18 * 1024, 19 * 1024)),
    );
  });

  it("converts float64 and rejects bad files with the file name", () => {
    const f64 = path.join(tmp, "f64.npy");
    fs.writeFileSync(f64, encodeNpy(Float64Array.from([1, 2, 3, 4, 5, 6]), [3, 2]));
    const picked = loadClassEmbeddings(f64, [2]);
    expect(Array.from(picked.data)).toEqual([5, 6]);
    const flat = path.join(tmp, "flat.npy");
    fs.writeFileSync(flat, encodeNpy(Float32Array.from([1, 2]), [2]));
    expect(() => loadClassEmbeddings(flat)).toThrow(
      new RegExp(`${flat.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}: class embeddings must have 2 dimensions`),
    );
    expect(() => loadClassEmbeddings(f64, [3])).toThrow(/the model has 3 classes/);
    const nan = path.join(tmp, "nan.npy");
    fs.writeFileSync(nan, encodeNpy(Float32Array.from([1, Number.NaN]), [1, 2]));
    expect(() => loadClassEmbeddings(nan)).toThrow(NonFiniteError);
  });
});
