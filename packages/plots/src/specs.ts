/**
 * Chart specs (vega-lite) of an evaluation run, as plain data: the same
 * inputs give the same spec, hence the same SVG / PNG bytes and the same
 * interactive chart. `method` names the test-time method's series
 * (default "Skeleton-Cache").
 */
import type { TopLevelSpec } from "vega-lite";

/** A chart spec (vega-lite), as the app passes it around without importing vega-lite. */
export type ChartSpec = TopLevelSpec;

const SCHEMA = "https://vega.github.io/schema/vega-lite/v6.json";
/** The series name of the test-time method when none is given. */
export const DEFAULT_METHOD = "Skeleton-Cache";
/** The colours of the series of a run, one per series: backbone, the method (as in the other charts), its mean. */
const SERIES_COLOURS = { backbone: "#4c78a8", method: "#f58518", mean: "#e45756" } as const;

/** Running accuracy along the stream, backbone vs the method. */
export function runningAccuracySpec(
  title: string,
  positions: readonly number[],
  backbone: readonly number[],
  cache: readonly number[],
  method: string = DEFAULT_METHOD,
): TopLevelSpec {
  const values: { position: number; series: string; accuracy: number }[] = [];
  positions.forEach((position, i) => {
    values.push({ position, series: "backbone", accuracy: round(backbone[i]!) });
    values.push({ position, series: method, accuracy: round(cache[i]!) });
  });
  return {
    $schema: SCHEMA,
    title,
    width: 640,
    height: 300,
    data: { values },
    mark: { type: "line", strokeWidth: 2, tooltip: true },
    encoding: {
      x: { field: "position", type: "quantitative", title: "samples seen (stream position)" },
      y: { field: "accuracy", type: "quantitative", title: "running top-1 (%)", scale: { domain: [0, 100] } },
      color: { field: "series", type: "nominal", title: null, sort: ["backbone", method] },
    },
  } as TopLevelSpec;
}

/** Per-class accuracy bars, backbone vs the method. */
export function perClassSpec(
  title: string,
  classNames: readonly string[],
  backbone: readonly (number | null)[],
  cache: readonly (number | null)[],
  method: string = DEFAULT_METHOD,
): TopLevelSpec {
  return perClassSeriesSpec(title, classNames, [
    { name: "backbone", percent: backbone },
    { name: method, percent: cache },
  ]);
}

/** Per-class accuracy bars of several series side by side (the backbone and each method of a comparison). */
export function perClassSeriesSpec(
  title: string,
  classNames: readonly string[],
  series: readonly { readonly name: string; readonly percent: readonly (number | null)[] }[],
): TopLevelSpec {
  const values: { cls: string; series: string; accuracy: number }[] = [];
  classNames.forEach((name, u) => {
    const label = `${u}: ${name}`;
    for (const { name: seriesName, percent } of series)
      if (percent[u] !== null) values.push({ cls: label, series: seriesName, accuracy: round(percent[u]!) });
  });
  const order = series.map((s) => s.name);
  return {
    $schema: SCHEMA,
    title,
    width: { step: Math.max(16, 6 * series.length) },
    height: 280,
    data: { values },
    mark: { type: "bar", tooltip: true },
    encoding: {
      x: {
        field: "cls",
        type: "nominal",
        title: "class",
        sort: null,
        axis: { labelAngle: -40, labelLimit: 240 },
      },
      xOffset: { field: "series", sort: order },
      y: { field: "accuracy", type: "quantitative", title: "top-1 (%)", scale: { domain: [0, 100] } },
      color: { field: "series", type: "nominal", title: null, sort: order },
    },
  } as TopLevelSpec;
}

/** One method's paired difference to the reference method over the same stream orders. */
export interface PairedDifferencePoint {
  readonly method: string;
  readonly mean: number;
  /** The interval's bounds (e.g. 95 %). */
  readonly low: number;
  readonly high: number;
}

/**
 * Each method's mean paired difference in top-1 to the reference method
 * over the same stream orders (points), with its interval (rules), and zero
 * (a dashed rule): no difference.
 */
export function pairedDifferenceSpec(
  title: string,
  points: readonly PairedDifferencePoint[],
  level = 0.95,
): TopLevelSpec {
  const values = points.map((p) => ({
    method: p.method,
    mean: round(p.mean),
    low: round(p.low),
    high: round(p.high),
  }));
  const y = { field: "method", type: "nominal", title: null, sort: null };
  const x = { title: `top-1 difference (points), mean and ${Math.round(level * 100)} % interval` };
  return {
    $schema: SCHEMA,
    title,
    width: 420,
    height: { step: 28 },
    layer: [
      {
        data: { values },
        mark: { type: "rule", strokeWidth: 2, color: SERIES_COLOURS.backbone, tooltip: true },
        encoding: {
          y,
          x: { field: "low", type: "quantitative", ...x },
          x2: { field: "high" },
        },
      },
      {
        data: { values },
        mark: { type: "point", filled: true, size: 70, color: SERIES_COLOURS.method, tooltip: true },
        encoding: { y, x: { field: "mean", type: "quantitative", ...x } },
      },
      {
        data: { values: [{ zero: 0 }] },
        mark: { type: "rule", strokeDash: [6, 4], color: "#888" },
        encoding: { x: { field: "zero", type: "quantitative" } },
      },
    ],
  } as TopLevelSpec;
}

