/**
 * report.html for a 2 000-sample, 30-class SYNTHETIC run with synthetic raw
 * skeleton files (the fixture of the report.html tests; C = 256): the page's
 * size and what it is made of, the time to build it (`skc report`: bundle
 * read, traced replay, page), the traced replay against the plain online
 * pass in the same run, and — where a system Chromium exists — the time from
 * opening the file to every chart drawn (median of 3 loads).
 *
 * Part of `pnpm bench`; alone (prints its rows as JSON):
 *   node --conditions=@skc/source --import tsx bench/report-html.ts [--quick]
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { uniformPrior } from "@skeleton-cache/prior";
import { chromiumPath } from "@skeleton-cache/test-support";
import { onlinePass, SkeletonCacheMethod, TraceRecorder } from "@skeleton-cache/tta";
import { main } from "../apps/eval/src/cli.js";
import { loadStream } from "../apps/eval/src/inputs.js";
import { launchChromium, openReport, watchedPage } from "../apps/eval/src/test-support/browser.js";
import { skeletonEvalArgs, writeSkeletonRun } from "../apps/eval/src/test-support/skeleton-run.js";

const N = 2000;
const U = 30;
const C = 256;

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}

async function quiet(args: string[]): Promise<number> {
  const sink = { write: () => true };
  return main(args, { stdout: sink, stderr: sink });
}

/** Sizes of the page's parts in bytes: inlined libraries, each data key, the rest (markup, CSS, client). */
function composition(html: string): Record<string, number> {
  const data = /<script type="application\/json" id="skc-data">(.*?)<\/script>/s.exec(html)![1]!;
  const parsed = JSON.parse(data) as Record<string, unknown>;
  const out: Record<string, number> = { total: Buffer.byteLength(html) };
  for (const key of ["charts", "samples", "trace", "playback"])
    out[`data.${key}`] = Buffer.byteLength(JSON.stringify(parsed[key]));
  const scripts = [...html.matchAll(/<script>([\s\S]*?)<\/script>/g)].map((m) => Buffer.byteLength(m[1]!));
  out.libraries = scripts.slice(0, 3).reduce((a, b) => a + b, 0);
  out.client = scripts[3] ?? 0;
  return out;
}

export async function reportHtmlBench(
  tmp: string,
  quick: boolean,
): Promise<Record<string, number | string>[]> {
  const rows: Record<string, number | string>[] = [];
  const root = path.join(tmp, "report-html");
  const classIds = Array.from({ length: U }, (_, k) => 2 * k);
  const run = writeSkeletonRun(root, { seed: 9, samples: N, classIds, channels: C, frames: 96 });
  const out = path.join(root, "run");
  let t = performance.now();
  if ((await quiet(skeletonEvalArgs(run.bundle, out, "--no-ablations"))) !== 0)
    throw new Error("skc eval failed");
  const evalSeconds = (performance.now() - t) / 1000;
  const reports: number[] = [];
  for (let k = 0; k < (quick ? 1 : 3); k++) {
    t = performance.now();
    if ((await quiet(["report", out, "--quiet"])) !== 0) throw new Error("skc report failed");
    reports.push((performance.now() - t) / 1000);
  }
  const html = fs.readFileSync(path.join(out, "report.html"), "utf8");
  const parts = composition(html);
  rows.push({ group: "report-html", name: "size", N, U, C, ...parts });
  rows.push({
    group: "report-html",
    name: "skc eval (online, no ablations, no plots) incl. report.html",
    seconds: evalSeconds,
  });
  rows.push({
    group: "report-html",
    name: "skc report (read bundle, traced replay, page)",
    seconds: median(reports),
  });

  // The traced replay against the plain pass, same data, same run.
  const data = loadStream(run.bundle);
  const options = {
    numClasses: U,
    channels: C,
    prior: uniformPrior(U, 0.5),
    alpha: 1,
    beta: 5,
    K: 8,
  };
  const input = { logits: data.logits, descriptors: data.descriptors };
  const time = (fn: () => void) => {
    fn();
    const samples: number[] = [];
    for (let k = 0; k < (quick ? 2 : 5); k++) {
      const s = performance.now();
      fn();
      samples.push(performance.now() - s);
    }
    return median(samples) / 1000;
  };
  const plain = time(() => onlinePass(input, new SkeletonCacheMethod(options)));
  const traced = time(() =>
    onlinePass(input, new SkeletonCacheMethod(options), {
      trace: new TraceRecorder({ samples: Array.from({ length: 600 }, (_, i) => i * 3), timeline: 60 }),
    }),
  );
  rows.push({ group: "report-html", name: "online pass, no recorder", seconds: plain });
  rows.push({
    group: "report-html",
    name: "online pass, recorder on 600 samples + 60 timeline points",
    seconds: traced,
    ratio: traced / plain,
  });

  const chromium = chromiumPath();
  if (chromium) {
    const chrome = await launchChromium(chromium);
    try {
      const loads: number[] = [];
      for (let k = 0; k < 3; k++) {
        const { page, problems } = await watchedPage(chrome.browser);
        loads.push(await openReport(page, path.join(out, "report.html"), 120_000));
        if (problems.length > 0) throw new Error(problems.join("\n"));
        await page.close();
      }
      rows.push({
        group: "report-html",
        name: "Chromium: open file → every chart drawn (median of 3)",
        seconds: median(loads) / 1000,
      });
    } finally {
      await chrome.close();
    }
  }
  return rows;
}

if (process.argv[1] && path.resolve(process.argv[1]) === path.resolve(new URL(import.meta.url).pathname)) {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "skc-bench-html-"));
  try {
    process.stdout.write(
      `${JSON.stringify(await reportHtmlBench(tmp, process.argv.includes("--quick")), null, 1)}\n`,
    );
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
}
