import fs from "node:fs";
import path from "node:path";
import { ValueError } from "@skeleton-cache/errors";
import { stageOutput, writeFileAtomic } from "@skeleton-cache/formats";
import type { EvalReport } from "./eval-report.js";

/** Per-sample arrays behind predictions.csv (indexed by sample). */
export interface RunFiles {
  /** order[i] = sample at stream position i. */
  readonly order: Int32Array;
  readonly labels: Int32Array;
  readonly baselinePred: Int32Array;
  /** The reported prediction (the online one, or the reference protocol's second pass). */
  readonly refinedPred: Int32Array;
  /** The prediction made when the sample arrived (SPEC §6). */
  readonly onlinePred: Int32Array;
  readonly entropy: Float64Array;
  readonly inserted: Uint8Array;
  readonly gzsl: { readonly baseline: Int32Array; readonly refined: Int32Array } | null;
}

/** Two decimals, the precision of every figure in report.md. */
export function fmt(value: number): string {
  return value.toFixed(2);
}

/** "+1.25" / "-3.13": a signed figure with two decimals. */
export function signedFmt(value: number): string {
  return `${value >= 0 ? "+" : ""}${fmt(value)}`;
}

/** predictions.csv: header + one row per sample in stream order (0-based class indices). */
export function predictionsCsv(files: RunFiles): string {
  const header = ["index", "label", "baseline_pred", "refined_pred", "online_pred", "entropy", "cached"];
  if (files.gzsl) header.push("gzsl_baseline_pred", "gzsl_refined_pred");
  const lines = [header.join(",")];
  for (let position = 0; position < files.order.length; position++) {
    const sample = files.order[position]!;
    const row = [
      sample,
      files.labels[sample],
      files.baselinePred[sample],
      files.refinedPred[sample],
      files.onlinePred[sample],
      files.entropy[sample]!.toFixed(6),
      files.inserted[sample],
    ];
    if (files.gzsl) row.push(files.gzsl.baseline[sample], files.gzsl.refined[sample]);
    lines.push(row.join(","));
  }
  return `${lines.join("\n")}\n`;
}

/** A markdown table (report.md, compare.md). */
export function table(header: readonly string[], rows: readonly (readonly (string | number)[])[]): string {
  const out = [`| ${header.join(" | ")} |`, `|${header.map(() => "---").join("|")}|`];
  for (const row of rows) out.push(`| ${row.join(" | ")} |`);
  return out.join("\n");
}

/** The banner of a report whose hyper-parameters were selected on test labels (report.md, report.html). */
export const ORACLE_NOTE = {
  title: "Hyper-parameters selected on TEST labels.",
  text: "The `reference` protocol reproduces the authors' evaluation: the best point of the α × β grid, chosen with the test labels (an oracle). It is not a deployable setting; see the fixed-parameter result below.",
} as const;

/** The heading of the main results, which says where α and β came from. */
export function resultsHeading(protocol: string): string {
  if (protocol === "reference") return "Results (best grid point, selected on test labels)";
  if (protocol === "validation")
    return "Results (test bundle, hyper-parameters chosen on the validation bundle)";
  return "Results (fixed hyper-parameters; stream order)";
}

/** The label printed wherever a figure comes from synthetic data. */
export const SYNTHETIC_TAG = "SYNTHETIC";

/** A grid point or hyper-parameters as "alpha = 1, beta = 5". */
function pointText(values: Readonly<Record<string, number | string>>): string {
  return Object.entries(values)
    .map(([key, value]) => `${key} = ${value}`)
    .join(", ");
}

