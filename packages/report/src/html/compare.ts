/**
 * compare.html of a method comparison (`skc eval --method all`): the
 * methods' run folders read back (their report.json) and put side by side —
 * the headline figures, each method minus the reference method
 * (skeleton-cache) paired over the same stream orders with its t interval
 * (metrics' `pairedDifference`; "n/a" where the protocol runs no orders),
 * per-class top-1, and a link to each method's report.html. One
 * self-contained file (styles, scripts and data inlined), written atomically.
 */
import path from "node:path";
import { ValueError } from "@skeleton-cache/errors";
import { writeFileAtomic } from "@skeleton-cache/formats";
import { type PairedDifference, pairedDifference } from "@skeleton-cache/metrics";
import {
  EMBED_OPTIONS,
  inlineScript,
  interactiveSpec,
  jsonScript,
  pairedDifferenceSpec,
  perClassSeriesSpec,
  vegaLibraries,
} from "@skeleton-cache/plots";
import { type EvalReport, readEvalReport } from "../eval-report.js";
import { fmt, ORACLE_NOTE, SYNTHETIC_TAG, signedFmt } from "../run-directory.js";
import { paramsText } from "../summary.js";
import { asset, escapeHtml } from "./page.js";

/** The method every other is paired against: the paper's. */
export const REFERENCE_METHOD = "skeleton-cache";

/** One method of a comparison. */
export interface ComparisonRow {
  readonly method: string;
  readonly title: string;
  readonly params: Readonly<Record<string, number | string>>;
  readonly top1: number;
  /** Top-1 minus the backbone's. */
  readonly gain: number;
  /** Top-1 minus the reference method's on the stream order as given; null without a reference run. */
  readonly vsReference: number | null;
  /** Mean and sd of top-1 over the R stream orders; null where the protocol runs none. */
  readonly orders: { readonly R: number; readonly mean: number; readonly sd: number } | null;
  /**
   * Top-1 minus the reference method's, paired over the same stream orders
   * (the same seeds), with its interval; null where there are no orders (or
   * no reference run), and for the reference itself.
   */
  readonly paired: PairedDifference | null;
  /** Per-class top-1 (%), null for a class with no samples. */
  readonly perClass: readonly (number | null)[];
  /** The method's run folder as given, its report.html relative to compare.html, and the other files of the folder. */
  readonly dir: string;
  readonly page: string;
  readonly files: readonly string[];
}

/** Everything compare.html shows. */
export interface Comparison {
  readonly protocol: EvalReport["protocol"];
  readonly synthetic: boolean;
  readonly bundle: Pick<
    EvalReport["bundle"],
    "source" | "numSamples" | "numClasses" | "classIds" | "classNames"
  >;
  readonly backbone: { readonly top1: number; readonly perClass: readonly (number | null)[] };
  /** The method paired against (null where it was not run). */
  readonly reference: string | null;
  /** The level of the paired intervals. */
  readonly level: number;
  /** Why the paired column reads "n/a", where it does. */
  readonly pairedNote: string | null;
  /** Every method's warnings, once each. */
  readonly warnings: readonly string[];
  readonly rows: readonly ComparisonRow[];
}

/** One method's run as the comparison reads it. */
export interface ComparedRun {
  /** Its run folder. */
  readonly dir: string;
  readonly report: EvalReport;
}

/** Refuses runs that do not share the stream and protocol, naming the first that differs. */
function checkComparable(runs: readonly ComparedRun[]): void {
  const first = runs[0]!;
  const same: [string, (r: EvalReport) => unknown][] = [
    ["protocol.name", (r) => r.protocol.name],
    ["bundle.source", (r) => r.bundle.source],
    ["bundle.numSamples", (r) => r.bundle.numSamples],
    ["bundle.numClasses", (r) => r.bundle.numClasses],
    ["seed", (r) => r.seed],
    ["orders.seeds", (r) => r.orders?.seeds.join(",") ?? null],
  ];
  for (const run of runs.slice(1))
    for (const [field, of] of same)
      if (of(run.report) !== of(first.report))
        throw new ValueError(
          `compare: ${path.join(run.dir, "report.json")} has ${field} ${JSON.stringify(of(run.report))}, ${path.join(first.dir, "report.json")} has ${JSON.stringify(of(first.report))}; the methods of a comparison share one stream, protocol and seed`,
          {
            file: path.join(run.dir, "report.json"),
            field,
            value: of(run.report),
            expected: of(first.report),
          },
        );
}

