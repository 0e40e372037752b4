import fs from "node:fs";
import path from "node:path";
import { ValueError } from "@skeleton-cache/errors";
import { writeFileAtomic } from "@skeleton-cache/formats";
import { type EvalReport, fmt, paramsText, signedFmt, table } from "@skeleton-cache/report";
import type { EvalConfig } from "./config.js";
import { configMethods } from "./method-config.js";
import type { Progress } from "./progress.js";
import { defaultExtractOut, loadRunInputs, runEval } from "./run.js";

/** One method's line of a comparison. */
export interface CompareRow {
  readonly method: string;
  readonly title: string;
  readonly params: Record<string, number | string>;
  readonly top1: number;
  readonly gain: number;
  /** Mean, sd over the R stream orders (null where the protocol has none: reference, or --orders 0). */
  readonly orders: { readonly R: number; readonly mean: number; readonly sd: number } | null;
  /** The method's own run directory. */
  readonly dir: string;
}

/** Every method on one bundle under one protocol; compare.json is this object. */
export interface CompareResult {
  readonly protocol: string;
  readonly bundle: string;
  readonly numSamples: number;
  readonly numClasses: number;
  readonly backboneTop1: number;
  readonly selectsOnTestLabels: boolean;
  readonly rows: CompareRow[];
}

/** Default folder of a comparison: runs/compare-<protocol>-<bundle>. */
export function compareOutDir(config: EvalConfig): string {
  const bundle = config.bundle
    ? path.basename(config.bundle).replace(/\.(npz|safetensors|pt)$/i, "")
    : config.extract
      ? path.basename(defaultExtractOut(config)!)
      : `demo-${config.demo}`;
  return path.join("runs", `compare-${config.protocol}-${bundle}`.replace(/[^A-Za-z0-9._-]/g, "_"));
}

function rowOf(report: EvalReport, dir: string): CompareRow {
  return {
    method: report.method.name,
    title: report.method.title,
    params: { ...report.params },
    top1: report.results.cache.top1.percent,
    gain: report.results.gain,
    orders: report.orders
      ? { R: report.orders.R, mean: report.orders.summary.mean, sd: report.orders.summary.sd }
      : null,
    dir,
  };
}

/** The comparison as a table (stdout and compare.md). */
export function compareText(result: CompareResult): string {
  const withOrders = result.rows.some((r) => r.orders);
  const R = result.rows.find((r) => r.orders)?.orders?.R ?? 0;
  const header = [
    "method",
    "hyper-parameters",
    "top-1 (%)",
    "Δ vs backbone",
    ...(withOrders ? [`over ${R} orders (%)`] : []),
  ];
  const rows = result.rows.map((r) => [
    r.method,
    paramsText(r.params),
    fmt(r.top1),
    signedFmt(r.gain),
    ...(withOrders
      ? [
          r.orders
            ? `${fmt(r.orders.mean)} ± ${fmt(r.orders.sd)} (${signedFmt(r.orders.mean - result.backboneTop1)})`
            : "—",
        ]
      : []),
  ]);
  const lines = [
    `Test-time methods compared — protocol ${result.protocol}${result.selectsOnTestLabels ? " (hyper-parameters selected on TEST labels: an oracle)" : ""}`,
    `bundle: ${result.bundle}  N=${result.numSamples} U=${result.numClasses}; backbone top-1 ${fmt(result.backboneTop1)} %`,
    "",
    table(header, rows),
  ];
  return `${lines.join("\n")}\n`;
}

/**
 * `--method all`: every registered method under the configured protocol on
 * the same bundle, each into `<out>/<method>/` (a full run directory), and
 * one table in `<out>/compare.md` and `<out>/compare.json`.
 */
export async function runCompare(
  config: EvalConfig,
  progress: Progress,
): Promise<{ result: CompareResult; outDir: string }> {
  const outDir = config.out ?? compareOutDir(config);
  if (
    fs.existsSync(outDir) &&
    fs.readdirSync(outDir).length > 0 &&
    !fs.existsSync(path.join(outDir, "compare.json"))
  ) {
    throw new ValueError(
      `out ${outDir}: exists and is not a previous comparison (no compare.json); choose another --out`,
      {
        file: outDir,
        field: "out",
      },
    );
  }
  const inputs = await loadRunInputs(config, progress); // read (and described) once for every method
  const reports: { report: EvalReport; dir: string }[] = [];
  for (const method of configMethods(config)) {
    const dir = path.join(outDir, method);
    const { report } = await runEval({ ...config, out: dir }, progress, {}, { method, inputs });
    reports.push({ report, dir });
  }
  const first = reports[0]!.report;
  const result: CompareResult = {
    protocol: first.protocol.name,
    bundle: first.bundle.source,
    numSamples: first.bundle.numSamples,
    numClasses: first.bundle.numClasses,
    backboneTop1: first.results.backbone.top1.percent,
    selectsOnTestLabels: first.protocol.selectsOnTestLabels,
    rows: reports.map(({ report, dir }) => rowOf(report, dir)),
  };
  writeFileAtomic(path.join(outDir, "compare.md"), compareText(result));
  writeFileAtomic(path.join(outDir, "compare.json"), `${JSON.stringify(result, null, 1)}\n`);
  return { result, outDir };
}
