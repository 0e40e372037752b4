import fs from "node:fs";
import path from "node:path";
import { FormatError, ValueError } from "@skeleton-cache/errors";
import { readNpy, toFloat32 } from "@skeleton-cache/formats";
import { classCatalog } from "@skeleton-cache/skeleton";
import { dataPath, itWithData } from "@skeleton-cache/test-support";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { BENCH_DIR } from "./paths.js";
import { centreAndNormalise, classSemantics, DESCRIPTION_FIELDS, type TextEmbedder } from "./semantics.js";

const PURLS = "real/purls_part_descriptions.json";
/** PURLS's UTD-MHAD records (research data). */
const purls = () =>
  (JSON.parse(fs.readFileSync(dataPath(PURLS), "utf8")) as Record<string, Record<string, string>[]>)[
    "UTD-MHAD"
  ]!;
/** Records shaped as PURLS's, one per UTD-MHAD class, each field naming its class and body part. */
const generated = () =>
  classCatalog("utd-mhad").names.map((name) =>
    Object.fromEntries(DESCRIPTION_FIELDS.map((field) => [field, `${field} during ${name}`])),
  );

/** A toy embedder: letter counts of the words longer than two letters (26-d). */
const letters: TextEmbedder = (text) => {
  const v = new Float64Array(26);
  let words = 0;
  for (const word of text.toLowerCase().match(/[a-z]{3,}/g) ?? []) {
    for (const ch of word) v[ch.charCodeAt(0) - 97]! += 1;
    words++;
  }
  return words > 0 ? v : null;
};

describe("centreAndNormalise", () => {
  it("gives unit rows, unchanged by a shift shared by every row", () => {
    fc.assert(
      fc.property(
        fc.array(fc.float({ min: -10, max: 10, noNaN: true }), { minLength: 12, maxLength: 12 }),
        fc.array(fc.float({ min: -5, max: 5, noNaN: true }), { minLength: 4, maxLength: 4 }),
        (values, shift) => {
          const rows = 3;
          const dim = 4;
          const m = Float64Array.from(values);
          m[0] = 20; // keep the rows apart so no centred row vanishes
          m[dim + 1] = -20;
          const shifted = m.map((v, i) => v + shift[i % dim]!);
          const a = centreAndNormalise(Float64Array.from(m), rows, dim);
          const b = centreAndNormalise(shifted, rows, dim);
          for (let row = 0; row < rows; row++) {
            let norm = 0;
            for (let d = 0; d < dim; d++) norm += a[row * dim + d]! ** 2;
            expect(norm).toBeCloseTo(1, 9);
          }
          for (let i = 0; i < a.length; i++) expect(a[i]).toBeCloseTo(b[i]!, 6);
        },
      ),
      { numRuns: 50 },
    );
  });

  it("rejects a row equal to the class mean", () => {
    expect(() => centreAndNormalise(Float64Array.from([1, 2, 1, 2]), 2, 2)).toThrow(ValueError);
  });
});

describe("classSemantics", () => {
  it("averages the eight description fields and centres over the 27 classes", () => {
    const s = classSemantics(letters, 26, generated());
    expect(s.names.length).toBe(27 * 26);
    expect(s.descriptions.length).toBe(27 * 26);
    expect(s.descriptions).not.toEqual(s.names);
    const again = classSemantics(letters, 26, generated());
    expect(again.descriptions).toEqual(s.descriptions);
  });

  itWithData([PURLS], "reads every field of PURLS's 27 UTD-MHAD records", () => {
    const s = classSemantics(letters, 26, purls());
    expect(s.descriptions.length).toBe(27 * 26);
    expect(s.descriptions.every(Number.isFinite)).toBe(true);
  });

  it("names the class and field of a missing description", () => {
    const broken = generated().map((entry) => ({ ...entry }));
    delete broken[3]![DESCRIPTION_FIELDS[2]];
    expect(() => classSemantics(letters, 26, broken)).toThrow(/UTD-MHAD\[3\]\.Hands/);
    expect(() => classSemantics(letters, 26, broken.slice(1))).toThrow(FormatError);
  });
});

describe("committed semantics", () => {
  for (const kind of ["names", "descriptions"]) {
    it(`${kind}.npy is (27, 100) float32 with unit, distinct rows`, () => {
      const array = readNpy(path.join(BENCH_DIR, "semantics", `${kind}.npy`));
      expect(array.dtype).toBe("f4");
      expect(array.shape).toEqual([classCatalog("utd-mhad").names.length, 100]);
      const data = toFloat32(array);
      for (let row = 0; row < 27; row++) {
        let norm = 0;
        for (let d = 0; d < 100; d++) norm += data[row * 100 + d]! ** 2;
        expect(Math.sqrt(norm)).toBeCloseTo(1, 5);
      }
      expect(data.slice(0, 100)).not.toEqual(data.slice(100, 200));
    });
  }
});
