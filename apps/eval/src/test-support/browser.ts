/**
 * The system Chromium driven by puppeteer-core (no browser download): the
 * launch flags every report.html check uses, a throwaway profile, and a page
 * that records console errors, page errors and any request that is not a
 * local file (a self-contained page makes none).
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import puppeteer, { type Browser, type Page } from "puppeteer-core";

export const CHROMIUM_ARGS = [
  "--no-sandbox",
  "--headless=new",
  "--disable-gpu",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];

export interface OpenBrowser {
  readonly browser: Browser;
  close(): Promise<void>;
}

/** Launches `executable` with a temporary --user-data-dir (removed by close()). */
export async function launchChromium(executable: string): Promise<OpenBrowser> {
  const profile = fs.mkdtempSync(path.join(os.tmpdir(), "skc-chromium-"));
  const browser = await puppeteer.launch({
    executablePath: executable,
    args: [...CHROMIUM_ARGS, `--user-data-dir=${profile}`],
  });
  return {
    browser,
    async close() {
      await browser.close();
      fs.rmSync(profile, { recursive: true, force: true });
    },
  };
}

/** A page that collects problems: console errors, uncaught errors, requests that leave the file. */
export async function watchedPage(browser: Browser): Promise<{ page: Page; problems: string[] }> {
  const page = await browser.newPage();
  const problems: string[] = [];
  page.on("console", (message) => {
    if (message.type() === "error") problems.push(`console error: ${message.text()}`);
  });
  page.on("pageerror", (error) => problems.push(`page error: ${(error as Error).message}`));
  await page.setRequestInterception(true);
  page.on("request", (request) => {
    const url = request.url();
    if (url.startsWith("file:") || url.startsWith("data:") || url.startsWith("blob:")) {
      void request.continue();
    } else {
      problems.push(`network request: ${url}`);
      void request.abort();
    }
  });
  await page.setViewport({ width: 1400, height: 900 });
  return { page, problems };
}

/** Opens report.html and waits until every chart has rendered; returns the milliseconds it took. */
export async function openReport(page: Page, file: string, timeout = 30_000): Promise<number> {
  const started = performance.now();
  await page.goto(`file://${path.resolve(file)}`, { waitUntil: "load", timeout });
  await page.waitForSelector("body[data-charts-rendered][data-ready]", { timeout });
  return performance.now() - started;
}
