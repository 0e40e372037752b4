import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { loadClassNames, loadDescriptions, loadSplit, parseIdList, selectClasses } from "./classes.js";

const SHARED = process.env.SKC_SHARED ?? fileURLToPath(new URL("../../../../shared/", import.meta.url));
const DATA = path.join(SHARED, "data");

describe("class lists, descriptions and splits", () => {
  it("reads the NTU catalog, a text list and the PURLS UTD-MHAD descriptions", () => {
    const ntu60 = loadClassNames(path.join(DATA, "reference/class_names.json"), "ntu60");
    expect(ntu60).toHaveLength(60);
    const utd = loadClassNames(path.join(DATA, "priors/utd-mhad.json"));
    expect(utd).toHaveLength(27);
    const descriptions = loadDescriptions(
      path.join(DATA, "real/purls_part_descriptions.json"),
      utd,
      "UTD-MHAD",
    );
    expect(descriptions).toHaveLength(27);
    expect(descriptions[0]).toMatch(/^- head: .*\n- hands\/arms: /);
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "llm-classes-"));
    const text = path.join(dir, "names.txt");
    fs.writeFileSync(text, "# my classes\nwave\n\n  clap \n");
    expect(loadClassNames(text)).toEqual(["wave", "clap"]);
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it("selects a split's candidates by rank, with their descriptions", () => {
    const split = loadSplit(path.join(DATA, "reference/splits.json"), "ntu60_55_5");
    expect(split).toEqual({ id: "ntu60_55_5", dataset: "ntu60", candidates: [10, 11, 19, 26, 56] });
    const names = loadClassNames(path.join(DATA, "reference/class_names.json"), "ntu60");
    const descriptions = loadDescriptions(path.join(DATA, "reference/part_descriptions_ntu60.json"), names);
    const classes = selectClasses(names, { candidates: [56, 10, 11, 19, 26], descriptions });
    expect(classes.map((c) => [c.index, c.id, c.name])).toEqual([
      [0, 10, "reading"],
      [1, 11, "writing"],
      [2, 19, "put on hat or cap"],
      [3, 26, "jump up"],
      [4, 56, "touch pocket"],
    ]);
    expect(classes[0]!.description).toContain("- hands/arms:");
    expect(
      loadSplit(path.join(DATA, "reference/splits.json"), "ntu60_55_5/validation").candidates,
    ).toHaveLength(5);
  });

  it("names the bad id, option or file", () => {
    expect(() => parseIdList("3,x")).toThrow(/"x" is not a class id/);
    expect(() => selectClasses(["a", "b"], { candidates: [0, 2] })).toThrow(
      /candidate class id 2 is outside/,
    );
    expect(() => selectClasses(["a", "b"], { candidates: [1, 1] })).toThrow(/listed twice/);
    expect(() => loadDescriptions(path.join(DATA, "reference/part_descriptions_ntu60.json"), ["a"])).toThrow(
      /has 60 descriptions but there are 1 dataset classes/,
    );
    expect(() => loadClassNames(path.join(DATA, "reference/class_names.json"), "ntu90")).toThrow(
      /has no class list "ntu90"; it has ntu60, ntu120/,
    );
  });
});