/**
 * The comparison of the methods' runs (one stream, one protocol): each
 * method's figures, and its paired difference to `reference` over the same
 * stream orders at `level`. `outDir` is where compare.html goes (its links
 * are relative to it).
 */
export function comparisonOf(
  runs: readonly ComparedRun[],
  options: { readonly outDir: string; readonly reference?: string; readonly level?: number },
): Comparison {
  if (runs.length === 0) throw new ValueError("compare: no method runs to compare", { field: "runs" });
  checkComparable(runs);
  const referenceName = options.reference ?? REFERENCE_METHOD;
  const level = options.level ?? 0.95;
  const reference = runs.find((run) => run.report.method.name === referenceName)?.report;
  const first = runs[0]!.report;
  const pairedNote = !reference
    ? `n/a: ${referenceName} was not among the methods run`
    : reference.orders
      ? null
      : `n/a: protocol ${first.protocol.name} ran no stream orders${first.protocol.name === "reference" ? "" : " (--orders 0)"}, so there is nothing to pair over`;
  const rows = runs.map(({ dir, report }): ComparisonRow => {
    const isReference = report.method.name === referenceName;
    const o = report.orders;
    return {
      method: report.method.name,
      title: report.method.title,
      params: report.params,
      top1: report.results.cache.top1.percent,
      gain: report.results.gain,
      vsReference: reference
        ? report.results.cache.top1.percent - reference.results.cache.top1.percent
        : null,
      orders: o ? { R: o.R, mean: o.summary.mean, sd: o.summary.sd } : null,
      paired:
        !isReference && o && reference?.orders
          ? pairedDifference(o.top1, reference.orders.top1, level)
          : null,
      perClass: report.results.cache.perClass.percent,
      dir,
      files: report.files,
      page: path.relative(options.outDir, path.join(dir, "report.html")).split(path.sep).join("/"),
    };
  });
  return {
    protocol: first.protocol,
    synthetic: runs.some((run) => run.report.synthetic),
    bundle: {
      source: first.bundle.source,
      numSamples: first.bundle.numSamples,
      numClasses: first.bundle.numClasses,
      classIds: first.bundle.classIds,
      classNames: first.bundle.classNames,
    },
    backbone: {
      top1: first.results.backbone.top1.percent,
      perClass: first.results.backbone.perClass.percent,
    },
    reference: reference ? referenceName : null,
    level,
    pairedNote,
    warnings: [...new Set(runs.flatMap((run) => run.report.warnings))],
    rows,
  };
}

/** "+1.25 [−0.40, +2.90] (n = 10; 7 better, 2 worse)", or why there is none. */
export function pairedText(row: ComparisonRow, comparison: Comparison): string {
  if (row.method === comparison.reference) return "reference";
  const p = row.paired;
  if (!p) return "n/a";
  const interval = p.ci ? ` [${signedFmt(p.ci[0])}, ${signedFmt(p.ci[1])}]` : " (n = 1: no interval)";
  return `${signedFmt(p.mean)}${interval} (n = ${p.n}; ${p.improved} better, ${p.worse} worse)`;
}

function cell(text: string, attributes: Record<string, string | number> = {}): string {
  const attrs = Object.entries(attributes)
    .map(([key, value]) => ` ${key}="${escapeHtml(String(value))}"`)
    .join("");
  return `<td${attrs}>${escapeHtml(text)}</td>`;
}

const percent = (value: number | null) => (value === null ? "—" : fmt(value));

