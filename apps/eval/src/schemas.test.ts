import fs from "node:fs";
import path from "node:path";
import { FormatError } from "@skeleton-cache/errors";
import { repoPath, tempDir } from "@skeleton-cache/test-support";
import { describe, expect, it } from "vitest";
import { main } from "./cli.js";
import { loadEvalData } from "./inputs.js";
import {
  BUNDLE_META_FORMAT,
  EVAL_REPORT_FORMAT,
  jsonSchemaFiles,
  parseBundleMeta,
  readEvalReport,
} from "./schemas.js";
import { captureIo } from "./test-support/io.js";

describe("JSON schemas of meta.json and report.json", () => {
  it("the committed schema files are what the zod schemas export (pnpm --filter @skeleton-cache/skc schemas)", () => {
    for (const [name, text] of Object.entries(jsonSchemaFiles())) {
      expect(fs.readFileSync(repoPath("apps/eval/schemas", name), "utf8"), name).toBe(text);
      const schema = JSON.parse(text);
      expect(schema.$id).toMatch(/^skeleton-cache\.(bundle-meta|eval-report)\/1$/);
      expect(schema.type).toBe("object");
    }
  });

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

  it("bundle readers check meta.json: types of known keys and the format version; other keys are kept", () => {
    expect(parseBundleMeta({ format: BUNDLE_META_FORMAT, dataset: "ntu60", mine: [1] }, "m.json")).toEqual({
      format: BUNDLE_META_FORMAT,
      dataset: "ntu60",
      mine: [1],
    });
    expect(parseBundleMeta({}, "m.json")).toEqual({});
    expect(() => parseBundleMeta({ synthetic: "yes" }, "m.json")).toThrow(FormatError);
    expect(() => parseBundleMeta({ synthetic: "yes" }, "m.json")).toThrow(
      /m\.json: invalid bundle meta: synthetic: /,
    );
    expect(() => parseBundleMeta({ format: "skeleton-cache.bundle-meta/9" }, "m.json")).toThrow(
      /format skeleton-cache\.bundle-meta\/9 is not one this version reads/,
    );
    // Through the reader skc eval uses: the file is named.
    const dir = tempDir();
    for (const name of ["logits.npy", "labels.npy", "descriptors.npy", "class_ids.npy"])
      fs.copyFileSync(repoPath("apps/eval/assets/demo", name), path.join(dir, name));
    fs.writeFileSync(path.join(dir, "meta.json"), JSON.stringify({ dataset: 60 }));
    expect(() => loadEvalData(dir)).toThrow(`${path.join(dir, "meta.json")}: invalid bundle meta: dataset: `);
    fs.writeFileSync(path.join(dir, "meta.json"), JSON.stringify({ format: "skeleton-cache.bundle-meta/2" }));
    expect(() => loadEvalData(dir)).toThrow(
      `${path.join(dir, "meta.json")}: format skeleton-cache.bundle-meta/2 is not`,
    );
  });
});
