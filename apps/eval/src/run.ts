import fs from "node:fs";
import path from "node:path";
import { InterruptedError, ValueError } from "@skeleton-cache/errors";
import {
  type Accuracy,
  accuracy,
  type CacheStatistics,
  calibrationRange,
  confusionMatrix,
  type GzslResult,
  gzslSweep,
  type PerClassAccuracy,
  perClassAccuracy,
  runningAccuracy,
  topKAccuracy,
} from "@skeleton-cache/metrics";
import { getSplit } from "@skeleton-cache/skeleton";
import type { OnlineRun } from "@skeleton-cache/tta";
import { type EvalConfig, PROTOCOL_DESCRIPTIONS, type Protocol, REFERENCE_GRID } from "./config.js";
import { runExtract } from "./extract.js";
import {
  checkBundleSplit,
  DEMOS,
  type EvalData,
  loadEvalData,
  type ResolvedPrior,
  resolvePrior,
} from "./inputs.js";
import type { Progress } from "./progress.js";
import {
  type AblationRow,
  ablations,
  baselinePredictions,
  cacheStatsOf,
  type GridPoint,
  gridSearch,
  meanMaxBaseLogit,
  type OrdersResult,
  onlinePass,
  ordersProtocol,
  type PassParams,
  type ReferencePoint,
  referencePoint,
  SECOND_PASS_THRESHOLD,
} from "./protocols.js";
import { type RunFiles, writeRunDirectory } from "./report.js";
import { toolVersions } from "./versions.js";

/** Accuracy figures of one set of predictions. */
export interface PredictionSummary {
  readonly top1: Accuracy;
  /** Top-5 (or top-U when U < 5) from the logits; null where no logits exist (second-pass predictions). */
  readonly top5: Accuracy | null;
  readonly perClass: PerClassAccuracy;
  /** Row-major U × U, rows = true class. */
  readonly confusion: number[][];
}

export interface GzslSection {
  readonly seenIds: number[];
  readonly seenIndices: number[];
  readonly average: "sample" | "class";
  readonly mode: "given" | "sweep";
  readonly backbone: { readonly best: GzslResult; readonly points: GzslResult[] };
  readonly cache: { readonly best: GzslResult; readonly points: GzslResult[] };
}

/** Everything a run computed; report.json is this object. */
export interface EvalReport {
  readonly tool: Record<string, unknown>;
  readonly synthetic: boolean;
  readonly syntheticNote: string | null;
  readonly protocol: {
    readonly name: Protocol;
    readonly description: string;
    readonly selectsOnTestLabels: boolean;
  };
  readonly config: EvalConfig;
  readonly seed: number;
  readonly bundle: {
    readonly source: string;
    readonly numSamples: number;
    readonly numClasses: number;
    readonly channels: number;
    readonly input: "features" | "descriptors";
    readonly classIds: number[] | null;
    readonly classNames: string[];
    readonly meta: Record<string, unknown>;
  };
  readonly prior: { readonly kind: string; readonly source: string; readonly split: string | null };
  /** The hyper-parameters of the main pass (the one in predictions.csv). */
  readonly params: PassParams & { readonly hedgeActive: boolean };
  readonly results: {
    readonly backbone: PredictionSummary;
    readonly cache: PredictionSummary;
    readonly gain: number;
    readonly cacheStatistics: CacheStatistics;
    readonly running: { readonly positions: number[]; readonly backbone: number[]; readonly cache: number[] };
  };
  readonly grid: {
    readonly on: "validation bundle" | "test labels";
    readonly K: number;
    readonly points: (GridPoint | ReferencePoint)[];
    readonly best: GridPoint | ReferencePoint;
  } | null;
  readonly validation: {
    readonly bundle: string;
    readonly prior: { readonly kind: string; readonly source: string };
    readonly numSamples: number;
    readonly numClasses: number;
    readonly chosen: { readonly alpha: number; readonly beta: number };
    readonly validationTop1: number;
  } | null;
  readonly orders: (OrdersResult & { readonly streamOrderTop1: number }) | null;
  readonly reference: {
    readonly label: string;
    readonly best: ReferencePoint;
    readonly reportedTop1: number;
    readonly meanMaxBaseLogit: number;
    readonly threshold: number;
    readonly fixed: {
      readonly alpha: number;
      readonly beta: number;
      readonly K: number;
      readonly top1: number;
    };
  } | null;
  readonly ablations: AblationRow[] | null;
  readonly gzsl: GzslSection | null;
  readonly files: string[];
  readonly timing: Record<string, number>;
}