interface ConfusionCell {
  readonly model: string;
  readonly truth: string;
  readonly predicted: string;
  readonly count: number;
}

function confusionCells(model: string, labels: readonly string[], matrix: readonly (readonly number[])[]) {
  const values: ConfusionCell[] = [];
  matrix.forEach((row, t) => {
    row.forEach((count, p) => {
      values.push({ model, truth: labels[t]!, predicted: labels[p]!, count });
    });
  });
  return values;
}

function confusionLayers(labels: readonly string[], showText: boolean) {
  const cell = Math.max(14, Math.min(60, Math.floor(480 / Math.max(labels.length, 1))));
  return {
    width: { step: cell },
    height: { step: cell },
    encoding: {
      x: {
        field: "predicted",
        type: "nominal",
        sort: labels,
        title: "predicted",
        axis: { labelAngle: -40, labelLimit: 240 },
      },
      y: { field: "truth", type: "nominal", sort: labels, title: "true class", axis: { labelLimit: 240 } },
    },
    layer: [
      {
        mark: { type: "rect", tooltip: true },
        encoding: {
          color: { field: "count", type: "quantitative", scale: { scheme: "blues" }, title: "samples" },
        },
      },
      ...(showText
        ? [
            {
              mark: { type: "text", fontSize: 11 },
              encoding: {
                text: { field: "count", type: "quantitative" },
                color: { condition: { test: "datum.count > 0", value: "black" }, value: "#999999" },
              },
            },
          ]
        : []),
    ],
  };
}

/** Confusion matrix heatmap (rows: true class, columns: predicted). */
export function confusionSpec(
  title: string,
  classNames: readonly string[],
  matrix: readonly (readonly number[])[],
): TopLevelSpec {
  const labels = classNames.map((name, u) => `${u}: ${name}`);
  return {
    $schema: SCHEMA,
    title,
    data: { values: confusionCells("", labels, matrix) },
    ...confusionLayers(labels, classNames.length <= 20),
  } as TopLevelSpec;
}

/** Two confusion matrices side by side on one colour scale: backbone, then the method. */
export function confusionPairSpec(
  title: string,
  classNames: readonly string[],
  backbone: readonly (readonly number[])[],
  cache: readonly (readonly number[])[],
  method: string = DEFAULT_METHOD,
): TopLevelSpec {
  const labels = classNames.map((name, u) => `${u}: ${name}`);
  const values = [...confusionCells("backbone", labels, backbone), ...confusionCells(method, labels, cache)];
  const facet = (model: string) => ({
    title: model,
    transform: [{ filter: { field: "model", equal: model } }],
    ...confusionLayers(labels, classNames.length <= 12),
  });
  return {
    $schema: SCHEMA,
    title,
    data: { values },
    hconcat: [facet("backbone"), facet(method)],
    resolve: { scale: { color: "shared" } },
  } as TopLevelSpec;
}

/** Accuracy over the α × β grid. */
export function gridSpec(
  title: string,
  points: readonly { alpha: number; beta: number; top1: number }[],
): TopLevelSpec {
  const values = points.map((p) => ({ alpha: String(p.alpha), beta: String(p.beta), top1: round(p.top1) }));
  const alphas = [...new Set(points.map((p) => p.alpha))].sort((a, b) => a - b).map(String);
  const betas = [...new Set(points.map((p) => p.beta))].sort((a, b) => a - b).map(String);
  return {
    $schema: SCHEMA,
    title,
    data: { values },
    width: { step: 64 },
    height: { step: 40 },
    encoding: {
      x: { field: "beta", type: "ordinal", sort: betas, title: "β (affinity sharpness)" },
      y: { field: "alpha", type: "ordinal", sort: alphas, title: "α (fusion scale)" },
    },
    layer: [
      {
        mark: { type: "rect", tooltip: true },
        encoding: {
          color: { field: "top1", type: "quantitative", scale: { scheme: "viridis" }, title: "top-1 (%)" },
        },
      },
      {
        mark: { type: "text", fontSize: 12 },
        encoding: {
          text: { field: "top1", type: "quantitative", format: ".2f" },
          color: { value: "white" },
        },
      },
    ],
  } as TopLevelSpec;
}

