/**
 * Headless rendering: a vega-lite spec → vega → SVG (no DOM), then SVG →
 * PNG with resvg. Every spec is plain data, so the same spec gives the same
 * bytes.
 */
import { Resvg } from "@resvg/resvg-js";
import * as vega from "vega";
import { compile, type TopLevelSpec } from "vega-lite";

export interface RenderedPlot {
  readonly name: string;
  readonly svg: string;
  readonly png: Uint8Array;
}

/** The font every plot uses (the DejaVu fonts of Debian images; resvg falls back to a system font). */
export const PLOT_FONT = "DejaVu Sans";

/** The shared look of every plot (static and interactive). */
export function plotConfig(): Record<string, unknown> {
  return {
    font: PLOT_FONT,
    background: "white",
    view: { stroke: null },
    axis: { labelFontSize: 11, titleFontSize: 12 },
    title: { fontSize: 14 },
  };
}

/** A spec with the shared config merged under its own. */
export function withPlotConfig(spec: TopLevelSpec): TopLevelSpec {
  return { ...spec, config: { ...plotConfig(), ...(spec.config ?? {}) } } as TopLevelSpec;
}

/**
 * vega numbers gradients and clip paths with a counter global to the process
 * (`gradient_0`, then `gradient_1` in the next plot…); renumbering them per
 * SVG makes a plot's bytes independent of what was rendered before it.
 */
function numberDefsFromZero(svg: string): string {
  const renamed = new Map<string, string>();
  for (const match of svg.matchAll(/\bid="((gradient_|clip)\d+)"/g)) {
    const [, id, prefix] = match;
    if (!renamed.has(id!)) renamed.set(id!, `${prefix}${renamed.size}`);
  }
  if (renamed.size === 0) return svg;
  return svg.replace(/\b(gradient_|clip)\d+\b/g, (id) => renamed.get(id) ?? id);
}

/** Renders a vega-lite spec to SVG and PNG (`width`: PNG width in pixels). */
export async function renderPlot(name: string, spec: TopLevelSpec, width = 900): Promise<RenderedPlot> {
  const vgSpec = compile(withPlotConfig(spec)).spec;
  const view = new vega.View(vega.parse(vgSpec), { renderer: "none" });
  const svg = numberDefsFromZero(await view.toSVG());
  view.finalize();
  const png = new Resvg(svg, {
    fitTo: { mode: "width", value: width },
    background: "white",
    font: { loadSystemFonts: true, defaultFontFamily: PLOT_FONT },
  })
    .render()
    .asPng();
  return { name, svg, png: new Uint8Array(png) };
}
