/**
 * The screenshot of report.html in apps/eval/README.md: a SYNTHETIC run with
 * synthetic raw skeleton files (the fixture of the report.html tests),
 * opened in the system Chromium; the sample explorer with a flipped sample
 * selected, and the skeleton player beside it.
 *
 *   node --conditions=@skc/source --import tsx apps/eval/scripts/report-screenshot.ts
 *     → apps/eval/docs/report-html.png
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { main } from "../src/cli.js";
import { launchChromium, openReport, watchedPage } from "../src/test-support/browser.js";
import { skeletonEvalArgs, writeSkeletonRun } from "../src/test-support/skeleton-run.js";

const target = fileURLToPath(new URL("../docs/report-html.png", import.meta.url));
const root = fs.mkdtempSync(path.join(os.tmpdir(), "skc-shot-"));
try {
  const run = writeSkeletonRun(root, { seed: 5, samples: 240, classIds: [10, 11, 19, 26, 56], channels: 16 });
  const out = path.join(root, "run");
  const code = await main(skeletonEvalArgs(run.bundle, out));
  if (code !== 0) throw new Error(`skc eval exited ${code}`);
  const chrome = await launchChromium(process.env.SKC_CHROMIUM ?? "/usr/bin/chromium");
  try {
    const { page, problems } = await watchedPage(chrome.browser);
    await page.setViewport({ width: 1280, height: 900, deviceScaleFactor: 1 });
    await openReport(page, path.join(out, "report.html"));
    await page.select("#filter-status", "flipped-right");
    const first = await page.$eval("#sample-list tbody tr", (row) => row.getAttribute("data-sample"));
    await page.click(`#sample-list tr[data-sample="${first}"]`);
    await page.evaluate(
      'const s = document.getElementById("frame-slider"); s.value = "12"; s.dispatchEvent(new Event("input"));',
    );
    // The explorer and the player in one picture: the other sections hidden, the player moved up.
    await page.evaluate(
      'for (const id of ["headline", "plots", "cache"]) document.getElementById(id).hidden = true; document.querySelector("footer").hidden = true; document.getElementById("explorer").after(document.getElementById("playback")); document.querySelector(".list").style.maxHeight = "420px"; window.scrollTo(0, 0);',
    );
    await page.mouse.move(0, 0);
    const bottom = Number(
      await page.evaluate(
        'document.getElementById("playback").getBoundingClientRect().bottom + window.scrollY',
      ),
    );
    await page.screenshot({
      path: target,
      clip: { x: 0, y: 0, width: 1280, height: bottom + 16 },
      captureBeyondViewport: true,
    });
    if (problems.length > 0) throw new Error(problems.join("\n"));
    console.log(path.relative(process.cwd(), target));
  } finally {
    await chrome.close();
  }
} finally {
  fs.rmSync(root, { recursive: true, force: true });
}
