import fs from "node:fs";
import { FormatError, ValueError } from "@skeleton-cache/errors";
import { dataPath, itWithData } from "@skeleton-cache/test-support";
import fc from "fast-check";
import { describe, expect } from "vitest";
import { PkuMmdDataset, parsePkuLabels, parsePkuSkeleton, parsePkuSplitFile, pkuMmdSplit } from "./index.js";

const PKU_DIR = `${dataPath("real/pku-mmd")}/`;

describe("PKU-MMD", () => {
  itWithData(
    ["real/pku-mmd"],
    "parses a skeleton file: one frame per line, 2 bodies × 25 joints × xyz",
    () => {
      const text = fs.readFileSync(`${PKU_DIR}0005-L.txt`, "latin1");
      const skel = parsePkuSkeleton(text, "0005-L.txt");
      expect(skel.frames).toBe(1494);
      const firstLine = text.slice(0, text.indexOf("\n")).trim().split(/\s+/).map(Number);
      expect(Array.from(skel.joints.subarray(0, 150))).toEqual(firstLine.map(Math.fround));
    },
  );

  itWithData(["real/pku-mmd"], "lists labelled clips and loads one", () => {
    const ds = new PkuMmdDataset(PKU_DIR);
    const clips = ds.list();
    const labels = parsePkuLabels(fs.readFileSync(`${PKU_DIR}labels/0005-L.txt`, "utf8"));
    expect(clips.filter((c) => c.name.startsWith("0005-L#"))).toHaveLength(labels.length);
    expect(new Set(clips.map((c) => c.name.slice(0, 6)))).toEqual(
      new Set(["0005-L", "0005-M", "0005-R", "0206-R", "0310-R"]),
    );
    const clip = ds.load("0005-L#0");
    expect(clip).toMatchObject({ action: 26, label: 25, camera: 1, dataset: "pku-mmd", layout: "ntu25" });
    expect(clip.shape).toEqual([293 - 229, 2, 25, 3]);
    const video = parsePkuSkeleton(fs.readFileSync(`${PKU_DIR}0005-L.txt`, "latin1"));
    expect(clip.joints).toEqual(video.joints.subarray(229 * 150, 293 * 150));
    expect(() => ds.load("0005-L#999")).toThrow(ValueError);
    const confident = new PkuMmdDataset(PKU_DIR, { minConfidence: 1 });
    expect(confident.list().length).toBeLessThan(clips.length);
  });

  itWithData(["real/pku-mmd"], "ships the official cross-subject / cross-view splits", () => {
    for (const benchmark of ["cross-subject", "cross-view"] as const) {
      const split = pkuMmdSplit(benchmark);
      const parsed = parsePkuSplitFile(fs.readFileSync(`${PKU_DIR}${benchmark}.txt`, "utf8"));
      expect(split).toEqual(parsed);
      expect(split.train.length + split.test.length).toBe(1076);
      expect(new Set([...split.train, ...split.test]).size).toBe(1076);
    }
    expect(pkuMmdSplit("cross-view").test).toContain("0005-M");
    const test = new PkuMmdDataset(PKU_DIR, { benchmark: "cross-view", part: "test" });
    expect(new Set(test.list().map((c) => c.name.slice(0, 6)))).toEqual(new Set(["0005-M"]));
    expect(() => pkuMmdSplit("cross-set" as never)).toThrow(ValueError);
  });

  itWithData(["real/pku-mmd"], "labels: every shipped label file parses; errors name the line", () => {
    let count = 0;
    const skipped: string[] = [];
    for (const file of fs.readdirSync(`${PKU_DIR}labels`))
      count += parsePkuLabels(fs.readFileSync(`${PKU_DIR}labels/${file}`, "utf8"), file, (_l, m) =>
        skipped.push(m),
      ).length;
    expect(count).toBe(21544);
    expect(skipped).toEqual(["0043-L.txt: line 21: end 4036 is not after start 4925"]);
    expect(() =>
      parsePkuLabels(fs.readFileSync(`${PKU_DIR}labels/0043-L.txt`, "utf8"), "0043-L.txt"),
    ).toThrow(/0043-L\.txt: line 21/);
    expect(() => parsePkuLabels("1,2,3,1\n52,1,5,1\n", "l.txt")).toThrow(/l\.txt: line 2: action 52/);
    expect(() => parsePkuLabels("1,9,3,1\n", "l.txt")).toThrow(/end 3 is not after start 9/);
    expect(() => parsePkuLabels("1,2,x,1\n", "l.txt")).toThrow(FormatError);
  });

  itWithData(
    ["real/pku-mmd"],
    "fuzz: mutated files give a FormatError naming file and line, or finite data",
    () => {
      const text = fs.readFileSync(`${PKU_DIR}0310-R.txt`, "latin1").split("\n").slice(0, 30).join("\n");
      const labels = fs.readFileSync(`${PKU_DIR}labels/0310-R.txt`, "latin1");
      const mutation = fc.record({
        which: fc.constantFrom("skeleton", "labels"),
        kind: fc.constantFrom("truncate", "flip", "drop-token"),
        at: fc.nat(),
        bit: fc.nat(7),
      });
      fc.assert(
        fc.property(mutation, (m) => {
          const base = m.which === "skeleton" ? text : labels;
          const at = m.at % base.length;
          let mutated = base;
          if (m.kind === "truncate") mutated = base.slice(0, at);
          else if (m.kind === "flip")
            mutated =
              base.slice(0, at) +
              String.fromCharCode(base.charCodeAt(at) ^ (1 << m.bit)) +
              base.slice(at + 1);
          else mutated = base.slice(0, at) + base.slice(base.indexOf(" ", at) + 1 || base.length);
          try {
            if (m.which === "skeleton")
              expect(parsePkuSkeleton(mutated, "fuzz.txt").joints.every(Number.isFinite)).toBe(true);
            else for (const l of parsePkuLabels(mutated, "fuzz.txt")) expect(l.end).toBeGreaterThan(l.start);
          } catch (error) {
            expect(error).toBeInstanceOf(FormatError);
            expect((error as FormatError).details.file).toBe("fuzz.txt");
            expect(String((error as FormatError).details.position)).toMatch(/^line \d+$/);
          }
        }),
        { numRuns: 300 },
      );
    },
  );
});
