import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { ShapeError } from "@skeleton-cache/errors";
import { NTU25 } from "@skeleton-cache/skeleton";
import { tempDir } from "@skeleton-cache/test-support";
import { describe, expect, it } from "vitest";
import { writeRunDirectory } from "../run-directory.js";
import { readRunFolder } from "../run-folder.js";
import { baseLogits, LABELS, N, REFINED, sampleFiles, sampleReport, U } from "../test-support/sample-run.js";
import type { PageData } from "./page-data.js";
import { noPlayback, packClip, playbackSubjects } from "./playback.js";
import { sampleStatus, type TracedRun } from "./trace.js";
import { writeReportHtml } from "./write.js";

async function runFolder(): Promise<string> {
  const out = path.join(tempDir(), "run");
  await writeRunDirectory(out, sampleReport(), sampleFiles(), { plots: false });
  return out;
}

function pageDataOf(html: string): PageData {
  const match = /<script type="application\/json" id="skc-data">(.*?)<\/script>/s.exec(html);
  if (!match) throw new Error("report.html has no #skc-data block");
  return JSON.parse(match[1]!) as PageData;
}

/** A traced replay of the sample run: samples 1, 5 and 6 (the changed ones) and 0, each matching two entries. */
function tracedRun(): TracedRun {
  const refinedLogits = new Float32Array(N * U);
  for (let i = 0; i < N; i++) refinedLogits[i * U + REFINED[i]!] = 3;
  const traces = new Map(
    [1, 5, 6, 0].map((sample) => [
      sample,
      {
        scores: new Float64Array(8 * U).fill(0.25),
        weights: new Float64Array(8).fill(0.125),
        refinedLogits: refinedLogits.subarray(sample * U, (sample + 1) * U),
        matches: [
          { id: 3, block: 0, affinities: Array(8).fill(0.5), contribution: 0.5 },
          { id: 3, block: 1, affinities: Array(8).fill(0.4), contribution: 0.4 },
          { id: 8, block: 2, affinities: Array(8).fill(0.3), contribution: 0.3 },
        ],
        entropy: 0.7,
        inserted: sample % 2 === 0,
        hedgeBlock: -1,
      },
    ]),
  );
  const cache = [4, 8, 12].map((position) => ({
    position,
    ids: [[0, 3], [4], [2, 5]].map((ids) => ids.filter((id) => id < position)),
    entropies: [[0.1, 0.2], [0.3], [0.4, 0.5]],
  }));
  return { traces, cache, refinedLogits };
}

describe("report.html from what it is given", () => {
  it("is one self-contained page with the browser code, the run's samples, traces and clips", async () => {
    const out = await runFolder();
    const traced = tracedRun();
    const { predictions } = readRunFolder(out);
    const subjects = playbackSubjects(predictions, traced);
    // The flipped samples in stream order (5, 1, 6), each beside its distinct matches.
    expect(subjects).toEqual([
      { sample: 5, neighbours: [3, 8] },
      { sample: 1, neighbours: [3, 8] },
      { sample: 6, neighbours: [3, 8] },
    ]);
    const joints = new Float32Array(10 * 1 * 25 * 3).map((_, i) => (i % 7) / 7);
    const playback = {
      ...noPlayback("", NTU25),
      available: true,
      note: "two clips",
      clips: [packClip(5, "S001C001P001R001A011", joints, [10, 1, 25, 3])],
      subjects: [{ sample: 5, neighbours: [] }],
    };
    const result = writeReportHtml(out, { baseLogits: baseLogits(), traced, playback });
    expect(result).toMatchObject({
      file: path.join(out, "report.html"),
      tracedSamples: 4,
      clips: 1,
      notes: [],
    });
    const html = fs.readFileSync(result.file, "utf8");
    expect(result.bytes).toBe(Buffer.byteLength(html));
    expect(html.startsWith("<!doctype html>")).toBe(true);
    const markup = html.replace(/(<script\b[^>]*>)[\s\S]*?<\/script>/g, "$1</script>");
    expect(markup).not.toMatch(/<(script|link|img|iframe|object|embed)\b[^>]*\s(src|href)=/i);
    // The browser code and the look come from the package's browser/ folder, inlined.
    const browser = fileURLToPath(new URL("../../browser/", import.meta.url));
    expect(html).toContain(fs.readFileSync(path.join(browser, "client.js"), "utf8"));
    expect(html).toContain(fs.readFileSync(path.join(browser, "style.css"), "utf8"));
    const page = pageDataOf(html);
    expect(page.samples.label).toEqual(Array.from(LABELS));
    expect(page.samples.status).toEqual(
      Array.from(LABELS, (label, i) => sampleStatus(label, predictions.baselinePred[i]!, REFINED[i]!)),
    );
    expect(page.samples.status.filter((s) => s === 2)).toHaveLength(2);
    expect(Object.keys(page.trace.samples).sort()).toEqual(["0", "1", "5", "6"]);
    expect(page.trace.samples[1]!.matches[0]).toEqual([3, 0, 0.5, ...Array(8).fill(0.5)]);
    expect(page.samples.refinedTop?.[6]?.[0]).toBe(2);
    expect(Object.keys(page.charts).sort()).toEqual(["cache", "confusion", "perClass", "running"]);
    expect(page.playback.clips).toHaveLength(1);
    expect(page.method).toBe("Mine");
  });

  it("without a trace or clips: the notes say why, and the page still shows the figures", async () => {
    const out = await runFolder();
    const result = writeReportHtml(out, {
      baseLogits: baseLogits(),
      traced: { note: "this run's method is mine" },
      playback: noPlayback("No skeleton playback: no raw files."),
      out: path.join(out, "page.html"),
    });
    expect(result.notes).toEqual(["this run's method is mine", "No skeleton playback: no raw files."]);
    expect(result.tracedSamples).toBe(0);
    const page = pageDataOf(fs.readFileSync(path.join(out, "page.html"), "utf8"));
    expect(page.trace).toEqual({ note: "this run's method is mine", samples: {} });
    expect(page.samples.refinedTop).toBeNull();
    expect(page.playback.available).toBe(false);
    expect(Object.keys(page.charts)).not.toContain("cache");
    expect(fs.existsSync(path.join(out, "report.html"))).toBe(false);
  });

  it("names the run folder as it will be called (displayDir), not the staged folder it reads", async () => {
    const out = await runFolder();
    const input = { baseLogits: baseLogits(), traced: { note: "" }, playback: noPlayback("") };
    const named = pageDataOf(fs.readFileSync(writeReportHtml(out, input).file, "utf8"));
    expect(named.source.runDir).toBe(out);
    const shown = writeReportHtml(out, { ...input, displayDir: "runs/online-demo" });
    expect(pageDataOf(fs.readFileSync(shown.file, "utf8")).source.runDir).toBe("runs/online-demo");
  });

  it("refuses logits that are not the run's (N, U)", async () => {
    const out = await runFolder();
    const input = { traced: { note: "" }, playback: noPlayback("") };
    expect(() => writeReportHtml(out, { ...input, baseLogits: new Float32Array(N * U - 1) })).toThrow(
      ShapeError,
    );
    expect(() => writeReportHtml(out, { ...input, baseLogits: new Float32Array(5) })).toThrow(
      "baseLogits holds 5 values, the run's (N, U) = (12, 3) needs 36",
    );
    const traced = { ...tracedRun(), refinedLogits: new Float32Array(3) };
    expect(() => writeReportHtml(out, { ...input, traced, baseLogits: baseLogits() })).toThrow(
      "traced.refinedLogits holds 3 values",
    );
  });
});
