/**
 * report.html end to end (no browser: see report-html.browser.test.ts):
 * written by every `skc eval`, rebuilt byte for byte by `skc report`,
 * self-contained, with the run's own figures; raw skeleton files that moved
 * leave a page without playback and a note; bad run folders exit 2 naming
 * what is missing.
 */
import fs from "node:fs";
import path from "node:path";
import { readRunFolder, sampleStatus } from "@skeleton-cache/report";
import { tempDir } from "@skeleton-cache/test-support";
import { describe, expect, it } from "vitest";
import { main } from "../cli.js";
import { captureIo } from "../test-support/io.js";
import { pageDataOf, skeletonEvalArgs, writeSkeletonRun } from "../test-support/skeleton-run.js";

const CLASS_IDS = [10, 11, 19, 26, 56];

async function skc(...args: string[]) {
  const capture = captureIo();
  const code = await main(args, capture.io);
  return { code, stdout: capture.stdout, stderr: capture.stderr };
}

/** A run folder of a small synthetic run whose bundle names raw .skeleton files. */
async function skeletonRunFolder(samples = 80, extra: string[] = []) {
  const root = tempDir("skc-html-");
  const run = writeSkeletonRun(root, { seed: 5, samples, classIds: CLASS_IDS, channels: 16 });
  const out = path.join(root, "run");
  const result = await skc(...skeletonEvalArgs(run.bundle, out, "--no-ablations", ...extra));
  expect(result.stderr).toBe("");
  expect(result.code).toBe(0);
  return { root, out, ...run };
}