function methodsTable(c: Comparison): string {
  const R = c.rows.find((row) => row.orders)?.orders?.R;
  const vs = c.reference ?? REFERENCE_METHOD;
  const head = [
    "method",
    "hyper-parameters",
    "top-1 (%)",
    "Δ vs backbone",
    `Δ vs ${vs} (this order)`,
    R ? `over ${R} orders (%)` : "over orders (%)",
    `${vs} paired over the same orders: Δ [${Math.round(c.level * 100)} % interval]`,
    "report",
  ];
  const rows = c.rows.map((row) =>
    [
      `<tr data-method="${escapeHtml(row.method)}">`,
      cell(row.method, { "data-field": "method" }),
      cell(paramsText(row.params), { "data-field": "params" }),
      cell(fmt(row.top1), { "data-field": "top1", class: "num" }),
      cell(signedFmt(row.gain), { "data-field": "gain", class: "num" }),
      cell(row.vsReference === null ? "n/a" : signedFmt(row.vsReference), {
        "data-field": "vsReference",
        class: "num",
      }),
      cell(row.orders ? `${fmt(row.orders.mean)} ± ${fmt(row.orders.sd)}` : "n/a", {
        "data-field": "orders",
        class: "num",
      }),
      cell(pairedText(row, c), { "data-field": "paired", class: "num" }),
      `<td data-field="page"><a href="${escapeHtml(row.page)}">${escapeHtml(row.page)}</a></td>`,
      "</tr>",
    ].join(""),
  );
  return `<table id="methods"><thead><tr>${head.map((h) => `<th>${escapeHtml(h)}</th>`).join("")}</tr></thead><tbody>
<tr data-method="backbone">${cell("backbone", { "data-field": "method" })}${cell("")}${cell(fmt(c.backbone.top1), { "data-field": "top1", class: "num" })}${cell("")}${cell("")}${cell("")}${cell("")}${cell("")}</tr>
${rows.join("\n")}
</tbody></table>`;
}

function perClassTable(c: Comparison): string {
  const head = ["class", "id", "name", "backbone (%)", ...c.rows.map((row) => `${row.method} (%)`)];
  const rows = c.bundle.classNames.map(
    (name, u) =>
      `<tr data-class="${u}">${cell(String(u))}${cell(c.bundle.classIds ? String(c.bundle.classIds[u]) : "—")}${cell(name)}${cell(percent(c.backbone.perClass[u] ?? null), { "data-method": "backbone", class: "num" })}${c.rows
        .map((row) => cell(percent(row.perClass[u] ?? null), { "data-method": row.method, class: "num" }))
        .join("")}</tr>`,
  );
  return `<table id="per-class"><thead><tr>${head.map((h) => `<th>${escapeHtml(h)}</th>`).join("")}</tr></thead><tbody>
${rows.join("\n")}
</tbody></table>`;
}

/** The comparison's charts: per-class top-1 of every method, and the paired differences where there are intervals. */
function comparisonCharts(c: Comparison) {
  const tag = c.synthetic ? ` [${SYNTHETIC_TAG}]` : "";
  const charts: Record<string, unknown> = {
    perClass: interactiveSpec(
      perClassSeriesSpec(`Per-class top-1 (${c.protocol.name})${tag}`, c.bundle.classNames, [
        { name: "backbone", percent: c.backbone.perClass },
        ...c.rows.map((row) => ({ name: row.method, percent: row.perClass })),
      ]),
    ),
  };
  const points = c.rows.flatMap((row) =>
    row.paired?.ci
      ? [{ method: row.method, mean: row.paired.mean, low: row.paired.ci[0], high: row.paired.ci[1] }]
      : [],
  );
  if (points.length > 0)
    charts.paired = interactiveSpec(
      pairedDifferenceSpec(`Top-1 minus ${c.reference} over the same orders${tag}`, points, c.level),
    );
  return charts;
}