export interface RunOutcome {
  readonly report: EvalReport;
  readonly outDir: string;
}

const SYNTHETIC_NOTE =
  "Encoder outputs made by this project's seeded generator (apps/eval/src/synthetic.ts), not a real backbone on real skeletons. The figures show what the code does, not what Skeleton-Cache achieves.";

/** Default run directory: deterministic, no timestamp. */
export function defaultOutDir(config: EvalConfig, bundleName: string): string {
  const name =
    config.protocol === "reference"
      ? `reference-${bundleName}-k${config.K}`
      : `${config.protocol}-${bundleName}-a${config.alpha}-b${config.beta}-k${config.K}`;
  return path.join("runs", name.replace(/[^A-Za-z0-9._-]/g, "_"));
}

function bundleName(data: EvalData): string {
  if (data.isDemo) return data.synthetic ? "demo-synthetic" : `demo-${String(data.meta.dataset ?? "real")}`;
  return path.basename(data.source).replace(/\.(npz|safetensors|pt)$/i, "") || "bundle";
}

function toRows(matrix: Int32Array, size: number): number[][] {
  const rows: number[][] = [];
  for (let t = 0; t < size; t++) rows.push(Array.from(matrix.subarray(t * size, (t + 1) * size)));
  return rows;
}

function summarise(data: EvalData, predictions: Int32Array, logits: Float32Array | null): PredictionSummary {
  const U = data.numClasses;
  return {
    top1: accuracy(predictions, data.labels),
    top5: logits ? topKAccuracy(logits, U, data.labels, Math.min(5, U)) : null,
    perClass: perClassAccuracy(predictions, data.labels, U),
    confusion: toRows(confusionMatrix(predictions, data.labels, U), U),
  };
}

/** At most `limit` evenly spaced stream positions (always the last). */
function samplePositions(total: number, limit = 400): number[] {
  if (total <= limit) return Array.from({ length: total }, (_, i) => i);
  const out: number[] = [];
  for (let k = 0; k < limit; k++) out.push(Math.round(((total - 1) * k) / (limit - 1)));
  return out;
}

function gzslSection(
  config: EvalConfig,
  data: EvalData,
  run: OnlineRun,
  splitId: string | undefined,
): GzslSection | null {
  const g = config.gzsl;
  if (!g) return null;
  let seenIds = g.seen;
  if (!seenIds) {
    if (!splitId) {
      throw new ValueError(
        "gzsl: give gzsl.seen (dataset class ids) or a split (--split / meta.json split)",
        {
          field: "gzsl.seen",
        },
      );
    }
    seenIds = [...getSplit(splitId).seen];
  }
  const seenSet = new Set(seenIds);
  const mask = Array.from(data.classIds, (id) => seenSet.has(id));
  for (const id of seenIds) {
    if (!data.classIds.includes(id)) {
      throw new ValueError(`gzsl.seen lists class id ${id}, which is not among the bundle's candidates`, {
        field: "gzsl.seen",
        value: id,
      });
    }
  }
  const calibrations =
    g.calibration !== undefined ? [g.calibration] : calibrationRange(g.sweep.from, g.sweep.to, g.sweep.steps);
  const U = data.numClasses;
  const backbone = gzslSweep(data.logits.data, U, data.labels, mask, calibrations, g.average);
  const cache = gzslSweep(run.refinedLogits, U, data.labels, mask, calibrations, g.average);
  return {
    seenIds: [...seenIds].sort((a, b) => a - b),
    seenIndices: mask.flatMap((m, u) => (m ? [u] : [])),
    average: g.average,
    mode: g.calibration !== undefined ? "given" : "sweep",
    backbone,
    cache,
  };
}