/**
 * Top-1 of each seeded stream order (points), their mean (solid rule) and the
 * backbone (dashed rule): three series, each with its own colour and legend
 * entry (the points are the method's, never the backbone's colour).
 */
export function ordersSpec(
  title: string,
  orders: readonly { seed: number; top1: number }[],
  backboneTop1: number,
  method: string = DEFAULT_METHOD,
): TopLevelSpec {
  const perOrder = `${method} per order`;
  const meanSeries = `${method} mean`;
  const values = orders.map((o) => ({ seed: o.seed, top1: round(o.top1), series: perOrder }));
  const mean = orders.reduce((sum, o) => sum + o.top1, 0) / Math.max(orders.length, 1);
  const rules = [
    { series: meanSeries, top1: round(mean), dash: "solid" },
    { series: "backbone", top1: round(backboneTop1), dash: "dashed" },
  ];
  // One colour scale for both layers, every series in its domain: each mark takes its series' colour and legend entry.
  const color = {
    field: "series",
    type: "nominal",
    title: null,
    legend: { labelLimit: 320 },
    scale: {
      domain: [perOrder, meanSeries, "backbone"],
      range: [SERIES_COLOURS.method, SERIES_COLOURS.mean, SERIES_COLOURS.backbone],
    },
  };
  return {
    $schema: SCHEMA,
    title,
    width: 420,
    height: 220,
    layer: [
      {
        data: { values },
        mark: { type: "point", filled: true, size: 70, tooltip: true },
        encoding: {
          x: { field: "seed", type: "ordinal", title: "order seed" },
          y: { field: "top1", type: "quantitative", title: "top-1 (%)", scale: { zero: false } },
          color,
        },
      },
      {
        data: { values: rules },
        mark: { type: "rule", strokeWidth: 2, tooltip: true },
        encoding: {
          y: { field: "top1", type: "quantitative" },
          strokeDash: {
            field: "dash",
            type: "nominal",
            scale: {
              domain: ["solid", "dashed"],
              range: [
                [1, 0],
                [6, 4],
              ],
            },
            legend: null,
          },
          color,
        },
      },
    ],
  } as TopLevelSpec;
}

/** One point of the cache over time: a class block at a stream position. */
export interface BlockTimelinePoint {
  readonly position: number;
  readonly block: number;
  /** Entries in the block. */
  readonly fill: number;
  /** Mean entropy of its entries (null when empty). */
  readonly entropy: number | null;
  /** % of its entries whose true label is the block's class (null when empty). */
  readonly precision: number | null;
}

/**
 * The cache over time: one heatmap per figure (fill, mean entropy, label
 * precision), class blocks down, stream position across.
 */
export function cacheTimelineSpec(
  title: string,
  classNames: readonly string[],
  points: readonly BlockTimelinePoint[],
  K: number,
): TopLevelSpec {
  const labels = classNames.map((name, u) => `${u}: ${name}`);
  const values = points.map((p) => ({
    position: p.position,
    cls: labels[p.block]!,
    fill: p.fill,
    entropy: p.entropy === null ? null : round(p.entropy),
    precision: p.precision === null ? null : round(p.precision),
  }));
  // About five labelled positions per panel (every timeline point is still a column).
  const positions = [...new Set(points.map((p) => p.position))].sort((a, b) => a - b);
  const every = Math.max(1, Math.ceil(positions.length / 5));
  const ticks = positions.filter((_, k) => k % every === 0 || k === positions.length - 1);
  const rowHeight = Math.max(6, Math.min(18, Math.floor(360 / Math.max(labels.length, 1))));
  const panel = (field: string, heading: string, scale: Record<string, unknown>) => ({
    title: heading,
    width: 220,
    height: { step: rowHeight },
    mark: { type: "rect", tooltip: true },
    encoding: {
      x: {
        field: "position",
        type: "ordinal",
        title: "stream position",
        axis: { values: ticks, labelAngle: 0 },
      },
      y: { field: "cls", type: "nominal", sort: labels, title: null, axis: { labelLimit: 160 } },
      color: { field, type: "quantitative", title: null, scale, legend: { orient: "bottom" } },
    },
  });
  return {
    $schema: SCHEMA,
    title,
    data: { values },
    hconcat: [
      panel("fill", `entries (of K = ${K})`, { domain: [0, K], scheme: "greens" }),
      panel("entropy", "mean entropy", { scheme: "oranges", zero: true }),
      panel("precision", "label precision (%)", { domain: [0, 100], scheme: "redyellowgreen" }),
    ],
    resolve: { scale: { color: "independent" } },
  } as TopLevelSpec;
}

function round(value: number): number {
  return Math.round(value * 1e4) / 1e4;
}
