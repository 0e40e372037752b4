/**
 * The charts that compare series (backbone, the method, its mean over
 * orders): every drawn mark is in the colour of its own series' legend
 * entry. Checked on vega's scene graph (the spec compiled and run headless),
 * so what is compared is what a reader sees, not what the spec says.
 */
import { describe, expect, it } from "vitest";
import { withPlotConfig } from "./config.js";
import { ordersSpec, perClassSpec, runningAccuracySpec } from "./specs.js";

interface SceneNode {
  readonly marktype?: string;
  readonly role?: string;
  readonly items?: readonly SceneNode[];
  readonly fill?: string;
  readonly stroke?: string;
  readonly datum?: Record<string, unknown>;
}

interface DrawnSeries {
  /** Each drawn mark: its datum's series and its colour. */
  readonly marks: { series: unknown; colour: string | undefined }[];
  /** Each legend entry: its label and its swatch colour. */
  readonly legend: { label: unknown; colour: string | undefined }[];
}

/** A mark's colour: its fill, or its stroke where it is drawn unfilled (rules, lines, hollow swatches). */
function colourOf(item: SceneNode): string | undefined {
  return item.fill && item.fill !== "transparent" && item.fill !== "none" ? item.fill : item.stroke;
}

async function drawnSeries(spec: ReturnType<typeof ordersSpec>): Promise<DrawnSeries> {
  const [vega, { compile }] = await Promise.all([import("vega"), import("vega-lite")]);
  const view = new vega.View(vega.parse(compile(withPlotConfig(spec)).spec), { renderer: "none" });
  await view.runAsync();
  const out: DrawnSeries = { marks: [], legend: [] };
  const walk = (node: SceneNode): void => {
    if (
      node.marktype &&
      node.marktype !== "group" &&
      (node.role === "mark" || node.role === "legend-symbol")
    ) {
      for (const item of node.items ?? []) {
        if (node.role === "mark") out.marks.push({ series: item.datum?.series, colour: colourOf(item) });
        else out.legend.push({ label: item.datum?.value, colour: colourOf(item) });
      }
    }
    for (const child of node.items ?? []) walk(child);
  };
  walk((view.scenegraph() as unknown as { root: SceneNode }).root);
  view.finalize();
  return out;
}

describe("series charts: every mark in its series' legend colour", () => {
  const cases = {
    orders: ordersSpec(
      "orders",
      [
        { seed: 1, top1: 21.88 },
        { seed: 2, top1: 41.88 },
        { seed: 3, top1: 33.1 },
      ],
      32.5,
    ),
    "orders, another method": ordersSpec("orders", [{ seed: 7, top1: 60 }], 55, "TDA"),
    running: runningAccuracySpec("running", [1, 2, 3], [0, 50, 66.7], [100, 50, 66.7], "TDA"),
    "per class": perClassSpec("per class", ["walk", "sit down"], [40, null], [60, 10]),
  };
  for (const [name, spec] of Object.entries(cases)) {
    it(`${name}: each mark's series has a legend entry of the mark's colour; no two entries share one`, async () => {
      const { marks, legend } = await drawnSeries(spec);
      expect(marks.length).toBeGreaterThan(0);
      const swatch = new Map(legend.map((entry) => [entry.label, entry.colour]));
      expect(swatch.size, "legend labels are distinct").toBe(legend.length);
      expect(new Set(legend.map((entry) => entry.colour)).size, "legend colours are distinct").toBe(
        legend.length,
      );
      for (const mark of marks) {
        expect(swatch.has(mark.series), `no legend entry for series ${String(mark.series)}`).toBe(true);
        expect(mark.colour, `colour of a ${String(mark.series)} mark`).toBe(swatch.get(mark.series));
      }
    });
  }
});
