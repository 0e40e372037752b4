import fs from "node:fs";
import path from "node:path";
import { EVAL_REPORT_FORMAT, readEvalReport } from "@skeleton-cache/report";
import { tempDir } from "@skeleton-cache/test-support";
import { describe, expect, it } from "vitest";
import { main } from "./cli.js";
import { captureIo } from "./test-support/io.js";

describe("report.json of skc eval", () => {
  it("a run writes a report.json of the current format that its reader accepts; another version is refused", async () => {
    const out = path.join(tempDir(), "run");
    expect(
      await main(["eval", "--no-plots", "--no-ablations", "--quiet", "--out", out], captureIo().io),
    ).toBe(0);
    const file = path.join(out, "report.json");
    const report = readEvalReport(file);
    expect(report.format).toBe(EVAL_REPORT_FORMAT);
    const raw = JSON.parse(fs.readFileSync(file, "utf8"));
    const newer = path.join(tempDir(), "report.json");
    fs.writeFileSync(newer, JSON.stringify({ ...raw, format: "skeleton-cache.eval-report/2" }));
    expect(() => readEvalReport(newer)).toThrow(
      /format skeleton-cache\.eval-report\/2 is not one this version reads \(skeleton-cache\.eval-report\/1\)/,
    );
    const broken = path.join(tempDir(), "report.json");
    fs.writeFileSync(broken, JSON.stringify({ ...raw, results: { ...raw.results, gain: "high" } }));
    expect(() => readEvalReport(broken)).toThrow(/invalid report: results\.gain: /);
  });

  it("reads back every protocol's report.json field for field (the schema covers all skc eval writes)", async () => {
    const runs: string[][] = [
      ["--demo", "synthetic", "--orders", "2"],
      ["--demo", "synthetic", "--protocol", "reference", "--no-ablations"],
      ["--demo", "synthetic", "--protocol", "validation", "--no-ablations", "--orders", "0"],
      ["--demo", "synthetic-gzsl", "--gzsl", "--no-ablations", "--orders", "0"],
    ];
    const filled = new Set<string>();
    for (const args of runs) {
      const out = path.join(tempDir(), "run");
      expect(await main(["eval", ...args, "--no-plots", "--quiet", "--out", out], captureIo().io)).toBe(0);
      const file = path.join(out, "report.json");
      const report = readEvalReport(file);
      expect(report, args.join(" ")).toEqual(JSON.parse(fs.readFileSync(file, "utf8")));
      for (const key of ["grid", "validation", "orders", "reference", "ablations", "gzsl"] as const)
        if (report[key] !== null) filled.add(key);
    }
    // Every optional section was written by one of the runs.
    expect([...filled].sort()).toEqual(["ablations", "grid", "gzsl", "orders", "reference", "validation"]);
  });
});