/** compare.html as text. */
export function comparisonPage(c: Comparison): string {
  const title = `Test-time methods compared — protocol ${c.protocol.name}`;
  const charts = comparisonCharts(c);
  const banners = [
    ...(c.protocol.selectsOnTestLabels
      ? [
          `<div class="banner oracle" id="oracle-banner"><strong>${escapeHtml(ORACLE_NOTE.title)}</strong> ${escapeHtml(ORACLE_NOTE.text)}</div>`,
        ]
      : []),
    ...(c.synthetic
      ? [
          `<div class="banner synthetic"><strong>${SYNTHETIC_TAG}.</strong> Synthetic data: no figure here is a real result.</div>`,
        ]
      : []),
    ...c.warnings.map(
      (warning) => `<div class="banner oracle"><strong>Warning.</strong> ${escapeHtml(warning)}</div>`,
    ),
  ];
  const pairedHint = `Each method's top-1 minus ${c.reference ?? REFERENCE_METHOD}'s, order by order over the same seeded stream orders: the mean difference and its ${Math.round(c.level * 100)} % Student t interval (n − 1 degrees of freedom).`;
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; script-src 'unsafe-inline' 'unsafe-eval'; style-src 'unsafe-inline'; img-src data: blob:; font-src data:">
<title>${escapeHtml(title)}</title>
<style>${asset("style.css")}</style>
</head>
<body>
<header>
<h1>${escapeHtml(title)}</h1>
<nav><a href="#headline">Methods</a> · <a href="#paired">Paired differences</a> · <a href="#per-class-section">Per class</a></nav>
</header>
<main>
<section id="headline"><h2>Methods</h2>
${banners.join("\n")}
<p id="protocol"><strong>Protocol:</strong> ${escapeHtml(c.protocol.description)}.</p>
<p>bundle <code>${escapeHtml(c.bundle.source)}</code>: N = ${c.bundle.numSamples}, U = ${c.bundle.numClasses}; backbone top-1 ${fmt(c.backbone.top1)} %.</p>
${methodsTable(c)}
</section>
<section id="paired"><h2>Paired differences</h2>
<p class="hint">${escapeHtml(pairedHint)}</p>
${c.pairedNote ? `<p class="note" id="paired-note">${escapeHtml(c.pairedNote)}</p>` : ""}
${"paired" in charts ? '<div class="chart" id="chart-paired" data-chart="paired"></div>' : ""}
</section>
<section id="per-class-section"><h2>Per-class top-1</h2>
${perClassTable(c)}
<div class="chart" id="chart-perClass" data-chart="perClass"></div>
</section>
</main>
<footer>Built by <code>skc eval --method all</code> from each method's report.json (${c.rows.map((row) => `<code>${escapeHtml(row.dir)}</code>`).join(", ")}); this file needs no network.</footer>
${jsonScript("skc-compare", { charts, embedOptions: EMBED_OPTIONS })}
${vegaLibraries()}
${inlineScript(asset("compare.js"))}
</body>
</html>
`;
}

/** What `writeComparisonHtml` wrote. */
export interface ComparisonHtmlResult {
  readonly file: string;
  readonly bytes: number;
  readonly comparison: Comparison;
}

/**
 * Reads each method's run folder (its report.json) and writes
 * `<outDir>/compare.html` atomically (`options.out` elsewhere).
 */
export function writeComparisonHtml(
  outDir: string,
  methodDirs: readonly string[],
  options: { readonly reference?: string; readonly level?: number; readonly out?: string } = {},
): ComparisonHtmlResult {
  const runs = methodDirs.map((dir) => ({ dir, report: readEvalReport(path.join(dir, "report.json")) }));
  const file = options.out ?? path.join(outDir, "compare.html");
  const comparison = comparisonOf(runs, {
    outDir: path.dirname(file),
    ...(options.reference ? { reference: options.reference } : {}),
    ...(options.level ? { level: options.level } : {}),
  });
  const html = comparisonPage(comparison);
  writeFileAtomic(file, html);
  return { file, bytes: Buffer.byteLength(html), comparison };
}

/**
 * The lines `skc eval --method all` prints: where each method's results are
 * and where the comparison is (compare.html, then `others`, e.g. compare.md).
 */
export function comparisonFilesText(written: ComparisonHtmlResult, others: readonly string[] = []): string {
  const rows = written.comparison.rows;
  const width = Math.max("comparison".length, ...rows.map((row) => row.method.length));
  const folder = (row: ComparisonRow) => {
    const plots = row.files.some((name) => name.startsWith("plots/")) ? ["plots/"] : [];
    const files = [...row.files.filter((name) => !name.startsWith("plots/")), ...plots];
    return `  ${row.method.padEnd(width)}  ${path.join(row.dir, "report.html")} (also ${files.join(", ")})`;
  };
  const also = others.length > 0 ? ` (also ${others.join(", ")})` : "";
  return [
    "written:",
    ...rows.map(folder),
    `  ${"comparison".padEnd(width)}  ${written.file}${also}`,
    "",
  ].join("\n");
}
