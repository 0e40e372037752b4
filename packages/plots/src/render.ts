/**
 * Headless rendering: a vega-lite spec → vega → SVG (no DOM), then SVG →
 * PNG with resvg (both loaded on the first render). Every spec is plain data, so the same spec gives the same
 * bytes.
 */
import type { TopLevelSpec } from "vega-lite";
import { PLOT_FONT, withPlotConfig } from "./config.js";

export interface RenderedPlot {
  readonly name: string;
  readonly svg: string;
  readonly png: Uint8Array;
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
  // vega, vega-lite and resvg load on the first render: report.html and the specs do not need them.
  const [vega, { compile }, { Resvg }] = await Promise.all([
    import("vega"),
    import("vega-lite"),
    import("@resvg/resvg-js"),
  ]);
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
