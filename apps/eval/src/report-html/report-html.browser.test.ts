/**
 * report.html in a real browser: Debian's Chromium through puppeteer-core
 * (skipped, tagged [needs browser], where /usr/bin/chromium is absent;
 * `.ci/run` installs it). No console error and no network request; every
 * plot rendered; the explorer's filters select what they say; playback
 * advances. Screenshots go to a temporary folder.
 */
import fs from "node:fs";
import path from "node:path";
import { describeWithBrowser, tempDir } from "@skeleton-cache/test-support";
import type { Page } from "puppeteer-core";
import { expect, it } from "vitest";
import { main } from "../cli.js";
import { launchChromium, openReport, watchedPage } from "../test-support/browser.js";
import { captureIo } from "../test-support/io.js";
import { pageDataOf, skeletonEvalArgs, writeSkeletonRun } from "../test-support/skeleton-run.js";

async function evalRun(root: string, bundle: string | null): Promise<string> {
  const out = path.join(root, bundle ? "run" : "demo-run");
  const args = bundle
    ? skeletonEvalArgs(bundle, out, "--no-ablations")
    : ["eval", "--demo", "synthetic", "--out", out, "--quiet", "--no-ablations", "--no-plots"];
  expect(await main(args, captureIo().io)).toBe(0);
  return path.join(out, "report.html");
}

const PNG = Buffer.from([0x89, 0x50, 0x4e, 0x47]);

