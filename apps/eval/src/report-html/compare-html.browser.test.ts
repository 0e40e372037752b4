/**
 * compare.html of `skc eval --method all` in a real browser (Debian's
 * Chromium through puppeteer-core; skipped, tagged [needs browser], where
 * /usr/bin/chromium is absent): every number is checked against the
 * methods' report.json — top-1, the spread over orders, each method minus
 * skeleton-cache paired over the same orders with its 95 % t interval
 * (computed here from the per-order top-1 of the two reports), per-class
 * top-1 — and each link opens that method's report.html. Under the
 * reference protocol (no orders) the paired column says "n/a".
 */
import fs from "node:fs";
import path from "node:path";
import { pathToFileURL } from "node:url";
import type { EvalReport } from "@skeleton-cache/report";
import { describeWithBrowser, tempDir } from "@skeleton-cache/test-support";
import { methodNames } from "@skeleton-cache/tta";
import type { Page } from "puppeteer-core";
import { expect, it } from "vitest";
import { main } from "../cli.js";
import { launchChromium, openReport, watchedPage } from "../test-support/browser.js";
import { captureIo } from "../test-support/io.js";
import { skeletonEvalArgs, writeSkeletonRun } from "../test-support/skeleton-run.js";

/** Student t quantile t_{0.975, 3} (the table value): the 95 % interval over R = 4 orders. */
const T_975_DF3 = 3.182446305284263;
const R = 4;

const readReport = (dir: string) =>
  JSON.parse(fs.readFileSync(path.join(dir, "report.json"), "utf8")) as EvalReport;
const fmt = (value: number) => value.toFixed(2);
const signed = (value: number) => `${value >= 0 ? "+" : ""}${fmt(value)}`;

/** "+1.25 [−0.40, +2.90] (n = 4; 3 better, 1 worse)" from two reports' per-order top-1. */
function expectedPaired(method: EvalReport, reference: EvalReport): string {
  expect(method.orders!.seeds).toEqual(reference.orders!.seeds);
  const d = method.orders!.top1.map((top1, r) => top1 - reference.orders!.top1[r]!);
  const mean = d.reduce((a, b) => a + b, 0) / d.length;
  const sd = Math.sqrt(d.reduce((a, b) => a + (b - mean) ** 2, 0) / (d.length - 1));
  const half = (T_975_DF3 * sd) / Math.sqrt(d.length);
  const better = d.filter((x) => x > 0).length;
  const worse = d.filter((x) => x < 0).length;
  return `${signed(mean)} [${signed(mean - half)}, ${signed(mean + half)}] (n = ${d.length}; ${better} better, ${worse} worse)`;
}

/** The text of each cell of the methods table, by method and field. */
async function methodCells(page: Page): Promise<Record<string, Record<string, string>>> {
  return page.$$eval("#methods tbody tr", (rows) =>
    Object.fromEntries(
      rows.map((row) => [
        row.getAttribute("data-method"),
        Object.fromEntries(
          [...row.querySelectorAll("td[data-field]")].map((td) => [
            td.getAttribute("data-field"),
            td.textContent ?? "",
          ]),
        ),
      ]),
    ),
  );
}

async function compareRun(bundle: string, out: string, protocol: string): Promise<string> {
  const capture = captureIo();
  const args = skeletonEvalArgs(bundle, out, "--no-ablations", "--method", "all", "--protocol", protocol);
  expect(await main([...args, "--orders", String(R)], capture.io)).toBe(0);
  return path.join(out, "compare.html");
}

