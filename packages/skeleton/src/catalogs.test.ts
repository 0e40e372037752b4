import fs from "node:fs";
import { fileURLToPath } from "node:url";
import { ValueError } from "@skeleton-cache/errors";
import { describe, expect, it } from "vitest";
import { classCatalog, className, DATASET_IDS } from "./index.js";

const SHARED = process.env.SKC_SHARED ?? fileURLToPath(new URL("../../../../shared/", import.meta.url));

describe("classCatalog", () => {
  it("has the expected sizes and sources", () => {
    expect(classCatalog("ntu60").names).toHaveLength(60);
    expect(classCatalog("ntu120").names).toHaveLength(120);
    expect(classCatalog("pku-mmd").names).toHaveLength(51);
    expect(classCatalog("utd-mhad").names).toHaveLength(27);
    for (const d of DATASET_IDS) expect(classCatalog(d).source.length).toBeGreaterThan(10);
  });

  it("matches the source files", () => {
    const ref = JSON.parse(fs.readFileSync(`${SHARED}data/reference/class_names.json`, "utf8"));
    expect(classCatalog("ntu120").names).toEqual(ref.ntu120);
    expect(classCatalog("ntu60").names).toEqual(ref.ntu120.slice(0, 60));
    const csv = fs
      .readFileSync(`${SHARED}data/real/pku-mmd/actions.csv`, "utf8")
      .trim()
      .split(/\r?\n/)
      .slice(1);
    expect(classCatalog("pku-mmd").names).toEqual(csv.map((l) => l.slice(l.indexOf(",") + 1)));
    const utd = JSON.parse(fs.readFileSync(`${SHARED}data/priors/utd-mhad.json`, "utf8"));
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
