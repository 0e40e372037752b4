import { spawnSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { tempDir } from "@skeleton-cache/test-support";
import { describe, expect, it } from "vitest";
import type { EvalReport } from "./eval-report.js";
import { predictionsCsv, type RunFiles, reportMarkdown, writeRunDirectory } from "./run-directory.js";
import { readRunFolder } from "./run-folder.js";
import { summaryText } from "./summary.js";
import { BASELINE, LABELS, ORDER, REFINED, sampleFiles, sampleReport } from "./test-support/sample-run.js";

const files: RunFiles = {
  order: Int32Array.from([1, 0]),
  labels: Int32Array.from([0, 1]),
  baselinePred: Int32Array.from([0, 0]),
  refinedPred: Int32Array.from([0, 1]),
  onlinePred: Int32Array.from([0, 1]),
  entropy: Float64Array.from([0.5, 0.25]),
  inserted: Uint8Array.from([1, 0]),
  gzsl: null,
};

describe("run directory", () => {
  it("predictions.csv lists samples in stream order with the contract's columns", () => {
    expect(predictionsCsv(files)).toBe(
      "index,label,baseline_pred,refined_pred,online_pred,entropy,cached\n1,1,0,1,1,0.250000,0\n0,0,0,0,0,0.500000,1\n",
    );
  });

  it("a run that fails while writing leaves neither a report nor its temporary directory", async () => {
    const dir = tempDir();
    const out = path.join(dir, "run");
    // A report without results: predictions.csv is written, report.md then fails.
    const broken = { protocol: { name: "online" }, bundle: {}, params: {} } as unknown as EvalReport;
    await expect(writeRunDirectory(out, broken, files, { plots: false })).rejects.toThrow();
    expect(fs.readdirSync(dir)).toEqual([]);
  });

  it("writes predictions.csv, report.md and report.json, which read back as they were", async () => {
    const out = path.join(tempDir(), "run");
    const report = sampleReport();
    let seconds = -1;
    const written = await writeRunDirectory(out, report, sampleFiles(), {
      plots: false,
      onTiming: (s) => {
        seconds = s;
      },
    });
    expect(written).toEqual(["predictions.csv", "report.md", "report.json"]);
    expect(fs.readdirSync(out).sort()).toEqual(["predictions.csv", "report.json", "report.md"]);
    expect(seconds).toBeGreaterThanOrEqual(0);
    const run = readRunFolder(out);
    expect(run.report).toEqual({ ...report, files: written });
    expect(Array.from(run.predictions.order)).toEqual(Array.from(ORDER));
    expect(Array.from(run.predictions.labels)).toEqual(Array.from(LABELS));
    expect(Array.from(run.predictions.baselinePred)).toEqual(Array.from(BASELINE));
    expect(Array.from(run.predictions.refinedPred)).toEqual(Array.from(REFINED));
    // A second run may replace a run folder, but nothing else.
    await writeRunDirectory(out, report, sampleFiles(), { plots: false });
    const other = path.join(tempDir(), "notes");
    fs.mkdirSync(other);
    fs.writeFileSync(path.join(other, "mine.txt"), "keep");
    await expect(writeRunDirectory(other, report, sampleFiles(), { plots: false })).rejects.toThrow(
      "exists and is not a previous run directory",
    );
  });

  it("complete() adds files to the staged folder before it appears; a throw there leaves the old folder as it was", async () => {
    const dir = tempDir();
    const out = path.join(dir, "run");
    const seen: { staged: string; outThen: boolean; files: string[] }[] = [];
    await writeRunDirectory(out, sampleReport(), sampleFiles(), {
      plots: false,
      complete: (staged) => {
        seen.push({ staged, outThen: fs.existsSync(out), files: fs.readdirSync(staged).sort() });
        fs.writeFileSync(path.join(staged, "report.html"), "<!doctype html>");
      },
    });
    expect(seen).toEqual([
      {
        staged: `${out}.partial-${process.pid}`,
        outThen: false,
        files: ["predictions.csv", "report.json", "report.md"],
      },
    ]);
    expect(fs.readdirSync(out).sort()).toEqual([
      "predictions.csv",
      "report.html",
      "report.json",
      "report.md",
    ]);
    const before = fs.readFileSync(path.join(out, "report.json"), "utf8");
    const stop = new Error("stopped before the rename");
    await expect(
      writeRunDirectory(out, { ...sampleReport(), seed: 99 }, sampleFiles(), {
        plots: false,
        complete: () => {
          throw stop;
        },
      }),
    ).rejects.toBe(stop);
    expect(fs.readFileSync(path.join(out, "report.json"), "utf8")).toBe(before);
    expect(fs.readdirSync(dir)).toEqual(["run"]);
  });

  it("a run that succeeds removes the staged folders of earlier runs that died, and keeps live ones", async () => {
    const dir = tempDir();
    const out = path.join(dir, "run");
    const ended = spawnSync(process.execPath, ["-e", "process.stdout.write(String(process.pid))"], {
      encoding: "utf8",
    });
    const dead = `${out}.partial-${Number(ended.stdout)}`;
    const live = `${out}.partial-${process.ppid}`;
    for (const stale of [dead, live]) fs.mkdirSync(stale);
    await writeRunDirectory(out, sampleReport(), sampleFiles(), { plots: false });
    expect(fs.readdirSync(dir).sort()).toEqual(["run", path.basename(live)]);
  });

  it("report.md and the summary carry the run's figures", () => {
    const report = sampleReport();
    // Backbone 9 / 12 right; the method fixes two and breaks one: 10 / 12.
    expect(report.results.backbone.top1.correct).toBe(9);
    expect(report.results.cache.top1.correct).toBe(10);
    const md = reportMarkdown(report);
    expect(md).toContain("# Skeleton-Cache evaluation — protocol `online` (SYNTHETIC data)");
    expect(md).toContain("| backbone | 75.00 | 100.00 | 75.00 | 9 / 12 |");
    expect(md).toContain("| Mine | 83.33 | — | 83.33 | 10 / 12 |");
    expect(md).toContain("Gain of Mine over the backbone: +8.33 points top-1.");
    expect(md).toContain("| k | 3 |");
    // The method's confusion, rows = true class: class 0 lost sample 6 to class 2.
    expect(md).toContain("| 0 | 3 | 0 | 1 |");
    expect(md).not.toContain("plots/*.svg");
    expect(reportMarkdown(report, { plots: true })).toContain("`plots/*.svg`, `plots/*.png`");
    const text = summaryText(report, "runs/x");
    expect(text).toContain("backbone top-1: 75.00 %   Mine top-1: 83.33 %   (+8.33)");
    expect(text).toContain("method: mine — k=3");
    expect(text.endsWith(`report: ${path.join("runs/x", "report.md")}\n`)).toBe(true);
  });
});