/** GZSL predictions (calibrated stacking at `calibration`) per sample. */
export function gzslPredictions(
  logits: ArrayLike<number>,
  numClasses: number,
  seenIndices: readonly number[],
  calibration: number,
): Int32Array {
  const seen = new Uint8Array(numClasses);
  for (const u of seenIndices) seen[u] = 1;
  const samples = logits.length / numClasses;
  const out = new Int32Array(samples);
  for (let sample = 0; sample < samples; sample++) {
    let best = 0;
    let bestValue = Number.NEGATIVE_INFINITY;
    for (let u = 0; u < numClasses; u++) {
      const value = logits[sample * numClasses + u]! - (seen[u] ? calibration : 0);
      if (value > bestValue) {
        best = u;
        bestValue = value;
      }
    }
    out[sample] = best;
  }
  return out;
}

/** Where a one-step run (dataset + backbone) writes its bundle when `extract.out` is not given. */
export function defaultExtractOut(config: EvalConfig): string | undefined {
  if (!config.extract) return undefined;
  if (config.extract.out !== undefined) return config.extract.out;
  const split = config.extract.split ?? config.split;
  const model = config.extract.model ?? config.extract.backboneConfig ?? config.extract.backbone;
  return path.join(
    "runs",
    `bundle-${path.basename(model).replace(/\.(onnx|json|ya?ml)$/i, "")}-${split ?? "classes"}`,
  );
}

/**
 * Runs the configured protocol and writes the run directory. A one-step run
 * that fails leaves no bundle behind in the default `runs/bundle-*` folder it
 * created (an interrupted one keeps it, to be resumed).
 */
export async function runEval(
  config: EvalConfig,
  progress: Progress,
  control: { readonly signal?: AbortSignal } = {},
): Promise<RunOutcome> {
  const created = config.extract?.out === undefined ? defaultExtractOut(config) : undefined;
  const existed = created !== undefined && fs.existsSync(created);
  try {
    return await evaluate(config, progress, control);
  } catch (error) {
    if (created && !existed && !(error instanceof InterruptedError))
      fs.rmSync(created, { recursive: true, force: true });
    throw error;
  }
}