describeWithBrowser("report.html in headless Chromium", (chromium) => {
  it("renders every plot without console errors or requests, filters the explorer, plays the skeletons", async () => {
    const root = tempDir("skc-browser-");
    const run = writeSkeletonRun(root, {
      seed: 5,
      samples: 80,
      classIds: [10, 11, 19, 26, 56],
      channels: 16,
    });
    const file = await evalRun(root, run.bundle);
    const data = pageDataOf(fs.readFileSync(file, "utf8"));
    const shots = tempDir("skc-shots-");
    const chrome = await launchChromium(chromium);
    try {
      const { page, problems } = await watchedPage(chrome.browser);
      await openReport(page, file);
      // Every chart host drew an SVG with marks.
      const charts = await page.$$eval(".chart", (hosts) =>
        hosts.map((host) => ({
          name: host.getAttribute("data-chart"),
          rendered: host.getAttribute("data-rendered"),
          marks: host.querySelectorAll("svg .role-mark path, svg .role-mark line, svg .role-mark text")
            .length,
        })),
      );
      expect(charts.map((c) => c.name).sort()).toEqual(Object.keys(data.charts).sort());
      for (const chart of charts) {
        expect(chart.rendered, chart.name).toBe("true");
        expect(chart.marks, chart.name).toBeGreaterThan(0);
      }
      // Each chart with a series legend draws every mark in its own series' legend colour.
      const legends = await legendAgainstMarks(page);
      expect(legends.charts.sort()).toEqual(["orders", "perClass", "running"]);
      expect(legends.mismatches).toEqual([]);
      await page.screenshot({ path: path.join(shots, "report.png"), fullPage: true });

      // Explorer: "flipped right" lists exactly the samples whose backbone was wrong and report right.
      const flippedRight = data.samples.status.flatMap((s, i) => (s === 2 ? [i] : []));
      expect(flippedRight.length).toBeGreaterThan(0);
      await page.select("#filter-status", "flipped-right");
      const listed = await page.$$eval("#sample-list tbody tr", (rows) =>
        rows.map((row) => Number(row.getAttribute("data-sample"))),
      );
      expect(listed.sort((a, b) => a - b)).toEqual(flippedRight);
      expect(await page.$eval("#filter-count", (e) => e.getAttribute("data-count"))).toBe(
        String(flippedRight.length),
      );
      // … and a class narrows it to that true class.
      const cls = data.samples.label[flippedRight[0]!]!;
      await page.select("#filter-class", String(cls));
      const narrowed = await page.$$eval("#sample-list tbody tr", (rows) =>
        rows.map((row) => Number(row.getAttribute("data-sample"))),
      );
      expect(narrowed.sort((a, b) => a - b)).toEqual(
        flippedRight.filter((i) => data.samples.label[i] === cls),
      );
      // Picking a sample shows its scores (8 slots + 3 fused rows) and its matches.
      const pick = narrowed.at(-1)!;
      await page.click(`#sample-list tr[data-sample="${pick}"]`);
      expect(await page.$eval("#sample-detail", (e) => e.getAttribute("data-sample"))).toBe(String(pick));
      expect(await page.$$eval("#score-table tbody tr", (rows) => rows.length)).toBe(8 + 3);
      expect(await page.$$eval("#match-table tbody tr", (rows) => rows.length)).toBe(
        data.trace.samples[pick]!.matches.length,
      );
      // A click on a cell of the method's confusion matrix lists exactly that cell's samples.
      const cells = await page.$$("#chart-confusion .concat_1_layer_0_marks path");
      const labels: string[] = await Promise.all(
        cells.map((cell) => cell.evaluate((e) => e.getAttribute("aria-label") ?? "")),
      );
      const at = labels.findIndex(
        (label) => /samples: [1-9]/.test(label) && !/predicted: (\d+):.*true class: \1:/.test(label),
      );
      const [, predicted, truth] = /predicted: (\d+):.*true class: (\d+):/.exec(labels[at]!)!.map(Number);
      await cells[at]!.click();
      const inCell = await page.$$eval("#sample-list tbody tr", (rows) =>
        rows.map((row) => Number(row.getAttribute("data-sample"))),
      );
      const expected = data.samples.label.flatMap((label, i) =>
        label === truth && data.samples.reported[i] === predicted ? [i] : [],
      );
      expect(inCell.sort((a, b) => a - b)).toEqual(expected);
      expect(await page.$eval("#cell-filter", (e) => e.hasAttribute("hidden"))).toBe(false);
      const explorer = await page.$("#explorer");
      await explorer!.screenshot({ path: path.join(shots, "explorer.png") });

      // Picking a class bar sets the class filter.
      await page.click("#cell-filter-clear");
      const bar = (await page.$$("#chart-perClass .role-mark path"))[2]!;
      const barClass = Number(
        /class: (\d+):/.exec((await bar.evaluate((e) => e.getAttribute("aria-label"))) ?? "")![1],
      );
      await bar.click();
      expect(await page.$eval("#filter-class", (e) => (e as unknown as { value: string }).value)).toBe(
        String(barClass),
      );

      // Playback: the first frame is drawn; Play advances it; the slider sets it.
      expect(await page.$eval("#playback", (e) => e.getAttribute("data-available"))).toBe("true");
      const frame = () => page.$eval("#player-main", (c) => Number(c.getAttribute("data-frame")));
      await page.select("#clip-select", String(data.playback.subjects[0]!.sample));
      expect(await frame()).toBe(0);
      await page.click("#play-toggle");
      await page.waitForFunction('Number(document.getElementById("player-main").dataset.frame) > 2', {
        timeout: 15_000,
      });
      await page.click("#play-toggle");
      expect(await page.$eval("#player", (e) => e.getAttribute("data-playing"))).toBe("false");
      await page.evaluate(
        'const slider = document.getElementById("frame-slider"); slider.value = "5"; slider.dispatchEvent(new Event("input"));',
      );
      expect(await frame()).toBe(5);
      const neighbours = await page.$$eval("#player-stage canvas", (c) => c.length);
      expect(neighbours).toBe(1 + data.playback.subjects[0]!.neighbours.length);
      const playback = await page.$("#playback");
      await playback!.screenshot({ path: path.join(shots, "playback.png") });
      expect(problems).toEqual([]);

      // A run whose bundle names no raw files: the page still renders, and says why there is no player.
      const demo = await watchedPage(chrome.browser);
      await openReport(demo.page, await evalRun(root, null));
      expect(await demo.page.$eval("#playback", (e) => e.getAttribute("data-available"))).toBe("false");
      expect(await demo.page.$eval("#playback-note", (e) => e.textContent)).toContain("meta.sampleNames");
      expect(await demo.page.$eval("#player", (e) => e.hasAttribute("hidden"))).toBe(true);
      expect(demo.problems).toEqual([]);
    } finally {
      await chrome.close();
    }
    for (const shot of ["report.png", "explorer.png", "playback.png"])
      expect(fs.readFileSync(path.join(shots, shot)).subarray(0, 4).equals(PNG), shot).toBe(true);
  });

  it("draws the α × β grid (reference, labelled oracle) and the orders spread", async () => {
    const root = tempDir("skc-browser-");
    const run = writeSkeletonRun(root, {
      seed: 6,
      samples: 40,
      classIds: [10, 11, 19, 26, 56],
      channels: 16,
    });
    const chrome = await launchChromium(chromium);
    try {
      for (const [protocol, chart] of [
        ["reference", "grid"],
        ["orders", "orders"],
      ] as const) {
        const out = path.join(root, protocol);
        const capture = captureIo();
        const args = skeletonEvalArgs(
          run.bundle,
          out,
          "--no-ablations",
          "--protocol",
          protocol,
          "--orders",
          "3",
        );
        expect(await main(args, capture.io)).toBe(0);
        const { page, problems } = await watchedPage(chrome.browser);
        await openReport(page, path.join(out, "report.html"));
        expect(await page.$eval(`#chart-${chart}`, (e) => e.getAttribute("data-rendered"))).toBe("true");
        expect(
          await page.$$eval(`#chart-${chart} svg .role-mark path`, (marks) => marks.length),
        ).toBeGreaterThan(0);
        const legends = await legendAgainstMarks(page);
        expect(legends.charts, protocol).toContain(chart === "orders" ? "orders" : "running");
        expect(legends.mismatches, protocol).toEqual([]);
        const oracle = await page.$("#oracle-banner");
        expect(oracle !== null, protocol).toBe(protocol === "reference");
        expect(problems).toEqual([]);
      }
    } finally {
      await chrome.close();
    }
  });
});

