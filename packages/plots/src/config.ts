import type { TopLevelSpec } from "vega-lite";

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