/** The grid section: a matrix for a two-parameter grid, else one row per point. */
function gridMarkdown(g: NonNullable<EvalReport["grid"]>): string[] {
  const fired = (q: object) => ("secondPassFired" in q && q.secondPassFired ? "†" : "");
  const cell = (q: (typeof g.points)[number]) => `${fmt(q.top1)}${fired(q)}`;
  let body: string;
  if (g.keys.length === 2) {
    const [rowKey, columnKey] = g.keys as [string, string];
    const rowValues = [...new Set(g.points.map((q) => q.values[rowKey]!))];
    const columnValues = [...new Set(g.points.map((q) => q.values[columnKey]!))];
    body = table(
      ["", ...columnValues.map((v) => `${columnKey} = ${v}`)],
      rowValues.map((rv) => [
        `${rowKey} = ${rv}`,
        ...columnValues.map((cv) =>
          cell(g.points.find((q) => q.values[rowKey] === rv && q.values[columnKey] === cv)!),
        ),
      ]),
    );
  } else
    body = table(
      ["point", "top-1 (%)"],
      g.points.map((q) => [pointText(q.values), cell(q)]),
    );
  const anyFired = g.points.some((q) => fired(q) !== "");
  return [
    `## Grid: top-1 (%) over ${g.keys.join(" × ")}, on ${g.on} (other hyper-parameters as in Setup)`,
    body,
    `Best: ${pointText(g.best.values)}, top-1 ${fmt(g.best.top1)} %${g.on === "test labels" ? " (selected on test labels)" : ""}.${anyFired ? " † = the second pass fired." : ""}`,
  ];
}

/** Per-class accuracy, with the class blocks' occupancy and precision for methods that keep them. */
function perClassMarkdown(report: EvalReport): string[] {
  const { bundle: b, results: r } = report;
  const stats = r.cacheStatistics;
  const pct = (value: number | null | undefined) =>
    value === null || value === undefined ? "—" : fmt(value);
  const header = ["class", "id", "name", "samples", "backbone (%)", `${report.method.title} (%)`];
  if (stats) header.push("cache entries", "cache precision (%)");
  const rows = b.classNames.map((name, u) => [
    u,
    b.classIds ? b.classIds[u]! : "—",
    name,
    r.backbone.perClass.support[u]!,
    pct(r.backbone.perClass.percent[u]),
    pct(r.cache.perClass.percent[u]),
    ...(stats ? [`${stats.occupancy[u]} / ${stats.K}`, pct(stats.precisionPerBlock[u])] : []),
  ]);
  return [
    stats ? "## Per-class accuracy and cache" : "## Per-class accuracy",
    table(header, rows),
    ...(stats
      ? [
          `Cache after the pass: ${stats.totalEntries} entries (${fmt(100 * stats.fill)} % full); pseudo-label precision ${fmt(stats.precision)} %.`,
        ]
      : []),
  ];
}

/** report.md: the tables a person reads; every figure also in report.json (`plots`: whether plots/ is written beside it). */
export function reportMarkdown(report: EvalReport, options: { readonly plots?: boolean } = {}): string {
  const parts = [
    ...headerMarkdown(report),
    ...setupMarkdown(report),
    ...resultsMarkdown(report),
    ...referenceMarkdown(report),
    ...validationMarkdown(report),
    ...(report.grid ? gridMarkdown(report.grid) : []),
    ...ordersMarkdown(report),
    ...ablationsMarkdown(report),
    ...perClassMarkdown(report),
    ...confusionMarkdown(report),
    ...gzslMarkdown(report),
    ...filesMarkdown(options.plots ?? false),
  ];
  return `${parts.join("\n\n")}\n`;
}

/** The title, the synthetic and oracle banners, the warnings and the protocol. */
function headerMarkdown(report: EvalReport): string[] {
  const parts: string[] = [];
  const syntheticTitle = report.synthetic ? ` (${SYNTHETIC_TAG} data)` : "";
  parts.push(`# Skeleton-Cache evaluation — protocol \`${report.protocol.name}\`${syntheticTitle}`);
  if (report.synthetic) parts.push(`> **${SYNTHETIC_TAG}.** ${report.syntheticNote}`);
  if (report.protocol.selectsOnTestLabels) {
    parts.push(`> **${ORACLE_NOTE.title}** ${ORACLE_NOTE.text}`);
  }
  for (const warning of report.warnings) parts.push(`> **Warning.** ${warning}`);
  parts.push(`Protocol: ${report.protocol.description}.`);
  return parts;
}

