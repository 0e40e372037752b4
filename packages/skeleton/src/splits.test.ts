import fs from "node:fs";
import { ValueError } from "@skeleton-cache/errors";
import { dataPath, itWithData } from "@skeleton-cache/test-support";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  candidateClasses,
  candidateIndex,
  candidateNames,
  classCatalog,
  getSplit,
  listSplits,
  validateSplit,
  type ZeroShotSplit,
} from "./index.js";

const readData = (rel: string) => JSON.parse(fs.readFileSync(dataPath(rel), "utf8"));

describe("shipped splits", () => {
  it("lists 22 splits, the four standard ones first with validation splits", () => {
    const ids = listSplits().map((s) => s.id);
    expect(ids).toHaveLength(22);
    expect(ids.slice(0, 4)).toEqual(["ntu60_55_5", "ntu60_48_12", "ntu120_110_10", "ntu120_96_24"]);
    for (const id of ids.slice(0, 4)) expect(getSplit(id).validation).toBeDefined();
    expect(new Set(ids).size).toBe(ids.length);
  });

  it("every split is disjoint, inside its catalog and covers it", () => {
    for (const split of listSplits()) {
      expect(() => validateSplit(split)).not.toThrow();
      const size = classCatalog(split.dataset).names.length;
      expect(split.seen.length + split.unseen.length).toBe(size);
      expect(split.source.length).toBeGreaterThan(5);
    }
  });

  itWithData(["reference/splits.json"], "the four standard splits equal the authors' splits.json", () => {
    const reference = readData("reference/splits.json").splits;
    for (const [id, entry] of Object.entries<{ seen: number[]; unseen: number[]; validation: unknown }>(
      reference,
    )) {
      const split = getSplit(id);
      expect(split.seen).toEqual(entry.seen);
      expect(split.unseen).toEqual(entry.unseen);
      expect(split.validation).toEqual(entry.validation);
    }
  });

  itWithData(["real/zsl_splits.json"], "the other NTU / PKU-MMD splits equal zsl_splits.json", () => {
    const zsl = readData("real/zsl_splits.json");
    for (const [id, entry] of Object.entries<{ unseen_0based: number[] }>(zsl)) {
      if (id.startsWith("_")) continue;
      expect([...getSplit(id).unseen].sort((a, b) => a - b)).toEqual(entry.unseen_0based);
    }
    expect(getSplit("pku51_39_12_star").dataset).toBe("pku-mmd");
  });

  itWithData(["real/utd_mhad_splits.json"], "the UTD-MHAD splits equal utd_mhad_splits.json", () => {
    const utd = readData("real/utd_mhad_splits.json");
    for (const [id, entry] of Object.entries<{ seen: number[]; unseen: number[] }>(utd)) {
      expect(getSplit(id).seen).toEqual(entry.seen);
      expect(getSplit(id).unseen).toEqual(entry.unseen);
      expect(getSplit(id).dataset).toBe("utd-mhad");
    }
  });

  it("refuses an unknown split id, listing the known ones", () => {
    expect(() => getSplit("ntu60_50_10")).toThrow(ValueError);
    expect(() => getSplit("ntu60_50_10")).toThrow(/ntu60_55_5, ntu60_48_12/);
  });
});

describe("candidateIndex", () => {
  it("ranks the sorted unseen ids (SPEC §1 example)", () => {
    const map = candidateIndex("ntu60_55_5");
    expect([...map.entries()]).toEqual([
      [10, 0],
      [11, 1],
      [19, 2],
      [26, 3],
      [56, 4],
    ]);
    expect(candidateNames("ntu60_55_5")).toEqual([
      "reading",
      "writing",
      "put on hat or cap",
      "jump up",
      "touch pocket",
    ]);
  });

  it("GZSL candidates are every class, index = class id for a full split", () => {
    for (const split of listSplits()) {
      const map = candidateIndex(split, "gzsl");
      expect(map.size).toBe(classCatalog(split.dataset).names.length);
      for (const [classId, index] of map) expect(index).toBe(classId);
    }
  });

  it("validation modes use the validation lists; missing validation is refused", () => {
    const split = getSplit("ntu60_55_5");
    expect(candidateClasses(split, "validation-zsl")).toEqual([16, 21, 25, 31, 48]);
    expect(candidateIndex(split, "validation-gzsl").size).toBe(55);
    expect(() => candidateIndex("utd_mhad_22_5", "validation-zsl")).toThrow(ValueError);
  });

  it("is a bijection onto 0..U-1 that preserves order, for any valid split", () => {
    fc.assert(
      fc.property(
        fc.uniqueArray(fc.integer({ min: 0, max: 119 }), { minLength: 1, maxLength: 40 }),
        (unseen) => {
          const seen = Array.from({ length: 120 }, (_, i) => i).filter((i) => !unseen.includes(i));
          const split: ZeroShotSplit = { id: "prop", dataset: "ntu120", seen, unseen, source: "test" };
          validateSplit(split);
          const map = candidateIndex(split);
          const sorted = [...unseen].sort((a, b) => a - b);
          for (const [rank, classId] of sorted.entries()) expect(map.get(classId)).toBe(rank);
          expect(map.size).toBe(unseen.length);
        },
      ),
      { numRuns: 50 },
    );
  });

  it("validateSplit rejects overlap, duplicates and out-of-catalog ids", () => {
    const base = { id: "bad", dataset: "ntu60" as const, source: "test" };
    expect(() => validateSplit({ ...base, seen: [0, 1], unseen: [1, 2] })).toThrow(/both seen and unseen/);
    expect(() => validateSplit({ ...base, seen: [0], unseen: [60] })).toThrow(/outside the catalog/);
    expect(() => validateSplit({ ...base, seen: [0, 0], unseen: [3] })).toThrow(/twice/);
    expect(() => validateSplit({ ...base, seen: [0], unseen: [] })).toThrow(/empty/);
    expect(() =>
      validateSplit({ ...base, seen: [0, 1], unseen: [2], validation: { seen: [0], unseen: [2] } }),
    ).toThrow(/not a seen class/);
  });
});
