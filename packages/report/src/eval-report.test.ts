import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { FormatError } from "@skeleton-cache/errors";
import { tempDir } from "@skeleton-cache/test-support";
import { describe, expect, it } from "vitest";
import { EVAL_REPORT_FORMAT, EvalReportSchema, evalReportJsonSchema, readEvalReport } from "./eval-report.js";
import { sampleReport } from "./test-support/sample-run.js";

function writeJson(value: unknown): string {
  const file = path.join(tempDir(), "report.json");
  fs.writeFileSync(file, JSON.stringify(value));
  return file;
}

describe("EvalReport: one versioned schema", () => {
  it("the committed schema file is what the zod schema exports (pnpm --filter @skeleton-cache/report schemas)", () => {
    const text = evalReportJsonSchema();
    const file = fileURLToPath(new URL("../schemas/eval-report.schema.json", import.meta.url));
    expect(fs.readFileSync(file, "utf8")).toBe(text);
    const schema = JSON.parse(text);
    expect(schema.$id).toBe("skeleton-cache.eval-report/1");
    expect(schema.type).toBe("object");
    expect(schema.required).toContain("results");
  });

  it("reads back a report as written, field for field", () => {
    const report = sampleReport();
    expect(readEvalReport(writeJson(report))).toEqual(report);
    expect(EvalReportSchema.parse(report)).toEqual(report);
  });

  it("refuses a report without a format, of another version, or with a field of the wrong type, naming it", () => {
    const { format, ...older } = sampleReport();
    expect(format).toBe(EVAL_REPORT_FORMAT);
    expect(() => readEvalReport(writeJson(older))).toThrow(/no format key: written by an older skc/);
    const newer = writeJson({ ...sampleReport(), format: "skeleton-cache.eval-report/2" });
    expect(() => readEvalReport(newer)).toThrow(
      `${newer}: format skeleton-cache.eval-report/2 is not one this version reads (skeleton-cache.eval-report/1)`,
    );
    const report = sampleReport();
    const broken = writeJson({ ...report, results: { ...report.results, gain: "high" } });
    expect(() => readEvalReport(broken)).toThrow(FormatError);
    expect(() => readEvalReport(broken)).toThrow(`${broken}: invalid report: results.gain: `);
    const noClasses = writeJson({ ...report, bundle: { ...report.bundle, numClasses: 0 } });
    expect(() => readEvalReport(noClasses)).toThrow(`${noClasses}: invalid report: bundle.numClasses: `);
  });
});
