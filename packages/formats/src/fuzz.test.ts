import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { FormatError } from "@skeleton-cache/errors";
import { shapeSize } from "@skeleton-cache/tensor";
import { dataPath, itWithData, parityDir } from "@skeleton-cache/test-support";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  encodeNpy,
  encodeSafetensors,
  NUMPY_PICKLE_GLOBALS,
  parseNpy,
  parseNpz,
  parsePickle,
  parseSafetensors,
  parseTorch,
} from "./index.js";
import type { NpyArray } from "./npy.js";

const FIXTURES = fileURLToPath(new URL("../fixtures/", import.meta.url));

/** A mutation of a real file: truncation, bit flips, or bytes overwritten (e.g. counts in headers). */
const mutation = (length: number) =>
  fc.oneof(
    fc.record({ kind: fc.constant("truncate" as const), at: fc.integer({ min: 0, max: length - 1 }) }),
    fc.record({
      kind: fc.constant("flip" as const),
      flips: fc.array(fc.tuple(fc.integer({ min: 0, max: length - 1 }), fc.integer({ min: 0, max: 7 })), {
        minLength: 1,
        maxLength: 4,
      }),
    }),
    fc.record({
      kind: fc.constant("overwrite" as const),
      at: fc.integer({ min: 0, max: Math.min(length - 1, 256) }),
      bytes: fc.uint8Array({ minLength: 1, maxLength: 8 }),
    }),
  );

type Mutation =
  | { kind: "truncate"; at: number }
  | { kind: "flip"; flips: [number, number][] }
  | { kind: "overwrite"; at: number; bytes: Uint8Array };

function mutate(original: Uint8Array, m: Mutation): Uint8Array {
  if (m.kind === "truncate") return original.slice(0, m.at);
  const out = Uint8Array.from(original);
  if (m.kind === "flip") for (const [at, bit] of m.flips) out[at] = out[at]! ^ (1 << bit);
  else out.set(m.bytes.subarray(0, out.length - m.at), m.at);
  return out;
}

/** Runs `parse` on mutated copies: it may succeed (then `check` the result) or throw a FormatError naming `file`. */
function fuzz<T>(
  original: Uint8Array,
  file: string,
  parse: (bytes: Uint8Array) => T,
  check: (value: T) => void,
): void {
  fc.assert(
    fc.property(mutation(original.length), (m) => {
      const bytes = mutate(original, m as Mutation);
      let value: T;
      try {
        value = parse(bytes);
      } catch (error) {
        if (!(error instanceof FormatError)) throw error;
        expect(error.message).toContain(file);
        expect(error.details.file ?? "").toContain(file);
        return;
      }
      check(value);
    }),
    { numRuns: 300, seed: 20251126 },
  );
}

describe("fuzz: mutated real files give a FormatError or a consistent value, never another exception", () => {
  it(".npy", () => {
    for (const name of ["f4.npy", "i8.npy", "U5.npy", "f4_fortran.npy", "f4_v2.npy"]) {
      fuzz(
        fs.readFileSync(path.join(FIXTURES, name)),
        name,
        (b) => parseNpy(b, name),
        (array) => {
          // Never wrong-length data: values fill the shape exactly.
          const count = shapeSize(array.shape);
          expect(array.strings ? array.strings.length : array.data.length).toBe(count);
        },
      );
    }
  });

  it(".npz (stored and deflated)", () => {
    for (const name of ["stored.npz", "deflated.npz"]) {
      fuzz(
        fs.readFileSync(path.join(FIXTURES, name)),
        name,
        (b) => parseNpz(b, name),
        (arrays) => {
          for (const array of arrays.values())
            expect(array.strings ? array.strings.length : array.data.length).toBe(shapeSize(array.shape));
        },
      );
    }
  });

  const fuzzPickle = (file: string) => {
    const name = path.basename(file);
    fuzz(
      fs.readFileSync(file),
      name,
      (b) => parsePickle(b, { file: name, globals: NUMPY_PICKLE_GLOBALS }),
      (value) => expectWellFormed(value),
    );
  };

  it("pickle (plain values of protocols 0, 2, 5, numpy arrays)", () => {
    for (const name of ["plain_p0.pkl", "plain_p2.pkl", "plain_p5.pkl", "numpy_p2.pkl"])
      fuzzPickle(path.join(FIXTURES, name));
  });

  itWithData(["real/ntu/stgcn_label_6samples.pkl"], "pickle (an ST-GCN label file)", () => {
    fuzzPickle(dataPath("real/ntu/stgcn_label_6samples.pkl"));
  });

  it("safetensors", () => {
    const original = encodeSafetensors(
      {
        a: parseNpy(encodeNpy(Float32Array.of(1, 2, 3, 4), [2, 2])),
        b: parseNpy(encodeNpy(Int32Array.of(5), [1])),
      },
      { meta: "{}" },
    );
    fuzz(
      original,
      "x.safetensors",
      (b) => parseSafetensors(b, "x.safetensors"),
      (st) => {
        for (const array of st.tensors.values()) expect(array.data.length).toBe(shapeSize(array.shape));
      },
    );
  });

  it("PyTorch .pt (the authors' encoder outputs)", () => {
    const original = fs.readFileSync(path.join(parityDir("u12-t13"), "encoder_outputs.pt"));
    // Mutate only the archive's head, its pickle and its directory (the float data itself carries no structure).
    const pickleStart = original.indexOf(Buffer.from("data.pkl")) + 8;
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: pickleStart + 800 }),
        fc.integer({ min: 0, max: 7 }),
        fc.boolean(),
        (at, bit, tail) => {
          const bytes = Uint8Array.from(original);
          const position = tail ? original.length - 1 - (at % 400) : at;
          bytes[position] = bytes[position]! ^ (1 << bit);
          try {
            expectWellFormed(parseTorch(bytes, { file: "e.pt" }));
          } catch (error) {
            if (!(error instanceof FormatError)) throw error;
            expect(error.message).toContain("e.pt");
          }
        },
      ),
      { numRuns: 25, seed: 7 },
    );
  });
});

/**
 * What a parse that succeeded must give: only the value types the readers
 * build (never undefined or a function), and arrays whose data fill their shape.
 */
function expectWellFormed(value: unknown, depth = 0): void {
  expect(depth).toBeLessThan(200);
  if (value === null || typeof value === "boolean" || typeof value === "string" || typeof value === "bigint")
    return;
  if (typeof value === "number") return;
  if (value instanceof Uint8Array) return;
  if (Array.isArray(value)) {
    for (const item of value) expectWellFormed(item, depth + 1);
    return;
  }
  if (value instanceof Map) {
    for (const [k, v] of value) {
      expectWellFormed(k, depth + 1);
      expectWellFormed(v, depth + 1);
    }
    return;
  }
  if (value instanceof Set) {
    for (const item of value) expectWellFormed(item, depth + 1);
    return;
  }
  expect(typeof value).toBe("object");
  const record = value as Record<string, unknown>;
  if ("shape" in record && "dtype" in record && "data" in record) {
    const array = record as unknown as NpyArray;
    expect(array.strings ? array.strings.length : array.data.length).toBe(shapeSize(array.shape));
    return;
  }
  for (const item of Object.values(record)) expectWellFormed(item, depth + 1);
}