describe("report.html", () => {
  it("is written by skc eval, self-contained, and rebuilt byte for byte by skc report", async () => {
    const { out, labels } = await skeletonRunFolder();
    const html = fs.readFileSync(path.join(out, "report.html"), "utf8");
    expect(html.startsWith("<!doctype html>")).toBe(true);
    // Nothing is loaded from anywhere: no element with a src or href attribute but the page's own anchors.
    const markup = html.replace(/(<script\b[^>]*>)[\s\S]*?<\/script>/g, "$1</script>");
    expect(markup).not.toMatch(/<(script|link|img|iframe|object|embed)\b[^>]*\s(src|href)=/i);
    expect(markup.match(/<a href="([^"]*)"/g)?.every((a) => a.startsWith('<a href="#'))).toBe(true);
    expect(html).toContain("default-src 'none'");
    const data = pageDataOf(html);
    const { predictions } = readRunFolder(out);
    expect(data.samples.label).toEqual(Array.from(labels));
    expect(data.samples.status).toEqual(
      Array.from(labels, (label, i) =>
        sampleStatus(label, predictions.baselinePred[i]!, predictions.refinedPred[i]!),
      ),
    );
    expect(Object.keys(data.trace.samples)).toHaveLength(80);
    // An online run also reports the spread over 10 stream orders.
    expect(Object.keys(data.charts).sort()).toEqual(["cache", "confusion", "orders", "perClass", "running"]);
    // Playback: flipped samples beside their top cached matches, NTU-25 bones.
    expect(data.playback.available).toBe(true);
    expect(data.playback.layout.id).toBe("ntu25");
    expect(data.playback.subjects.length).toBeGreaterThan(0);
    for (const subject of data.playback.subjects) {
      expect([2, 3]).toContain(data.samples.status[subject.sample]);
      const matches = data.trace.samples[subject.sample]!.matches;
      expect(subject.neighbours).toEqual([...new Set(matches.map((m) => m[0]))].slice(0, 3));
    }
    const rebuilt = await skc("report", out);
    expect(rebuilt.code).toBe(0);
    expect(rebuilt.stdout).toMatch(
      /wrote .*report\.html \(\d+\.\d\d MB; 80 samples traced, \d+ skeleton clips\)/,
    );
    expect(fs.readFileSync(path.join(out, "report.html"), "utf8")).toBe(html);
  });

  it("without the raw files gives a page without playback and a note; --data finds them again", async () => {
    const { out, rawDir, root } = await skeletonRunFolder();
    const moved = path.join(root, "moved-raw");
    fs.renameSync(rawDir, moved);
    const result = await skc("report", out);
    expect(result.code).toBe(0);
    expect(result.stdout).toContain(
      `note: No skeleton playback: the raw skeleton folder ${rawDir} does not exist`,
    );
    const page = pageDataOf(fs.readFileSync(path.join(out, "report.html"), "utf8"));
    expect(page.playback.available).toBe(false);
    expect(page.playback.clips).toEqual([]);
    expect(page.playback.note).toContain("skc report RUN_DIR --data DIR");
    expect(Object.keys(page.charts)).toContain("perClass");
    const again = await skc("report", out, "--data", moved);
    expect(again.code).toBe(0);
    expect(pageDataOf(fs.readFileSync(path.join(out, "report.html"), "utf8")).playback.available).toBe(true);
  });

  it("explains only Skeleton-Cache passes: a run of another method gets no trace, a note, and playback", async () => {
    const { out } = await skeletonRunFolder(80, ["--method", "tda"]);
    const result = await skc("report", out);
    expect(result.code).toBe(0);
    expect(result.stdout).toContain("this run's method is tda");
    const page = pageDataOf(fs.readFileSync(path.join(out, "report.html"), "utf8"));
    expect(page.method).toBe(JSON.parse(fs.readFileSync(path.join(out, "report.json"), "utf8")).method.title);
    expect(page.trace.samples).toEqual({});
    expect(page.samples.refinedTop).toBeNull();
    expect(Object.keys(page.charts)).not.toContain("cache");
    expect(page.playback.available).toBe(true);
    expect(page.playback.subjects.every((s) => s.neighbours.length === 0)).toBe(true);
  });

  it("says why there is no playback when the bundle does not name its samples", async () => {
    const out = path.join(tempDir("skc-html-"), "run");
    expect(
      (await skc("eval", "--demo", "synthetic", "--out", out, "--quiet", "--no-ablations", "--no-plots"))
        .code,
    ).toBe(0);
    const page = pageDataOf(fs.readFileSync(path.join(out, "report.html"), "utf8"));
    expect(page.playback.available).toBe(false);
    expect(page.playback.note).toContain("meta.sampleNames");
    expect(page.title).toContain("(SYNTHETIC data)");
    expect(page.synthetic).toContain("seeded generator");
  });

  it("labels the reference protocol's grid and figures as an oracle", async () => {
    const { bundle, root } = await skeletonRunFolder(40);
    const out = path.join(root, "reference");
    expect(
      (
        await skc(
          "eval",
          "--bundle",
          bundle,
          "--prior",
          "uniform",
          "--protocol",
          "reference",
          "--out",
          out,
          "--quiet",
          "--no-plots",
        )
      ).code,
    ).toBe(0);
    const html = fs.readFileSync(path.join(out, "report.html"), "utf8");
    const page = pageDataOf(html);
    expect(page.protocol.oracle?.title).toBe("Hyper-parameters selected on TEST labels.");
    expect(page.resultsHeading).toBe("Results (best grid point, selected on test labels)");
    expect(JSON.stringify(page.charts.grid)).toContain("on TEST labels (oracle)");
    expect(
      page.headline.map((f) => f.label).some((label) => label.startsWith("fixed alpha = 1, beta = 5,")),
    ).toBe(true);
  });

  it("shows the GZSL harmonic means of a GZSL run in the headline", async () => {
    const { bundle, root } = await skeletonRunFolder(40);
    const out = path.join(root, "gzsl");
    const run = await skc(
      "eval",
      "--bundle",
      bundle,
      "--prior",
      "uniform",
      "--gzsl",
      "--gzsl-seen",
      "10,11",
      "--out",
      out,
      "--quiet",
      "--no-ablations",
      "--no-plots",
    );
    expect(run.code).toBe(0);
    const report = JSON.parse(fs.readFileSync(path.join(out, "report.json"), "utf8"));
    const figure = pageDataOf(fs.readFileSync(path.join(out, "report.html"), "utf8")).headline.find((f) =>
      f.label.startsWith("GZSL H (%)"),
    );
    expect(figure?.value).toBe(
      `${report.gzsl.backbone.best.harmonic.toFixed(2)} → ${report.gzsl.cache.best.harmonic.toFixed(2)}`,
    );
  });

  it("keeps a 2 000-sample, 30-class run with playback under 5 MB", async () => {
    const root = tempDir("skc-html-size-");
    const classIds = Array.from({ length: 30 }, (_, k) => 2 * k);
    const run = writeSkeletonRun(root, { seed: 9, samples: 2000, classIds, channels: 16, frames: 96 });
    const out = path.join(root, "run");
    const result = await skc(...skeletonEvalArgs(run.bundle, out, "--no-ablations"));
    expect(result.code).toBe(0);
    const bytes = fs.statSync(path.join(out, "report.html")).size;
    const page = pageDataOf(fs.readFileSync(path.join(out, "report.html"), "utf8"));
    expect(page.playback.clips.length).toBeGreaterThan(24);
    expect(Object.keys(page.trace.samples)).toHaveLength(600);
    expect(bytes).toBeLessThan(5_000_000);
  });
});

