import { describe, expect, it } from "vitest";
import type { BenchResults } from "./bench/compute.js";
import { benchSettings } from "./bench/compute.js";
import { resultsText, spliceTables, TABLES_BEGIN, TABLES_END, tablesRegion } from "./bench.js";

describe("tables region of docs/results/utd-mhad.md", () => {
  it("appends the markers to a document without them, then replaces only the region", () => {
    const doc = "# UTD-MHAD\n\nText before.";
    const first = spliceTables(doc, "| a |\n");
    expect(first.startsWith("# UTD-MHAD\n\nText before.\n")).toBe(true);
    expect(tablesRegion(first)).toBe("| a |\n");
    const edited = `${first}\nText after.\n`;
    const second = spliceTables(edited, "| b |\n| c |\n");
    expect(tablesRegion(second)).toBe("| b |\n| c |\n");
    expect(second.endsWith(`${TABLES_END}\n\nText after.\n`)).toBe(true);
    expect(second.split(TABLES_BEGIN).length).toBe(2);
  });

  it("has no region without both markers", () => {
    expect(tablesRegion("no tables")).toBeNull();
    expect(tablesRegion(`${TABLES_END} then ${TABLES_BEGIN}`)).toBeNull();
  });
});

describe("resultsText", () => {
  it("puts each number array on one line and parses back to the same object", () => {
    const results: BenchResults = {
      format: "skeleton-cache.utd-mhad-bench/2",
      settings: benchSettings(),
      splits: [],
    };
    const text = resultsText(results);
    expect(text).toContain('"alphas": [0.5, 1, 2, 3, 5]');
    expect(JSON.parse(text)).toEqual(results);
  });
});
