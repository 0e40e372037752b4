/**
 * Every test-time method on every split, the same way: hyper-parameters
 * chosen on the held-out-seen fold bundles over the method's own grid (best
 * mean top-1 over folds × orders), then each test bundle × stream order at
 * that point, with the early-stream and imbalanced-stream checks.
 */
import { accuracy } from "@skeleton-cache/metrics";
import {
  baselinePredictions,
  bestMean,
  buildMethod,
  earlyStreamAccuracy,
  type GridValues,
  gridPoints,
  imbalancedStream,
  type MethodSetup,
  methodGrid,
} from "@skeleton-cache/protocols";
import type { LabelledStream } from "@skeleton-cache/skeleton";
import { methodNames, onlinePass } from "@skeleton-cache/tta";
import { type BenchBundle, ORDERS, priorFor, type SplitBundles, streamOf, streamOrder } from "./core.js";

/** The early stream: the first quarter of the stream positions. */
export const EARLY_FRACTION = 0.25;
/** The imbalanced stream: one class cut to a quarter of its samples (order o cuts class o mod U). */
export const IMBALANCE_KEEP = 0.25;

const round = (x: number) => Math.round(x * 1e4) / 1e4;

/** Key of a grid point: its values joined by "/" in grid order (e.g. "0.5/7", "5/2"). */
export function pointKey(values: GridValues): string {
  return Object.values(values).join("/");
}

/** Per-order figures of one method on one test bundle, at the chosen point. */
export interface MethodTest {
  readonly name: string;
  /** Top-1 over the whole stream, per order. */
  readonly top1: number[];
  /** Top-1 over the first 25 % of the stream, per order: the method, the backbone. */
  readonly early: number[];
  readonly earlyBackbone: number[];
  /** The imbalanced stream of each order: the class cut, the method's and the backbone's top-1. */
  readonly cutClass: number[];
  readonly imbalanced: number[];
  readonly imbalancedBackbone: number[];
}

/** One method on one split. */
export interface MethodResult {
  readonly method: string;
  readonly grid: Record<string, readonly number[]>;
  /** Per fold: online top-1 per grid point (key) and order. */
  readonly folds: { readonly name: string; readonly grid: Record<string, number[]> }[];
  /** Mean over folds × orders per grid point. */
  readonly validationMean: Record<string, number>;
  readonly chosen: GridValues;
  readonly tests: MethodTest[];
  /** Whole-stream top-1 per test bundle and order at the method's declared defaults (no selection at all). */
  readonly defaults: { readonly name: string; readonly top1: number[] }[];
}

/** The setup of a method on a bundle: its defaults (K = 8, hedge auto for the cache methods), the LLM prior. */
export function methodSetup(method: string, bundle: BenchBundle, values: GridValues): MethodSetup {
  return { method, params: values, prior: priorFor(bundle.bundle, "llm") };
}

function onlineTop1(data: LabelledStream, setup: MethodSetup, order?: number[]): number {
  const run = onlinePass(data, buildMethod(data, setup), order ? { order } : {});
  return round(accuracy(run.refinedPred, data.labels).percent);
}

/** Validation on the folds: every grid point × fold × order; the best mean chooses (first on ties). */
export function validateMethod(
  method: string,
  folds: readonly BenchBundle[],
): Pick<MethodResult, "grid" | "folds" | "validationMean" | "chosen"> {
  const grid = methodGrid(method);
  const points = gridPoints(grid);
  const foldResults = folds.map((fold) => {
    const data = streamOf(fold.bundle);
    const byPoint: Record<string, number[]> = {};
    for (const values of points) {
      const setup = methodSetup(method, fold, values);
      byPoint[pointKey(values)] = Array.from({ length: ORDERS }, (_, o) =>
        onlineTop1(data, setup, streamOrder(data.labels.length, o)),
      );
    }
    return { name: fold.name, grid: byPoint };
  });
  const means = points.map((values) => {
    const all = foldResults.flatMap((f) => f.grid[pointKey(values)]!);
    return all.reduce((a, b) => a + b, 0) / all.length;
  });
  const validationMean = Object.fromEntries(points.map((values, i) => [pointKey(values), round(means[i]!)]));
  return { grid, folds: foldResults, validationMean, chosen: points[bestMean(means)]! };
}

/** One order of one test bundle: whole stream, early stream, imbalanced stream. */
export function testOrder(test: BenchBundle, setup: MethodSetup, o: number) {
  const data = streamOf(test.bundle);
  const order = streamOrder(data.labels.length, o);
  const run = onlinePass(data, buildMethod(data, setup), { order });
  const early = { order, fraction: EARLY_FRACTION };
  const cutClass = o % data.logits.shape[1]!;
  const cut = imbalancedStream(data, { order, cls: cutClass, keep: IMBALANCE_KEEP });
  return {
    top1: round(accuracy(run.refinedPred, data.labels).percent),
    early: round(earlyStreamAccuracy(run.refinedPred, data.labels, early).percent),
    earlyBackbone: round(earlyStreamAccuracy(baselinePredictions(data), data.labels, early).percent),
    cutClass,
    imbalanced: onlineTop1(cut.stream, setup),
    imbalancedBackbone: round(accuracy(baselinePredictions(cut.stream), cut.stream.labels).percent),
  };
}

/** A method at its chosen point on one test bundle, every order. */
export function testMethod(method: string, test: BenchBundle, chosen: GridValues): MethodTest {
  const setup = methodSetup(method, test, chosen);
  const orders = Array.from({ length: ORDERS }, (_, o) => testOrder(test, setup, o));
  const pick = <K extends keyof (typeof orders)[number]>(key: K) => orders.map((r) => r[key]);
  return {
    name: test.name,
    top1: pick("top1"),
    early: pick("early"),
    earlyBackbone: pick("earlyBackbone"),
    cutClass: pick("cutClass"),
    imbalanced: pick("imbalanced"),
    imbalancedBackbone: pick("imbalancedBackbone"),
  };
}

/** Every registered method on one split. */
export function evaluateMethods(
  bundles: SplitBundles,
  log: (line: string) => void = () => {},
): MethodResult[] {
  return methodNames().map((method) => {
    log(`${bundles.split} ${method}`);
    const validation = validateMethod(method, bundles.folds);
    const tests = bundles.tests.map((test) => testMethod(method, test, validation.chosen));
    const defaults = bundles.tests.map((test) => {
      const data = streamOf(test.bundle);
      const setup = methodSetup(method, test, {});
      const top1 = Array.from({ length: ORDERS }, (_, o) =>
        onlineTop1(data, setup, streamOrder(data.labels.length, o)),
      );
      return { name: test.name, top1 };
    });
    return { method, ...validation, tests, defaults };
  });
}