describeWithBrowser("compare.html in headless Chromium", (chromium) => {
  it("shows every method's figures as its report.json has them, paired with skeleton-cache over the same orders, and links each report.html", async () => {
    const root = tempDir("skc-compare-browser-");
    const run = writeSkeletonRun(root, {
      seed: 8,
      samples: 60,
      classIds: [10, 11, 19, 26, 56],
      channels: 16,
    });
    const out = path.join(root, "orders");
    const file = await compareRun(run.bundle, out, "orders");
    const methods = methodNames();
    const reports = Object.fromEntries(methods.map((m) => [m, readReport(path.join(out, m))]));
    const reference = reports["skeleton-cache"]!;
    const chrome = await launchChromium(chromium);
    try {
      const { page, problems } = await watchedPage(chrome.browser);
      await openReport(page, file);
      for (const name of ["perClass", "paired"])
        expect(await page.$eval(`#chart-${name}`, (e) => e.getAttribute("data-rendered")), name).toBe("true");
      expect(
        await page.$$eval(
          "#chart-paired svg .role-mark path, #chart-paired svg .role-mark line",
          (m) => m.length,
        ),
      ).toBeGreaterThan(0);

      const cells = await methodCells(page);
      expect(Object.keys(cells)).toEqual(["backbone", ...methods]);
      expect(cells.backbone!.top1).toBe(fmt(reference.results.backbone.top1.percent));
      for (const method of methods) {
        const report = reports[method]!;
        const row = cells[method]!;
        expect(row.top1, method).toBe(fmt(report.results.cache.top1.percent));
        expect(row.gain, method).toBe(signed(report.results.gain));
        expect(row.vsReference, method).toBe(
          signed(report.results.cache.top1.percent - reference.results.cache.top1.percent),
        );
        expect(row.orders, method).toBe(
          `${fmt(report.orders!.summary.mean)} ± ${fmt(report.orders!.summary.sd)}`,
        );
        expect(row.paired, method).toBe(
          method === "skeleton-cache" ? "reference" : expectedPaired(report, reference),
        );
      }

      // Per class: every method's column is its report.json's per-class top-1.
      const perClass = await page.$$eval("#per-class tbody td[data-method]", (tds) =>
        tds.map((td) => [
          td.parentElement!.getAttribute("data-class"),
          td.getAttribute("data-method"),
          td.textContent,
        ]),
      );
      const shown = (cls: number, method: string) =>
        perClass.find(([u, m]) => u === String(cls) && m === method)?.[2];
      reference.bundle.classNames.forEach((_, u) => {
        const backbone = reference.results.backbone.perClass.percent[u];
        expect(shown(u, "backbone")).toBe(backbone === null ? "—" : fmt(backbone!));
        for (const method of methods) {
          const value = reports[method]!.results.cache.perClass.percent[u];
          expect(shown(u, method), `${method} class ${u}`).toBe(value === null ? "—" : fmt(value!));
        }
      });

      // Each link is the method's report.html, and opens it.
      const links = await page.$$eval("#methods a", (as) =>
        as.map((a) => [
          a.closest("tr")!.getAttribute("data-method"),
          (a as unknown as { href: string }).href,
        ]),
      );
      expect(links).toEqual(methods.map((m) => [m, pathToFileURL(path.join(out, m, "report.html")).href]));
      expect(problems).toEqual([]);
      await Promise.all([page.waitForNavigation(), page.click('#methods tr[data-method="tda"] a')]);
      await page.waitForSelector("body[data-ready]");
      expect(page.url()).toBe(pathToFileURL(path.join(out, "tda", "report.html")).href);
      expect(await page.$eval("#setup", (e) => e.textContent)).toContain(reports.tda!.method.title);

      // The reference protocol runs no orders: the paired column says n/a, and why.
      const refOut = path.join(root, "reference");
      const refPage = await watchedPage(chrome.browser);
      await openReport(refPage.page, await compareRun(run.bundle, refOut, "reference"));
      const refCells = await methodCells(refPage.page);
      for (const method of methods.filter((m) => m !== "skeleton-cache")) {
        expect(refCells[method]!.paired, method).toBe("n/a");
        expect(refCells[method]!.orders, method).toBe("n/a");
        expect(refCells[method]!.top1, method).toBe(
          fmt(readReport(path.join(refOut, method)).results.cache.top1.percent),
        );
      }
      expect(await refPage.page.$eval("#paired-note", (e) => e.textContent)).toContain(
        "protocol reference ran no stream orders",
      );
      expect(await refPage.page.$("#chart-paired")).toBeNull();
      expect(await refPage.page.$("#oracle-banner")).not.toBeNull();
      expect(refPage.problems).toEqual([]);
    } finally {
      await chrome.close();
    }
  });
});