/** The bundle, prior, method, hyper-parameters and seed. */
function setupMarkdown(report: EvalReport): string[] {
  const b = report.bundle;
  return [
    "## Setup",
    table(
      ["key", "value"],
      [
        ["bundle", `\`${b.source}\`${report.synthetic ? ` (${SYNTHETIC_TAG})` : ""}`],
        ["samples N", b.numSamples],
        ["classes U", b.numClasses],
        ["channels C", b.channels],
        ["bundle holds", b.input === "features" ? "feature volumes F (N, C, T, V)" : "descriptors (N, 8, C)"],
        [
          "prior",
          `${report.prior.kind}: \`${report.prior.source}\`${report.prior.split ? ` (split ${report.prior.split})` : ""}${priorOrigin(report.prior.kind)}${report.prior.note !== undefined ? `; ${report.prior.note}` : ""}`,
        ],
        ["method", `\`${report.method.name}\` — ${report.method.description} (${report.method.reference})`],
        ...Object.entries(report.params).map(([key, value]): [string, string | number] => [key, value]),
        ...(report.method.hedgeActive === null
          ? []
          : [["runner-up hedge", report.method.hedgeActive ? "on" : "off"] as [string, string]]),
        ["seed", report.seed],
        ...(report.stream.order === undefined
          ? []
          : [["stream order", report.stream.order] as [string, string]]),
      ],
    ),
  ];
}

/** The main results: backbone and method side by side, and the gain. */
function resultsMarkdown(report: EvalReport): string[] {
  const { bundle: b, results: r } = report;
  const title = report.method.title;
  const summaryRow = (name: string, s: EvalReport["results"]["backbone"]) => [
    name,
    fmt(s.top1.percent),
    s.top5 ? fmt(s.top5.percent) : "—",
    fmt(s.perClass.meanPercent),
    `${s.top1.correct} / ${s.top1.total}`,
  ];
  return [
    `## ${resultsHeading(report.protocol.name)}`,
    table(
      ["model", "top-1 (%)", `top-${Math.min(5, b.numClasses)} (%)`, "mean per-class (%)", "correct / N"],
      [summaryRow("backbone", r.backbone), summaryRow(title, r.cache)],
    ),
    `Gain of ${title} over the backbone: ${signedFmt(r.gain)} points top-1.${b.numClasses <= 5 ? ` (With U = ${b.numClasses} candidates, top-${b.numClasses} is 100 % by definition.)` : ""}`,
  ];
}

function referenceMarkdown(report: EvalReport): string[] {
  const ref = report.reference;
  if (!ref) return [];
  return [
    "## Reference protocol",
    table(
      ["figure", "value"],
      [
        ["reported top-1 (%) — selected on test labels", fmt(ref.reportedTop1)],
        ["best point", pointText(ref.best.values)],
        ["second pass fired at the best point", ref.best.secondPassFired ? "yes" : "no"],
        ["mean max base logit (threshold)", `${ref.meanMaxBaseLogit.toFixed(6)} (${ref.threshold})`],
        [`fixed ${pointText(ref.fixed.params)}: top-1 (%)`, fmt(ref.fixed.top1)],
      ],
    ),
  ];
}

function validationMarkdown(report: EvalReport): string[] {
  const v = report.validation;
  if (!v) return [];
  return [
    "## Validation",
    table(
      ["figure", "value"],
      [
        ["validation bundle", `\`${v.bundle}\` (${v.numSamples} samples, ${v.numClasses} classes)`],
        ["validation prior", `${v.prior.kind}: \`${v.prior.source}\``],
        ["chosen", pointText(v.chosen)],
        ["validation top-1 (%) at the chosen point", fmt(v.validationTop1)],
      ],
    ),
  ];
}

function ordersMarkdown(report: EvalReport): string[] {
  const o = report.orders;
  if (!o) return [];
  return [
    `## Stream orders (R = ${o.R} seeded permutations, seeds ${o.seeds[0]}..${o.seeds[o.seeds.length - 1]})`,
    table(
      ["figure", "mean (%)", "sd", "min (%)", "max (%)"],
      [
        [
          `${report.method.title} top-1`,
          fmt(o.summary.mean),
          fmt(o.summary.sd),
          fmt(o.summary.min),
          fmt(o.summary.max),
        ],
      ],
    ),
    `Backbone top-1 (order-independent): ${fmt(o.backboneTop1)} %. Stream order as given: ${fmt(o.streamOrderTop1)} %.`,
  ];
}

