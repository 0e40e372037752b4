/** compare.html's figures from the methods' reports: the paired differences, "n/a", and runs that cannot be compared. */
import fs from "node:fs";
import path from "node:path";
import { ValueError } from "@skeleton-cache/errors";
import { pairedDifference } from "@skeleton-cache/metrics";
import { tempDir } from "@skeleton-cache/test-support";
import { describe, expect, it } from "vitest";
import type { EvalReport } from "../eval-report.js";
import { writeRunDirectory } from "../run-directory.js";
import { sampleFiles, sampleReport } from "../test-support/sample-run.js";
import { comparisonFilesText, comparisonOf, pairedText, writeComparisonHtml } from "./compare.js";

/** The sample report as method `name`, with per-order top-1 `top1` over seeds 1..R (or no orders). */
function methodReport(name: string, top1: number[] | null, seeds?: number[]): EvalReport {
  const report = sampleReport();
  const R = top1?.length ?? 0;
  const mean = top1 ? top1.reduce((a, b) => a + b, 0) / R : 0;
  return {
    ...report,
    method: { ...report.method, name, title: name },
    orders: top1
      ? {
          R,
          seeds: seeds ?? top1.map((_, r) => r + 1),
          top1,
          summary: { n: R, mean, sd: 0, min: Math.min(...top1), max: Math.max(...top1) },
          backboneTop1: 50,
          streamOrderTop1: report.results.cache.top1.percent,
        }
      : null,
  };
}

describe("the comparison of the methods' reports", () => {
  it("pairs each method with skeleton-cache over the same orders, with its 95 % t interval", () => {
    const reference = [60, 62, 58, 61];
    const mine = [63, 62, 61, 66];
    const c = comparisonOf(
      [
        { dir: "out/skeleton-cache", report: methodReport("skeleton-cache", reference) },
        { dir: "out/mine", report: methodReport("mine", mine) },
      ],
      { outDir: "out" },
    );
    expect(c.reference).toBe("skeleton-cache");
    expect(c.pairedNote).toBeNull();
    const expected = pairedDifference(mine, reference, 0.95);
    expect(c.rows[1]!.paired).toEqual(expected);
    expect(pairedText(c.rows[1]!, c)).toBe(
      `+2.75 [${expected.ci![0] >= 0 ? "+" : ""}${expected.ci![0].toFixed(2)}, +${expected.ci![1].toFixed(2)}] (n = 4; 3 better, 0 worse)`,
    );
    expect(c.rows[0]!.paired).toBeNull();
    expect(pairedText(c.rows[0]!, c)).toBe("reference");
    expect(c.rows.map((row) => row.page)).toEqual(["skeleton-cache/report.html", "mine/report.html"]);
  });

  it('says "n/a", and why, where the protocol ran no orders or skeleton-cache was not run', () => {
    const none = comparisonOf(
      [
        { dir: "o/skeleton-cache", report: methodReport("skeleton-cache", null) },
        { dir: "o/mine", report: methodReport("mine", null) },
      ],
      { outDir: "o" },
    );
    expect(pairedText(none.rows[1]!, none)).toBe("n/a");
    expect(none.pairedNote).toContain("protocol online ran no stream orders (--orders 0)");
    const alone = comparisonOf([{ dir: "o/mine", report: methodReport("mine", [1, 2]) }], { outDir: "o" });
    expect(pairedText(alone.rows[0]!, alone)).toBe("n/a");
    expect(alone.pairedNote).toBe("n/a: skeleton-cache was not among the methods run");
  });

  it("refuses runs over other orders, naming the report and the field", () => {
    const error = (() => {
      try {
        comparisonOf(
          [
            { dir: "o/skeleton-cache", report: methodReport("skeleton-cache", [1, 2], [1, 2]) },
            { dir: "o/mine", report: methodReport("mine", [1, 2], [1, 3]) },
          ],
          { outDir: "o" },
        );
      } catch (caught) {
        return caught as ValueError;
      }
      return null;
    })();
    expect(error).toBeInstanceOf(ValueError);
    expect(error!.message).toContain(`${path.join("o/mine", "report.json")} has orders.seeds "1,3"`);
  });

  it("writes compare.html from the run folders, linking each report.html, and says where everything is", async () => {
    const out = tempDir("skc-compare-page-");
    const dirs: string[] = [];
    for (const [name, top1] of [
      ["skeleton-cache", [60, 61, 59]],
      ["mine", [62, 61, 63]],
    ] as const) {
      const dir = path.join(out, name);
      await writeRunDirectory(dir, methodReport(name, [...top1]), sampleFiles(), { plots: false });
      dirs.push(dir);
    }
    const written = writeComparisonHtml(out, dirs);
    expect(written.file).toBe(path.join(out, "compare.html"));
    const html = fs.readFileSync(written.file, "utf8");
    expect(html).toContain('<a href="mine/report.html">');
    expect(html).not.toMatch(/\s(src|href)="https?:/);
    expect(comparisonFilesText(written, ["x/compare.md"]).split("\n")).toEqual([
      "written:",
      `  skeleton-cache  ${path.join(out, "skeleton-cache", "report.html")} (also predictions.csv, report.md, report.json)`,
      `  mine            ${path.join(out, "mine", "report.html")} (also predictions.csv, report.md, report.json)`,
      `  comparison      ${written.file} (also x/compare.md)`,
      "",
    ]);
  });
});