describe("skc report refuses a bad run folder, naming what is missing (exit 2)", () => {
  it("no argument, no folder, no report.json, an older or newer report.json, no predictions.csv", async () => {
    const { out, root } = await skeletonRunFolder(30);
    const usage = await skc("report");
    expect(usage.code).toBe(2);
    expect(usage.stderr).toContain("missing required argument 'run-dir'");
    const missing = await skc("report", path.join(root, "nowhere"));
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain("no such directory");
    const empty = path.join(root, "empty");
    fs.mkdirSync(empty);
    const noReport = await skc("report", empty);
    expect(noReport.code).toBe(2);
    expect(noReport.stderr).toContain(`report.json is missing (${path.join(empty, "report.json")})`);
    const file = path.join(out, "report.json");
    const json = JSON.parse(fs.readFileSync(file, "utf8"));
    const { format, ...older } = json;
    expect(format).toBe("skeleton-cache.eval-report/1");
    fs.writeFileSync(file, JSON.stringify(older));
    const old = await skc("report", out);
    expect(old.code).toBe(2);
    expect(old.stderr).toContain("no format key: written by an older skc");
    fs.writeFileSync(file, JSON.stringify({ ...json, format: "skeleton-cache.eval-report/99" }));
    const newer = await skc("report", out);
    expect(newer.code).toBe(2);
    expect(newer.stderr).toContain(
      "format skeleton-cache.eval-report/99 is not one this version reads (skeleton-cache.eval-report/1)",
    );
    const { results, ...noResults } = json;
    expect(results).toBeDefined();
    fs.writeFileSync(file, JSON.stringify(noResults));
    const partial = await skc("report", out);
    expect(partial.code).toBe(2);
    expect(partial.stderr).toContain("invalid report: results:");
    fs.writeFileSync(file, JSON.stringify(json));
    fs.renameSync(path.join(out, "predictions.csv"), path.join(root, "p.csv"));
    const noPredictions = await skc("report", out);
    expect(noPredictions.code).toBe(2);
    expect(noPredictions.stderr).toContain("predictions.csv is missing");
  });

  it("a bundle that moved (until --bundle says where) or no longer gives the run's predictions", async () => {
    const { out, bundle, root } = await skeletonRunFolder(30);
    const moved = path.join(root, "moved-bundle");
    fs.renameSync(bundle, moved);
    const lost = await skc("report", out);
    expect(lost.code).toBe(2);
    expect(lost.stderr).toContain(`report.json bundle.source = ${bundle}`);
    expect(lost.stderr).toContain("--bundle PATH");
    expect((await skc("report", out, "--bundle", moved)).code).toBe(0);
    // A predictions.csv that the bundle does not reproduce is refused, naming the sample.
    const csv = path.join(out, "predictions.csv");
    const lines = fs.readFileSync(csv, "utf8").split("\n");
    const cells = lines[1]!.split(",");
    cells[4] = String((Number(cells[4]) + 1) % CLASS_IDS.length);
    lines[1] = cells.join(",");
    fs.writeFileSync(csv, lines.join("\n"));
    const changed = await skc("report", out, "--bundle", moved);
    expect(changed.code).toBe(2);
    expect(changed.stderr).toContain(`no longer gives this run's predictions: sample ${cells[0]}`);
  });
});