async function evaluate(
  config: EvalConfig,
  progress: Progress,
  control: { readonly signal?: AbortSignal },
): Promise<RunOutcome> {
  const started = performance.now();
  const timing: Record<string, number> = {};
  const lap = (name: string, from: number) => {
    timing[name] = Math.round(performance.now() - from) / 1000;
  };
  let t = performance.now();
  let bundlePath = config.bundle;
  if (config.extract) {
    // A dataset + backbone instead of a bundle: encode it first (skc extract).
    if (config.bundle !== undefined) {
      throw new ValueError("give either bundle or extract (dataset + backbone), not both", {
        field: "extract",
      });
    }
    const split = config.extract.split ?? config.split;
    const out = defaultExtractOut(config)!;
    const extracted = await runExtract(
      { ...config.extract, ...(split ? { split } : {}), out },
      progress,
      control,
    );
    bundlePath = extracted.out;
    lap("extract", t);
    t = performance.now();
  }
  const isDemo = bundlePath === undefined;
  const demo = DEMOS[config.demo];
  const data = loadEvalData(bundlePath ?? demo.dir, isDemo, "bundle", { layout: config.layout });
  const metaSplit = typeof data.meta.split === "string" ? data.meta.split : undefined;
  const splitId = config.split ?? metaSplit;
  if (config.split) checkBundleSplit(data, config.split, config.gzsl ? "gzsl" : "zsl");
  const prior: ResolvedPrior = resolvePrior(config.prior, data, {
    uniformGamma: config.uniformGamma,
    split: splitId,
  });
  lap("load", t);

  const base: PassParams = {
    alpha: config.alpha,
    beta: config.beta,
    K: config.K,
    hedge: config.hedge,
    hedgeMargin: config.hedgeMargin,
  };
  const protocol = config.protocol;
  let validation: EvalReport["validation"] = null;
  let gridSection: EvalReport["grid"] = null;
  let reference: EvalReport["reference"] = null;
  let orders: EvalReport["orders"] = null;
  let params = base;
  let mainPredictions: Int32Array | null = null;
  let mainRun: OnlineRun;

  // Passes to run, for the progress bar.
  const gridSize =
    (protocol === "reference" ? REFERENCE_GRID.alpha.length * REFERENCE_GRID.beta.length : 0) +
    (protocol === "validation" ? config.grid.alpha.length * config.grid.beta.length : 0);
  const ablationPasses =
    config.ablations && protocol !== "reference" ? (prior.kind === "uniform" ? 4 : 8) : 0;
  const total =
    1 +
    gridSize +
    (protocol === "orders" ? config.orders : 0) +
    ablationPasses +
    (protocol === "reference" ? 1 : 0);
  progress.start(total, `${protocol}`);

  t = performance.now();
  if (protocol === "validation") {
    const valSource = config.validationBundle ?? (isDemo ? demo.validation : undefined);
    if (!valSource) {
      throw new ValueError("protocol validation needs a validation bundle: --validation-bundle DIR|FILE", {
        field: "validationBundle",
      });
    }
    const valData = loadEvalData(
      valSource,
      isDemo && config.validationBundle === undefined,
      "validationBundle",
      { layout: config.layout },
    );
    // A dataset prior covers the validation classes too; a split prior does not (then uniform).
    const valPriorSpec = config.validationPrior ?? (prior.fromDatasetPrior ? prior.source : "uniform");
    const valPrior = resolvePrior(valPriorSpec, valData, {
      uniformGamma: config.uniformGamma,
      key: "validationPrior",
    });
    const search = gridSearch(valData, valPrior.prior, base, config.grid, () => progress.tick());
    params = { ...base, alpha: search.best.alpha, beta: search.best.beta };
    gridSection = { on: "validation bundle", K: base.K, points: search.points, best: search.best };
    validation = {
      bundle: valData.source,
      prior: { kind: valPrior.kind, source: valPrior.source },
      numSamples: valData.numSamples,
      numClasses: valData.numClasses,
      chosen: { alpha: search.best.alpha, beta: search.best.beta },
      validationTop1: search.best.top1,
    };
    lap("validation grid", t);
  }

  t = performance.now();
  if (protocol === "reference") {
    const meanMax = meanMaxBaseLogit(data);
    const points: ReferencePoint[] = [];
    let best: { point: ReferencePoint; run: OnlineRun; predictions: Int32Array } | null = null;
    for (const alpha of REFERENCE_GRID.alpha) {
      for (const beta of REFERENCE_GRID.beta) {
        const result = referencePoint(data, prior.prior, { ...base, alpha, beta }, meanMax);
        points.push(result.point);
        if (!best || result.point.correct > best.point.correct) best = result;
        progress.tick();
      }
    }
    const fixedRun = onlinePass(data, prior.prior, base);
    progress.tick();
    params = { ...base, alpha: best!.point.alpha, beta: best!.point.beta };
    mainRun = best!.run;
    mainPredictions = best!.predictions;
    gridSection = { on: "test labels", K: base.K, points, best: best!.point };
    reference = {
      label:
        "hyper-parameters selected on TEST labels (oracle); reproduces the authors' reported figure, not a deployable setting",
      best: best!.point,
      reportedTop1: best!.point.top1,
      meanMaxBaseLogit: meanMax,
      threshold: SECOND_PASS_THRESHOLD,
      fixed: {
        alpha: base.alpha,
        beta: base.beta,
        K: base.K,
        top1: accuracy(fixedRun.refinedPred, data.labels).percent,
      },
    };
    lap("reference grid", t);
  } else {
    mainRun = onlinePass(data, prior.prior, params);
    progress.tick();
    lap("main pass", t);
  }

  t = performance.now();
  if (protocol === "orders") {
    const result = ordersProtocol(data, prior.prior, params, config.orders, config.seed, () =>
      progress.tick(),
    );
    orders = { ...result, streamOrderTop1: accuracy(mainRun.refinedPred, data.labels).percent };
    lap("orders", t);
  }

  t = performance.now();
  const ablationRows =
    config.ablations && protocol !== "reference"
      ? ablations(data, prior.prior, prior.kind === "uniform", params, config.uniformGamma, () =>
          progress.tick(),
        )
      : null;
  if (ablationRows) lap("ablations", t);
  progress.stop();

  const baselinePred = baselinePredictions(data);
  const refinedPred = mainPredictions ?? mainRun.refinedPred;
  const backbone = summarise(data, baselinePred, data.logits.data);
  const cache = summarise(
    data,
    refinedPred,
    mainPredictions && reference?.best.secondPassFired ? null : mainRun.refinedLogits,
  );
  const positions = samplePositions(data.numSamples);
  const runningBackbone = runningAccuracy(baselinePred, data.labels, mainRun.order);
  const runningCache = runningAccuracy(refinedPred, data.labels, mainRun.order);
  const gzsl = gzslSection(config, data, mainRun, splitId);

  const report: EvalReport = {
    tool: toolVersions(),
    synthetic: data.synthetic,
    syntheticNote: data.synthetic ? SYNTHETIC_NOTE : null,
    protocol: {
      name: protocol,
      description: PROTOCOL_DESCRIPTIONS[protocol],
      selectsOnTestLabels: protocol === "reference",
    },
    config,
    seed: config.seed,
    bundle: {
      source: data.source,
      numSamples: data.numSamples,
      numClasses: data.numClasses,
      channels: data.channels,
      input: data.input,
      classIds: data.classIdsKnown ? Array.from(data.classIds) : null,
      classNames: data.classNames,
      meta: data.meta,
    },
    prior: { kind: prior.kind, source: prior.source, split: prior.prior.split ?? null },
    params: { ...params, hedgeActive: mainRun.adapter.hedgeActive },
    results: {
      backbone,
      cache,
      gain: cache.top1.percent - backbone.top1.percent,
      cacheStatistics: cacheStatsOf(mainRun, data.labels),
      running: {
        positions: positions.map((p) => p + 1),
        backbone: positions.map((p) => runningBackbone[p]!),
        cache: positions.map((p) => runningCache[p]!),
      },
    },
    grid: gridSection,
    validation,
    orders,
    reference,
    ablations: ablationRows,
    gzsl,
    files: [],
    timing,
  };

  const outDir = config.out ?? defaultOutDir(config, bundleName(data));
  t = performance.now();
  const files: RunFiles = {
    order: mainRun.order,
    labels: data.labels,
    baselinePred,
    refinedPred,
    onlinePred: mainRun.refinedPred,
    entropy: mainRun.entropy,
    inserted: mainRun.inserted,
    gzsl: gzsl
      ? {
          baseline: gzslPredictions(
            data.logits.data,
            data.numClasses,
            gzsl.seenIndices,
            gzsl.backbone.best.calibration,
          ),
          refined: gzslPredictions(
            mainRun.refinedLogits,
            data.numClasses,
            gzsl.seenIndices,
            gzsl.cache.best.calibration,
          ),
        }
      : null,
  };
  const written = await writeRunDirectory(outDir, report, files, {
    plots: config.plots,
    onTiming: (seconds) => {
      timing.write = seconds;
      timing.total = Math.round(performance.now() - started) / 1000;
    },
  });
  void t;
  return { report: { ...report, files: written }, outDir };
}

/** The directory of the shipped demo (for messages). */
export function demoDirectory(name: keyof typeof DEMOS = "utd-mhad"): string {
  const dir = DEMOS[name].dir;
  return fs.existsSync(dir) ? dir : `(missing: apps/eval/assets/${DEMOS[name].assets})`;
}
