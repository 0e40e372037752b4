/**
 * The method comparison (`skc eval --method all`): every registered
 * test-time method on the same stream under the same protocol, one table.
 */
import { type EvalReport, fmt, paramsText, signedFmt, table } from "@skeleton-cache/report";
import type { LabelledStream } from "@skeleton-cache/skeleton";
import { type EvaluateOptions, type Evaluation, evaluateMethod } from "./evaluate.js";
import { type EvalSetup, type EvalSetupInput, parseSetup, setupMethods } from "./setup.js";
import { describedStream } from "./stream.js";

/** One method's line of a comparison. */
export interface CompareRow {
  readonly method: string;
  readonly title: string;
  readonly params: Record<string, number | string>;
  readonly top1: number;
  readonly gain: number;
  /** Mean, sd over the R stream orders (null where the protocol has none: reference, or orders 0). */
  readonly orders: { readonly R: number; readonly mean: number; readonly sd: number } | null;
}

/** Every method on one stream under one protocol (skc's compare.json adds each method's run folder). */
export interface CompareResult {
  readonly protocol: string;
  readonly bundle: string;
  readonly numSamples: number;
  readonly numClasses: number;
  readonly backboneTop1: number;
  readonly selectsOnTestLabels: boolean;
  readonly rows: CompareRow[];
}

function rowOf(report: EvalReport): CompareRow {
  return {
    method: report.method.name,
    title: report.method.title,
    params: { ...report.params },
    top1: report.results.cache.top1.percent,
    gain: report.results.gain,
    orders: report.orders
      ? { R: report.orders.R, mean: report.orders.summary.mean, sd: report.orders.summary.sd }
      : null,
  };
}

/** The comparison of the reports of one stream under one protocol (the first one names them). */
export function comparison(reports: readonly EvalReport[]): CompareResult {
  const first = reports[0]!;
  return {
    protocol: first.protocol.name,
    bundle: first.bundle.source,
    numSamples: first.bundle.numSamples,
    numClasses: first.bundle.numClasses,
    backboneTop1: first.results.backbone.top1.percent,
    selectsOnTestLabels: first.protocol.selectsOnTestLabels,
    rows: reports.map(rowOf),
  };
}

/** The comparison as a table (skc prints it and writes it as compare.md). */
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
 * Evaluates every method the setup names (`method: "all"`, the default
 * here: every registered method, each with the shorthands it takes and its
 * own `params`) on the same stream under the same protocol. Returns each
 * method's evaluation, in registry order, and the comparison of their reports.
 */
export function compare(
  stream: LabelledStream,
  setup: EvalSetupInput | EvalSetup = {},
  options: EvaluateOptions = {},
): { readonly result: CompareResult; readonly evaluations: Evaluation[] } {
  const checked = parseSetup({ method: "all", ...setup });
  const ready = describedStream(stream); // F described once for every method
  const evaluations = setupMethods(checked).map((method) => evaluateMethod(ready, checked, method, options));
  return { result: comparison(evaluations.map((e) => e.report)), evaluations };
}