/** Top-1 per descriptor set, with the LLM prior (when run) and the uniform one. */
function ablationsMarkdown(report: EvalReport): string[] {
  const ablations = report.ablations;
  if (!ablations) return [];
  const names = [...new Set(ablations.map((a) => a.descriptors))];
  const hasLlm = ablations.some((a) => a.prior === "llm");
  const header = [
    "descriptors",
    "slots",
    ...(hasLlm ? ["LLM prior top-1 (%)"] : []),
    "uniform prior top-1 (%)",
  ];
  const rows = names.map((name) => {
    const llm = ablations.find((a) => a.descriptors === name && a.prior === "llm");
    const uni = ablations.find((a) => a.descriptors === name && a.prior === "uniform")!;
    return [name, uni.slots.join(","), ...(hasLlm ? [fmt(llm!.top1)] : []), fmt(uni.top1)];
  });
  return [`## Ablations (${pointText(report.params)}; other slots' weights zeroed)`, table(header, rows)];
}

/** The method's confusion matrix, for at most 20 classes. */
function confusionMarkdown(report: EvalReport): string[] {
  const b = report.bundle;
  if (b.numClasses > 20) return [];
  return [
    `## Confusion matrix (${report.method.title}; rows = true class, columns = predicted)`,
    table(
      ["true \\ pred", ...b.classNames.map((_, u) => String(u))],
      report.results.cache.confusion.map((row, t) => [String(t), ...row.map(String)]),
    ),
  ];
}

/** Generalized zero-shot: S, U, H at the best calibration, and the sweep when there was one. */
function gzslMarkdown(report: EvalReport): string[] {
  const g = report.gzsl;
  if (!g) return [];
  const best = (name: string, model: typeof g.backbone) => [
    name,
    fmt(model.best.calibration),
    fmt(model.best.seen),
    fmt(model.best.unseen),
    fmt(model.best.harmonic),
  ];
  return [
    `## Generalized zero-shot (seen ids ${g.seenIds.join(", ")}; ${g.average}-averaged; calibrated stacking)`,
    table(
      ["model", "calibration", "S (%)", "U (%)", "H (%)"],
      [best("backbone (best H)", g.backbone), best(`${report.method.title} (best H)`, g.cache)],
    ),
    ...(g.mode === "sweep" ? gzslSweepMarkdown(g) : []),
  ];
}

function gzslSweepMarkdown(g: NonNullable<EvalReport["gzsl"]>): string[] {
  const rows = g.backbone.points.map((bp, i) => {
    const cp = g.cache.points[i]!;
    return [
      fmt(bp.calibration),
      fmt(bp.seen),
      fmt(bp.unseen),
      fmt(bp.harmonic),
      fmt(cp.seen),
      fmt(cp.unseen),
      fmt(cp.harmonic),
    ];
  });
  return [
    g.backbone.best.calibration === g.cache.best.calibration
      ? "Calibration chosen by H on the evaluated labels (a sweep)."
      : "Calibration chosen by H on the evaluated labels, separately per model (a sweep).",
    table(["calibration", "backbone S", "backbone U", "backbone H", "cache S", "cache U", "cache H"], rows),
  ];
}

/** What the run folder holds. */
function filesMarkdown(plots: boolean): string[] {
  return [
    "## Files",
    [
      "- `report.json`: everything above, machine-readable (config, versions, seed, timing).",
      "- `predictions.csv`: `index,label,baseline_pred,refined_pred,...` per sample in stream order, 0-based class indices.",
      "- `report.html`: this report in a browser (one self-contained file): interactive plots, a sample explorer, the cache over time, skeleton playback where the raw files are known; rebuild with `skc report DIR`.",
      ...(plots
        ? [
            "- `plots/*.svg`, `plots/*.png`: running accuracy, per-class accuracy, confusion matrix, α × β grid (when run).",
          ]
        : []),
    ].join("\n"),
  ];
}

/**
 * The static plots of a report (SVG + PNG): running accuracy, per-class
 * accuracy, the confusion matrix and, for an α × β grid, the grid.
 */
