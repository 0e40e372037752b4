import { accuracy } from "@skeleton-cache/metrics";
import type { LabelledStream } from "@skeleton-cache/skeleton";
import { getMethodSpec, onlinePass, resolveMethodParams } from "@skeleton-cache/tta";
import { checkedInput, type MethodSetup, type Tick } from "./data.js";
import { buildMethod } from "./online.js";

/** A grid: parameter name → values (SPEC §7's is α × β; each method declares its own). */
export type Grid = Readonly<Record<string, readonly number[]>>;
/** One point of a grid. */
export type GridValues = Readonly<Record<string, number>>;

/** A grid point's result. */
export interface GridPoint {
  readonly values: GridValues;
  readonly correct: number;
  readonly top1: number;
}

/** The points of a grid: the cartesian product in key order, first key outermost. */
export function gridPoints(grid: Grid): GridValues[] {
  let points: Record<string, number>[] = [{}];
  for (const [key, values] of Object.entries(grid))
    points = points.flatMap((point) => values.map((value) => ({ ...point, [key]: value })));
  return points;
}

/** The method's own grid. */
export function methodGrid(method: string): Grid {
  return getMethodSpec(method).grid;
}

/** Checks that every point of `grid` is a valid setting of `method` (names the method and key otherwise). */
export function checkGrid(method: string, grid: Grid): void {
  for (const point of gridPoints(grid)) resolveMethodParams(method, point);
}

/** The point with the most correct, the first in grid order on ties. */
export function bestPoint<T extends { readonly correct: number }>(points: readonly T[]): T {
  let best = points[0]!;
  for (const point of points) if (point.correct > best.correct) best = point;
  return best;
}

/**
 * The index of the highest mean (e.g. validation top-1 over folds × orders),
 * the first in grid order on ties (means closer than 1e-9 tie).
 */
export function bestMean(means: readonly number[]): number {
  let best = 0;
  for (let i = 1; i < means.length; i++) if (means[i]! > means[best]! + 1e-9) best = i;
  return best;
}

/** Online passes over every grid point, the other parameters as in `setup`. */
export function gridSearch(
  stream: LabelledStream,
  setup: MethodSetup,
  grid: Grid,
  tick?: Tick,
): { points: GridPoint[]; best: GridPoint } {
  checkGrid(setup.method, grid);
  const points = gridPoints(grid).map((values) => {
    const run = onlinePass(
      checkedInput(stream),
      buildMethod(stream, { ...setup, params: { ...setup.params, ...values } }),
    );
    const result = accuracy(run.refinedPred, stream.labels);
    tick?.();
    return { values, correct: result.correct, top1: result.percent };
  });
  return { points, best: bestPoint(points) };
}
