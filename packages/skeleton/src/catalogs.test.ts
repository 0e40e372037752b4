import fs from "node:fs";
import { ValueError } from "@skeleton-cache/errors";
import { dataPath, itWithData } from "@skeleton-cache/test-support";
import { describe, expect, it } from "vitest";
import { classCatalog, className, DATASET_IDS } from "./index.js";

const readData = (rel: string) => fs.readFileSync(dataPath(rel), "utf8");

describe("classCatalog", () => {
  it("has the expected sizes and sources", () => {
    expect(classCatalog("ntu60").names).toHaveLength(60);
    expect(classCatalog("ntu120").names).toHaveLength(120);
    expect(classCatalog("pku-mmd").names).toHaveLength(51);
    expect(classCatalog("utd-mhad").names).toHaveLength(27);
    for (const d of DATASET_IDS) expect(classCatalog(d).source.length).toBeGreaterThan(10);
  });

  itWithData(["reference/class_names.json"], "NTU names equal the authors' class_names.json", () => {
    const ref = JSON.parse(readData("reference/class_names.json"));
    expect(classCatalog("ntu120").names).toEqual(ref.ntu120);
    expect(classCatalog("ntu60").names).toEqual(ref.ntu120.slice(0, 60));
  });

  itWithData(["real/pku-mmd/actions.csv"], "PKU-MMD names equal the dataset's actions.csv", () => {
    const csv = readData("real/pku-mmd/actions.csv").trim().split(/\r?\n/).slice(1);
    expect(classCatalog("pku-mmd").names).toEqual(csv.map((l) => l.slice(l.indexOf(",") + 1)));
  });

  itWithData(["priors/utd-mhad.json"], "UTD-MHAD names equal the prior's class_names", () => {
    const utd = JSON.parse(readData("priors/utd-mhad.json"));
    expect(classCatalog("utd-mhad").names).toEqual(utd.class_names);
  });

  it("names classes by 0-based id and refuses unknown datasets / ids", () => {
    expect(className("ntu60", 0)).toBe("drink water");
    expect(className("ntu120", 10)).toBe("reading");
    expect(() => classCatalog("kinetics")).toThrow(ValueError);
    expect(() => classCatalog("kinetics")).toThrow(/ntu60, ntu120, pku-mmd, utd-mhad/);
    expect(() => className("utd-mhad", 27)).toThrow(ValueError);
    expect(() => className("utd-mhad", -1)).toThrow(/outside/);
  });
});