export async function renderReportPlots(
  report: EvalReport,
): Promise<{ name: string; svg: string; png: Uint8Array }[]> {
  // The plotting libraries (vega, vega-lite, resvg) load only when a run writes plots.
  const { confusionSpec, gridSpec, perClassSpec, renderPlot, runningAccuracySpec } = await import(
    "@skeleton-cache/plots"
  );
  const tag = report.synthetic ? ` [${SYNTHETIC_TAG}]` : "";
  const r = report.results;
  const out = [
    await renderPlot(
      "running-accuracy",
      runningAccuracySpec(
        `Running top-1 along the stream (${report.protocol.name})${tag}`,
        r.running.positions,
        r.running.backbone,
        r.running.cache,
      ),
    ),
    await renderPlot(
      "per-class-accuracy",
      perClassSpec(
        `Per-class top-1 (${report.protocol.name})${tag}`,
        report.bundle.classNames,
        r.backbone.perClass.percent,
        r.cache.perClass.percent,
      ),
    ),
    await renderPlot(
      "confusion-matrix",
      confusionSpec(
        `Confusion matrix, ${report.method.title} (${report.protocol.name})${tag}`,
        report.bundle.classNames,
        r.cache.confusion,
      ),
    ),
  ];
  const g = report.grid;
  if (g && g.keys.join() === "alpha,beta") {
    const on = g.on === "test labels" ? "on TEST labels (oracle)" : "on the validation bundle";
    const points = g.points.map((q) => ({ alpha: q.values.alpha!, beta: q.values.beta!, top1: q.top1 }));
    out.push(
      await renderPlot(
        "alpha-beta-grid",
        gridSpec(`Top-1 over α × β, ${report.method.title}, ${on}${tag}`, points),
      ),
    );
  }
  return out;
}

/** What `writeRunDirectory` writes besides the report, and when it tells. */
export interface RunDirectoryOptions {
  readonly plots: boolean;
  /** Seconds spent writing the files of the report (before `complete`), told before report.json is written. */
  readonly onTiming?: (seconds: number) => void;
  /**
   * Adds the last files to the staged folder (report.json is there; `skc eval`
   * writes report.html) and may stop the run (an interruption): called just
   * before the folder is published. Whatever it throws leaves nothing behind.
   */
  readonly complete?: (stagedDir: string) => Promise<void> | void;
}

/**
 * Writes a run directory that appears only when complete: every file goes
 * into a staged `<outDir>.partial-<pid>` folder (each file atomically,
 * report.json after the others, then `complete`'s files), which then
 * replaces `outDir` in one rename. A run that fails or is stopped leaves no
 * report and no staged folder; a run that succeeds removes the staged
 * folders of earlier runs that died. An existing `outDir` that is not a
 * previous run directory is refused. Returns the report's file list.
 */
export async function writeRunDirectory(
  outDir: string,
  report: EvalReport,
  files: RunFiles,
  options: RunDirectoryOptions,
): Promise<string[]> {
  const target = path.resolve(outDir);
  if (fs.existsSync(target)) {
    const stat = fs.statSync(target);
    const entries = stat.isDirectory() ? fs.readdirSync(target) : ["(a file)"];
    if (!stat.isDirectory() || (entries.length > 0 && !entries.includes("report.json"))) {
      throw new ValueError(
        `out ${outDir}: exists and is not a previous run directory (no report.json); choose another --out`,
        { file: outDir, field: "out" },
      );
    }
  }
  const started = performance.now();
  const stage = stageOutput(target);
  try {
    const written: string[] = [];
    const put = (name: string, contents: string | Uint8Array) => {
      writeFileAtomic(path.join(stage.path, name), contents);
      written.push(name);
    };
    put("predictions.csv", predictionsCsv(files));
    put("report.md", reportMarkdown(report, { plots: options.plots }));
    if (options.plots) {
      for (const plot of await renderReportPlots(report)) {
        put(`plots/${plot.name}.svg`, plot.svg);
        put(`plots/${plot.name}.png`, plot.png);
      }
    }
    written.push("report.json");
    options.onTiming?.(Math.round(performance.now() - started) / 1000);
    const final = { ...report, files: written };
    writeFileAtomic(path.join(stage.path, "report.json"), `${JSON.stringify(final, jsonReplacer, 1)}\n`);
    await options.complete?.(stage.path);
    stage.commit();
    return written;
  } catch (error) {
    stage.discard();
    throw error;
  }
}

function jsonReplacer(_key: string, value: unknown): unknown {
  if (ArrayBuffer.isView(value) && !(value instanceof DataView))
    return Array.from(value as unknown as ArrayLike<number>);
  if (typeof value === "number" && !Number.isFinite(value)) return String(value);
  return value;
}

/** How a prior of this kind came to be, for people reading a report. */
export function priorOrigin(kind: string): string {
  if (kind === "published") return " — the authors' published GPT-4o prior";
  if (kind === "shipped") return " — LLM-written by this project (see the file's provenance)";
  return "";
}
