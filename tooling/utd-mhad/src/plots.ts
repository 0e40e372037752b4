/**
 * Plots of the committed UTD-MHAD results (SVG + PNG through
 * `@skeleton-cache/plots`: vega-lite → vega → resvg): for each split, the α × β grid
 * of the online top-1 on the test set (mean over seeds × orders), and the
 * per-seed backbone vs Skeleton-Cache figures.
 *
 *   pnpm bench:utd:plots   → docs/results/utd-mhad/*.svg, *.png
 */
import fs from "node:fs";
import path from "node:path";
import { writeFileAtomic } from "@skeleton-cache/formats";
import { meanSd } from "@skeleton-cache/metrics";
import { gridSpec, renderPlot } from "@skeleton-cache/plots";
import type { BenchResults, SplitResult } from "./bench/compute.js";
import { FIXED } from "./bench/core.js";
import { gridValues } from "./bench/tables.js";
import { RESULTS_JSON } from "./bench.js";
import { REPO_ROOT } from "./paths.js";

type TopLevelSpec = ReturnType<typeof gridSpec>;

export const PLOTS_DIR = path.join(REPO_ROOT, "docs/results/utd-mhad");

const LABEL: Record<string, string> = {
  utd_mhad_22_5: "22/5",
  utd_mhad_18_9: "18/9",
  utd_mhad_14_13: "14/13",
};

/** Per-seed backbone and Skeleton-Cache (fixed and chosen α, β) as grouped points with error bars. */
export function seedsSpec(results: BenchResults): TopLevelSpec {
  const values = results.splits.flatMap((s: SplitResult) =>
    s.tests.flatMap((t) => {
      const fixed = meanSd(t.grid[`${FIXED.alpha}/${FIXED.beta}`]!);
      const chosen = meanSd(t.grid[`${s.chosen.alpha}/${s.chosen.beta}`]!);
      const row = (method: string, mean: number, sd: number) => ({
        split: LABEL[s.split] ?? s.split,
        seed: t.name,
        method,
        top1: Math.round(mean * 100) / 100,
        low: Math.round((mean - sd) * 100) / 100,
        high: Math.round((mean + sd) * 100) / 100,
      });
      return [
        row("backbone", t.baseline.descriptions, 0),
        row(`SC α=${FIXED.alpha} β=${FIXED.beta}`, fixed.mean, fixed.sd),
        row("SC at validation-chosen (α, β)", chosen.mean, chosen.sd),
      ];
    }),
  );
  return {
    $schema: "https://vega.github.io/schema/vega-lite/v6.json",
    title: "UTD-MHAD zero-shot top-1 per training seed (SC: mean ± sd over 10 stream orders)",
    data: { values },
    facet: { column: { field: "split", type: "nominal", sort: ["22/5", "18/9", "14/13"], title: null } },
    spec: {
      width: 220,
      height: 220,
      layer: [
        {
          mark: { type: "point", filled: true, size: 60 },
          encoding: {
            x: { field: "seed", type: "nominal", title: "training seed" },
            xOffset: { field: "method" },
            y: { field: "top1", type: "quantitative", title: "top-1 (%)", scale: { domain: [0, 100] } },
            color: { field: "method", type: "nominal", title: null, legend: { labelLimit: 320 } },
          },
        },
        {
          mark: "rule",
          encoding: {
            x: { field: "seed", type: "nominal" },
            xOffset: { field: "method" },
            y: { field: "low", type: "quantitative" },
            y2: { field: "high" },
            color: { field: "method", type: "nominal" },
          },
        },
      ],
    },
  } as TopLevelSpec;
}

async function main(): Promise<void> {
  const results = JSON.parse(fs.readFileSync(RESULTS_JSON, "utf8")) as BenchResults;
  fs.mkdirSync(PLOTS_DIR, { recursive: true });
  const plots = [
    ...(await Promise.all(
      results.splits.map((s) => {
        const points = results.settings.alphas.flatMap((alpha) =>
          results.settings.betas.map((beta) => ({
            alpha,
            beta,
            top1: meanSd(gridValues(s, alpha, beta)).mean,
          })),
        );
        const name = `grid-${s.split}`;
        return renderPlot(
          name,
          gridSpec(
            `UTD-MHAD ${LABEL[s.split]}: Skeleton-Cache top-1 over α × β (test set, mean of seeds × orders)`,
            points,
          ),
          700,
        );
      }),
    )),
    await renderPlot("seeds", seedsSpec(results), 1100),
  ];
  for (const plot of plots) {
    writeFileAtomic(path.join(PLOTS_DIR, `${plot.name}.svg`), plot.svg);
    writeFileAtomic(path.join(PLOTS_DIR, `${plot.name}.png`), plot.png);
    console.log(path.relative(REPO_ROOT, path.join(PLOTS_DIR, `${plot.name}.{svg,png}`)));
  }
}

if (process.argv[1] && path.resolve(process.argv[1]) === path.resolve(new URL(import.meta.url).pathname))
  await main();
