import { gridPoints as gridPointsOf } from "@skeleton-cache/protocols";
import type { LabelledStream } from "@skeleton-cache/skeleton";
import type { Tensor } from "@skeleton-cache/tensor";
import { methodNames } from "@skeleton-cache/tta";
import {
  ABLATIONS,
  type AblationId,
  ALPHAS,
  ablationWeights,
  argmaxRows,
  BETAS,
  type BenchBundle,
  crossSubjectNearestNeighbour,
  FIXED,
  K,
  ORDERS,
  pluralityCorrect,
  priorFor,
  runCache,
  SPLITS,
  type SplitBundles,
  type SplitId,
  top1,
} from "./core.js";
import { EARLY_FRACTION, evaluateMethods, IMBALANCE_KEEP, type MethodResult } from "./methods.js";

/** Grid key of an (α, β) point, e.g. "0.5/7". */
export function gridKey(alpha: number, beta: number): string {
  return `${alpha}/${beta}`;
}

/** Every (α, β) of the grid, α-major (the tie-break order of the validation choice). */
export function gridPoints(): { alpha: number; beta: number; key: string }[] {
  return gridPointsOf({ alpha: ALPHAS, beta: BETAS }).map(({ alpha, beta }) => ({
    alpha: alpha!,
    beta: beta!,
    key: gridKey(alpha!, beta!),
  }));
}

/** Per-order figures of one test bundle (percent top-1, one entry per stream order). */
export interface TestResult {
  readonly name: string;
  readonly samples: number;
  readonly baseline: { readonly descriptions: number; readonly names: number };
  readonly plurality: { readonly descriptions: number; readonly names: number };
  /** Diagnostic on the test labels: cross-subject 1-NN top-1 of the global descriptor. */
  readonly nearestNeighbour: number;
  /** Online top-1 per grid point (LLM prior, all slots). */
  readonly grid: Record<string, number[]>;
  /** Top-1 after the reference protocol's conditional second pass, per grid point. */
  readonly reference: Record<string, number[]>;
  /** How many of the grid × orders runs fired the second pass. */
  readonly secondPassFired: number;
  /** At the validation-chosen (α, β): the fusion ablations (LLM prior) and the uniform prior (all slots). */
  readonly ablations: Record<AblationId, number[]>;
  readonly uniform: number[];
  /** Name semantics: online top-1 at the fixed (α, β), LLM prior. */
  readonly namesFixed: number[];
}

/** Per-order online top-1 of one validation fold over the grid. */
export interface FoldResult {
  readonly name: string;
  readonly samples: number;
  readonly classes: number;
  readonly baseline: number;
  readonly grid: Record<string, number[]>;
}

export interface SplitResult {
  readonly split: SplitId;
  readonly classes: number;
  readonly folds: FoldResult[];
  /** Mean validation top-1 per grid point (over folds × orders). */
  readonly validationMean: Record<string, number>;
  readonly chosen: { readonly alpha: number; readonly beta: number };
  readonly tests: TestResult[];
  /** Every test-time method at its own validation-chosen point. */
  readonly methods: MethodResult[];
}

export interface BenchResults {
  readonly format: "skeleton-cache.utd-mhad-bench/2";
  readonly settings: {
    readonly K: number;
    readonly hedge: "auto";
    readonly orders: number;
    readonly orderSeeds: string;
    readonly alphas: readonly number[];
    readonly betas: readonly number[];
    readonly fixed: { readonly alpha: number; readonly beta: number };
    readonly methods: {
      readonly names: string[];
      readonly earlyFraction: number;
      readonly imbalanceKeep: number;
      readonly imbalance: string;
    };
  };
  readonly splits: SplitResult[];
}

const round = (x: number) => Math.round(x * 1e4) / 1e4;

function ordersOf(f: (order: number) => number): number[] {
  return Array.from({ length: ORDERS }, (_, order) => round(f(order)));
}

/** Validation: the grid on one fold bundle. */
export function evaluateFold(fold: BenchBundle, orders = ORDERS): FoldResult {
  const { bundle } = fold;
  const prior = priorFor(bundle, "llm");
  const grid: Record<string, number[]> = {};
  for (const { alpha, beta, key } of gridPoints())
    grid[key] = ordersOf((o) => runCache(bundle, bundle.logits, prior, { alpha, beta }, o).online).slice(
      0,
      orders,
    );
  return {
    name: fold.name,
    samples: bundle.labels.length,
    classes: bundle.logits.shape[1]!,
    baseline: round(top1(argmaxRows(bundle.logits), bundle.labels)),
    grid,
  };
}

