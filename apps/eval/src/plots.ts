/**
 * Plots of a run as SVG (vega-lite → vega, rendered headless) and PNG
 * (resvg). Every spec is plain data, so the same run gives the same bytes.
 */
import { Resvg } from "@resvg/resvg-js";
import * as vega from "vega";
import { compile, type TopLevelSpec } from "vega-lite";

export interface RenderedPlot {
  readonly name: string;
  readonly svg: string;
  readonly png: Uint8Array;
}

const FONT = "DejaVu Sans";

function baseConfig(): Record<string, unknown> {
  return {
    font: FONT,
    background: "white",
    view: { stroke: null },
    axis: { labelFontSize: 11, titleFontSize: 12 },
    title: { fontSize: 14 },
  };
}

/** Renders a vega-lite spec to SVG and PNG. */
export async function renderPlot(name: string, spec: TopLevelSpec, width = 900): Promise<RenderedPlot> {
  const vgSpec = compile({
    ...spec,
    config: { ...baseConfig(), ...(spec.config ?? {}) },
  } as TopLevelSpec).spec;
  const view = new vega.View(vega.parse(vgSpec), { renderer: "none" });
  const svg = await view.toSVG();
  view.finalize();
  const png = new Resvg(svg, {
    fitTo: { mode: "width", value: width },
    background: "white",
    font: { loadSystemFonts: true, defaultFontFamily: FONT },
  })
    .render()
    .asPng();
  return { name, svg, png: new Uint8Array(png) };
}

/** Running accuracy along the stream, backbone vs cache. */
export function runningAccuracySpec(
  title: string,
  positions: readonly number[],
  backbone: readonly number[],
  cache: readonly number[],
): TopLevelSpec {
  const values: { position: number; series: string; accuracy: number }[] = [];
  positions.forEach((position, i) => {
    values.push({ position, series: "backbone", accuracy: round(backbone[i]!) });
    values.push({ position, series: "Skeleton-Cache", accuracy: round(cache[i]!) });
  });
  return {
    $schema: "https://vega.github.io/schema/vega-lite/v6.json",
    title,
    width: 640,
    height: 300,
    data: { values },
    mark: { type: "line", strokeWidth: 2 },
    encoding: {
      x: { field: "position", type: "quantitative", title: "samples seen (stream position)" },
      y: { field: "accuracy", type: "quantitative", title: "running top-1 (%)", scale: { domain: [0, 100] } },
      color: { field: "series", type: "nominal", title: null, sort: ["backbone", "Skeleton-Cache"] },
    },
  } as TopLevelSpec;
}

/** Per-class accuracy bars, backbone vs cache. */
export function perClassSpec(
  title: string,
  classNames: readonly string[],
  backbone: readonly (number | null)[],
  cache: readonly (number | null)[],
): TopLevelSpec {
  const values: { cls: string; series: string; accuracy: number }[] = [];
  classNames.forEach((name, u) => {
    const label = `${u}: ${name}`;
    if (backbone[u] !== null) values.push({ cls: label, series: "backbone", accuracy: round(backbone[u]!) });
    if (cache[u] !== null) values.push({ cls: label, series: "Skeleton-Cache", accuracy: round(cache[u]!) });
  });
  return {
    $schema: "https://vega.github.io/schema/vega-lite/v6.json",
    title,
    width: { step: 16 },
    height: 280,
    data: { values },
    mark: "bar",
    encoding: {
      x: {
        field: "cls",
        type: "nominal",
        title: "class",
        sort: null,
        axis: { labelAngle: -40, labelLimit: 240 },
      },
      xOffset: { field: "series", sort: ["backbone", "Skeleton-Cache"] },
      y: { field: "accuracy", type: "quantitative", title: "top-1 (%)", scale: { domain: [0, 100] } },
      color: { field: "series", type: "nominal", title: null, sort: ["backbone", "Skeleton-Cache"] },
    },
  } as TopLevelSpec;
}

/** Confusion matrix heatmap (rows: true class, columns: predicted). */
export function confusionSpec(
  title: string,
  classNames: readonly string[],
  matrix: readonly (readonly number[])[],
): TopLevelSpec {
  const values: { truth: string; predicted: string; count: number }[] = [];
  const labels = classNames.map((name, u) => `${u}: ${name}`);
  matrix.forEach((row, t) => {
    row.forEach((count, p) => {
      values.push({ truth: labels[t]!, predicted: labels[p]!, count });
    });
  });
  const cell = Math.max(14, Math.min(60, Math.floor(480 / Math.max(classNames.length, 1))));
  const showText = classNames.length <= 20;
  return {
    $schema: "https://vega.github.io/schema/vega-lite/v6.json",
    title,
    data: { values },
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
        mark: "rect",
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
    $schema: "https://vega.github.io/schema/vega-lite/v6.json",
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
        mark: "rect",
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

function round(value: number): number {
  return Math.round(value * 1e4) / 1e4;
}
