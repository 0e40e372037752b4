import fs from "node:fs";
import path from "node:path";
import { publishedPriorPath } from "@skeleton-cache/prior";
import { dataPath, itWithData, tempDir } from "@skeleton-cache/test-support";
import { describe, expect, it } from "vitest";
import { loadClassNames, loadDescriptions, loadSplit, parseIdList, selectClasses } from "./classes.js";
import { writeClassFiles } from "./test-support/class-files.js";

const PURLS = "real/purls_part_descriptions.json";

describe("class lists, descriptions and splits", () => {
  it("reads a {<dataset>: names} catalog, a prior's class_names and a text list", () => {
    const files = writeClassFiles(tempDir("llm-classes-"));
    const ntu60 = loadClassNames(files.classNames, "ntu60");
    expect(ntu60).toHaveLength(60);
    expect(ntu60[10]).toBe("reading");
    const utd = loadClassNames(publishedPriorPath("utd-mhad"));
    expect(utd).toHaveLength(27);
    const text = path.join(tempDir("llm-classes-"), "names.txt");
    fs.writeFileSync(text, "# my classes\nwave\n\n  clap \n");
    expect(loadClassNames(text)).toEqual(["wave", "clap"]);
  });

  itWithData([PURLS], "reads the PURLS UTD-MHAD descriptions ({<dataset>: records})", () => {
    const utd = loadClassNames(publishedPriorPath("utd-mhad"));
    const descriptions = loadDescriptions(dataPath(PURLS), utd, "UTD-MHAD");
    expect(descriptions).toHaveLength(27);
    expect(descriptions[0]).toMatch(/^- head: .*\n- hands\/arms: /);
  });

  it("selects a split's candidates by rank, with their descriptions", () => {
    const files = writeClassFiles(tempDir("llm-classes-"));
    const split = loadSplit(files.splits, "ntu60_55_5");
    expect(split).toEqual({ id: "ntu60_55_5", dataset: "ntu60", candidates: [10, 11, 19, 26, 56] });
    const names = loadClassNames(files.classNames, "ntu60");
    const descriptions = loadDescriptions(files.descriptions60, names);
    const classes = selectClasses(names, { candidates: [56, 10, 11, 19, 26], descriptions });
    expect(classes.map((c) => [c.index, c.id, c.name])).toEqual([
      [0, 10, "reading"],
      [1, 11, "writing"],
      [2, 19, "put on hat or cap"],
      [3, 26, "jump up"],
      [4, 56, "touch pocket"],
    ]);
    expect(classes[0]!.description).toContain('- hands/arms: the hands/arms while "reading"');
    expect(loadSplit(files.splits, "ntu60_55_5/validation").candidates).toHaveLength(5);
  });

  it("names the bad id, option or file", () => {
    const files = writeClassFiles(tempDir("llm-classes-"));
    expect(() => parseIdList("3,x")).toThrow(/"x" is not a class id/);
    expect(() => selectClasses(["a", "b"], { candidates: [0, 2] })).toThrow(
      /candidate class id 2 is outside/,
    );
    expect(() => selectClasses(["a", "b"], { candidates: [1, 1] })).toThrow(/listed twice/);
    expect(() => loadDescriptions(files.descriptions60, ["a"])).toThrow(
      /has 60 descriptions but there are 1 dataset classes/,
    );
    expect(() => loadClassNames(files.classNames, "ntu90")).toThrow(
      /has no class list "ntu90"; it has ntu60, ntu120/,
    );
  });
});