/**
 * Every chart with a series legend (symbol swatches): its name, and each drawn
 * mark whose series (from its aria-label) has no legend entry or another
 * colour than its entry's swatch; two entries sharing a colour count too.
 */
async function legendAgainstMarks(page: Page): Promise<{ charts: string[]; mismatches: string[] }> {
  return page.$$eval(".chart", (hosts) => {
    const colour = (e: { getAttribute(name: string): string | null }) => {
      const fill = e.getAttribute("fill");
      return fill && fill !== "transparent" && fill !== "none" ? fill : e.getAttribute("stroke");
    };
    const charts: string[] = [];
    const mismatches: string[] = [];
    for (const host of hosts) {
      const symbols = [...host.querySelectorAll(".role-legend-symbol path")];
      if (symbols.length === 0) continue;
      const name = host.getAttribute("data-chart") ?? "?";
      charts.push(name);
      const swatch = new Map<string, string | null>();
      for (const symbol of symbols) {
        const entry = symbol.parentElement?.parentElement;
        const label = entry?.querySelector(".role-legend-label text")?.textContent ?? "";
        if ([...swatch.values()].includes(colour(symbol)))
          mismatches.push(`${name}: legend colour ${colour(symbol)} used twice`);
        swatch.set(label, colour(symbol));
      }
      for (const mark of host.querySelectorAll(".role-mark path, .role-mark line")) {
        const label = mark.getAttribute("aria-label") ?? "";
        const series = /(?:^|; )series: ([^;]*)/.exec(label)?.[1];
        if (series === undefined) mismatches.push(`${name}: a mark names no series (${label})`);
        else if (!swatch.has(series)) mismatches.push(`${name}: series "${series}" has no legend entry`);
        else if (swatch.get(series) !== colour(mark))
          mismatches.push(
            `${name}: a "${series}" mark is ${colour(mark)}, its legend swatch ${swatch.get(series)}`,
          );
      }
    }
    return { charts, mismatches };
  });
}