/** The grid point with the best mean validation top-1 (first in α-major order on ties). */
export function chooseOnValidation(folds: readonly FoldResult[]): {
  chosen: { alpha: number; beta: number };
  validationMean: Record<string, number>;
} {
  const validationMean: Record<string, number> = {};
  let best: { alpha: number; beta: number; mean: number } | null = null;
  for (const { alpha, beta, key } of gridPoints()) {
    const values = folds.flatMap((f) => f.grid[key]!);
    const mean = values.reduce((a, b) => a + b, 0) / values.length;
    validationMean[key] = round(mean);
    if (!best || mean > best.mean + 1e-9) best = { alpha, beta, mean };
  }
  return { chosen: { alpha: best!.alpha, beta: best!.beta }, validationMean };
}

function logitsOf(bundle: LabelledStream, names: Tensor | null): Tensor {
  return names ?? bundle.logits;
}

/** Every figure of one test bundle. */
export function evaluateTest(test: BenchBundle, chosen: { alpha: number; beta: number }): TestResult {
  const { bundle, namesLogits, subjects } = test;
  const u = bundle.logits.shape[1]!;
  const llm = priorFor(bundle, "llm");
  const uniform = priorFor(bundle, "uniform");
  const grid: Record<string, number[]> = {};
  const reference: Record<string, number[]> = {};
  let fired = 0;
  for (const { alpha, beta, key } of gridPoints()) {
    const runs = Array.from({ length: ORDERS }, (_, o) =>
      runCache(bundle, bundle.logits, llm, { alpha, beta }, o),
    );
    grid[key] = runs.map((r) => round(r.online));
    reference[key] = runs.map((r) => round(r.reference));
    fired += runs.filter((r) => r.secondPassFired).length;
  }
  const ablations = {} as Record<AblationId, number[]>;
  for (const id of Object.keys(ABLATIONS) as AblationId[]) {
    if (id === "all") {
      ablations[id] = grid[gridKey(chosen.alpha, chosen.beta)]!;
      continue;
    }
    const weights = ablationWeights(llm, u, id);
    ablations[id] = ordersOf((o) => runCache(bundle, bundle.logits, llm, { ...chosen, weights }, o).online);
  }
  const basePred = argmaxRows(bundle.logits);
  const namesPred = argmaxRows(namesLogits);
  return {
    name: test.name,
    samples: bundle.labels.length,
    baseline: {
      descriptions: round(top1(basePred, bundle.labels)),
      names: round(top1(namesPred, bundle.labels)),
    },
    plurality: {
      descriptions: pluralityCorrect(basePred, bundle.labels, u),
      names: pluralityCorrect(namesPred, bundle.labels, u),
    },
    nearestNeighbour: round(crossSubjectNearestNeighbour(bundle, subjects)),
    grid,
    reference,
    secondPassFired: fired,
    ablations,
    uniform: ordersOf((o) => runCache(bundle, bundle.logits, uniform, chosen, o).online),
    namesFixed: ordersOf((o) => runCache(bundle, logitsOf(bundle, namesLogits), llm, FIXED, o).online),
  };
}

/** All figures of one split. */
export function evaluateSplit(bundles: SplitBundles, log: (line: string) => void = () => {}): SplitResult {
  const folds = bundles.folds.map((fold) => {
    log(`${bundles.split} ${fold.name}`);
    return evaluateFold(fold);
  });
  const { chosen, validationMean } =
    folds.length > 0 ? chooseOnValidation(folds) : { chosen: { ...FIXED }, validationMean: {} };
  const tests = bundles.tests.map((test) => {
    log(`${bundles.split} ${test.name}`);
    return evaluateTest(test, chosen);
  });
  return {
    split: bundles.split,
    classes: bundles.tests[0]!.bundle.logits.shape[1]!,
    folds,
    validationMean,
    chosen,
    tests,
    methods: evaluateMethods(bundles, log),
  };
}

/** The settings block of the results file. */
export function benchSettings(): BenchResults["settings"] {
  return {
    K,
    hedge: "auto",
    orders: ORDERS,
    orderSeeds: "stream order o = permutation(N, o + 1) from @skeleton-cache/tensor, o = 0..9",
    alphas: [...ALPHAS],
    betas: [...BETAS],
    fixed: { ...FIXED },
    methods: {
      names: methodNames(),
      earlyFraction: EARLY_FRACTION,
      imbalanceKeep: IMBALANCE_KEEP,
      imbalance:
        "order o cuts class o mod U to its first ⌈25 %⌉ samples in stream order; other classes whole",
    },
  };
}

export { SPLITS };
