import fs from "node:fs";
import path from "node:path";
import { InterruptedError, ValueError } from "@skeleton-cache/errors";
import {
  accuracy,
  calibratedArgmax,
  calibrationRange,
  confusionMatrix,
  gzslSweep,
  perClassAccuracy,
  runningAccuracy,
  type StreamOrderStats,
  streamOrderStats,
  topKAccuracy,
} from "@skeleton-cache/metrics";
import { type ResolvedPrior, resolvePrior } from "@skeleton-cache/prior";
import {
  ablations,
  baselinePredictions,
  buildMethod,
  gridSearch,
  type MethodSetup,
  memoryStatistics,
  ordersProtocol,
  PROTOCOL_DESCRIPTIONS,
  type Protocol,
  referenceGrid,
  SECOND_PASS_THRESHOLD,
} from "@skeleton-cache/protocols";
import {
  EVAL_REPORT_FORMAT,
  type EvalReport,
  type GzslSection,
  type MethodSection,
  type PredictionSummary,
  type RunFiles,
  writeRunDirectory,
} from "@skeleton-cache/report";
import { getSplit } from "@skeleton-cache/skeleton";
import {
  getMethodSpec,
  type MethodParams,
  type MethodRun,
  onlinePass,
  SkeletonCacheMethod,
} from "@skeleton-cache/tta";
import type { EvalConfig } from "./config.js";
import {
  checkBundleSplit,
  checkValidationBundle,
  DEMOS,
  type EvalData,
  loadEvalData,
  priorCandidates,
} from "./inputs.js";
import { methodGridOf, methodParams } from "./method-config.js";
import type { Progress } from "./progress.js";
import { buildReportHtml } from "./report-html/index.js";
import { toolVersions } from "./versions.js";

export interface RunOutcome {
  readonly report: EvalReport;
  readonly outDir: string;
}

const SYNTHETIC_NOTE =
  "Encoder outputs made by this project's seeded generator (apps/eval/src/synthetic.ts), not a real backbone on real skeletons. The figures show what the code does, not what Skeleton-Cache achieves.";

/** Default run directory: deterministic, no timestamp (the method's grid values and K, e.g. online-demo-a1-b5-k8). */
export function defaultOutDir(config: EvalConfig, bundleName: string, params: MethodParams = {}): string {
  const method = config.method === "skeleton-cache" ? "" : `${config.method}-`;
  const spec = getMethodSpec(config.method === "all" ? "skeleton-cache" : config.method);
  const keys = config.protocol === "reference" ? [] : Object.keys(spec.grid);
  if ("K" in spec.params) keys.push("K");
  const short: Record<string, string> = { alpha: "a", beta: "b", K: "k" };
  const tail = keys.filter((k) => params[k] !== undefined).map((k) => `${short[k] ?? k}${params[k]}`);
  const name = [`${config.protocol}-${method}${bundleName}`, ...tail].join("-");
  return path.join("runs", name.replace(/[^A-Za-z0-9._-]/g, "_"));
}

/** How a run directory names its bundle. */
export function bundleName(data: EvalData): string {
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

function gzslSeenIds(config: EvalConfig, data: EvalData, splitId: string | undefined): number[] {
  let seenIds = config.gzsl!.seen;
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
  for (const id of seenIds) {
    if (!data.classIds.includes(id)) {
      throw new ValueError(`gzsl.seen lists class id ${id}, which is not among the bundle's candidates`, {
        field: "gzsl.seen",
        value: id,
      });
    }
  }
  return seenIds;
}

function gzslSection(
  config: EvalConfig,
  data: EvalData,
  run: MethodRun,
  splitId: string | undefined,
): GzslSection | null {
  const g = config.gzsl;
  if (!g) return null;
  const seenIds = gzslSeenIds(config, data, splitId);
  const seenSet = new Set(seenIds);
  const mask = Array.from(data.classIds, (id) => seenSet.has(id));
  const calibrations =
    g.calibration !== undefined ? [g.calibration] : calibrationRange(g.sweep.from, g.sweep.to, g.sweep.steps);
  const U = data.numClasses;
  return {
    seenIds: [...seenIds].sort((a, b) => a - b),
    seenIndices: mask.flatMap((m, u) => (m ? [u] : [])),
    average: g.average,
    mode: g.calibration !== undefined ? "given" : "sweep",
    backbone: gzslSweep(data.logits.data, U, data.labels, mask, calibrations, g.average),
    cache: gzslSweep(run.refinedLogits, U, data.labels, mask, calibrations, g.average),
  };
}

/** What the run evaluates: the bundle, its prior and split. */
/** What a run evaluates: the bundle's data, the prior and the split. */
export interface EvalInputs {
  readonly data: EvalData;
  readonly prior: ResolvedPrior;
  readonly splitId: string | undefined;
  readonly isDemo: boolean;
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

/** A dataset + backbone instead of a bundle: encode it first (skc extract); returns the bundle path. */
async function extractFirst(
  config: EvalConfig,
  progress: Progress,
  control: RunControl,
): Promise<string | undefined> {
  if (!config.extract) return config.bundle;
  if (config.bundle !== undefined) {
    throw new ValueError("give either bundle or extract (dataset + backbone), not both", {
      field: "extract",
    });
  }
  const split = config.extract.split ?? config.split;
  const out = defaultExtractOut(config)!;
  const { runExtraction } = await import("./extraction.js"); // onnxruntime and the workers load only when a run encodes
  return (await runExtraction({ ...config.extract, ...(split ? { split } : {}), out }, progress, control))
    .out;
}

function loadInputs(config: EvalConfig, bundlePath: string | undefined): EvalInputs {
  const isDemo = bundlePath === undefined;
  const data = loadEvalData(bundlePath ?? DEMOS[config.demo].dir, isDemo, "bundle", {
    layout: config.layout,
  });
  const metaSplit = typeof data.meta.split === "string" ? data.meta.split : undefined;
  const splitId = config.split ?? metaSplit;
  if (config.split) checkBundleSplit(data, config.split, config.gzsl ? "gzsl" : "zsl");
  const prior = resolvePrior(config.prior ?? (isDemo ? DEMOS[config.demo].prior : undefined), {
    key: "prior",
    uniformGamma: config.uniformGamma,
    candidates: priorCandidates(data, splitId),
  });
  return { data, prior, splitId, isDemo };
}

/** What a protocol decided: the final hyper-parameters, the main pass and the reported predictions. */
interface ProtocolOutcome {
  readonly params: MethodParams;
  readonly mainRun: MethodRun;
  readonly predictions: Int32Array;
  readonly secondPassFired: boolean;
  readonly grid: EvalReport["grid"];
  readonly validation: EvalReport["validation"];
  readonly reference: EvalReport["reference"];
}

/** validation: the method's grid on the validation bundle, then one online pass over the test bundle. */
function validationProtocol(
  config: EvalConfig,
  inputs: EvalInputs,
  setup: MethodSetup,
  progress: Progress,
): ProtocolOutcome {
  const demo = DEMOS[config.demo];
  const valSource = config.validationBundle ?? (inputs.isDemo ? demo.validation : undefined);
  if (!valSource) {
    throw new ValueError("protocol validation needs a validation bundle: --validation-bundle DIR|FILE", {
      field: "validationBundle",
    });
  }
  const valData = loadEvalData(
    valSource,
    inputs.isDemo && config.validationBundle === undefined,
    "validationBundle",
    { layout: config.layout },
  );
  checkValidationBundle(inputs.data, valData);
  // A dataset prior covers the validation classes too; a split prior does not (then uniform).
  const { prior } = inputs;
  const valPriorSpec = config.validationPrior ?? (prior.fromDatasetPrior ? prior.source : "uniform");
  const valPrior = resolvePrior(valPriorSpec, {
    key: "validationPrior",
    uniformGamma: config.uniformGamma,
    candidates: priorCandidates(valData),
  });
  const grid = methodGridOf(config, setup.method);
  const search = gridSearch(valData, { ...setup, prior: valPrior.prior }, grid, () => progress.tick());
  const params = { ...setup.params, ...search.best.values };
  const mainRun = onlinePass(inputs.data, buildMethod(inputs.data, { ...setup, params }));
  progress.tick();
  return {
    params,
    mainRun,
    predictions: mainRun.refinedPred,
    secondPassFired: false,
    grid: { on: "validation bundle", keys: Object.keys(grid), points: search.points, best: search.best },
    validation: {
      bundle: valData.source,
      prior: { kind: valPrior.kind, source: valPrior.source },
      numSamples: valData.numSamples,
      numClasses: valData.numClasses,
      chosen: search.best.values,
      validationTop1: search.best.top1,
    },
    reference: null,
  };
}

/** reference: the method's grid judged on the TEST labels (an oracle), with the conditional second pass. */
function referenceProtocol(inputs: EvalInputs, setup: MethodSetup, progress: Progress): ProtocolOutcome {
  const { data } = inputs;
  const grid = getMethodSpec(setup.method).grid;
  const result = referenceGrid(data, setup, grid, () => progress.tick());
  const fixedRun = onlinePass(data, buildMethod(data, setup));
  progress.tick();
  const best = result.best;
  return {
    params: { ...setup.params, ...best.values },
    mainRun: result.bestRun.run,
    predictions: result.bestRun.predictions,
    secondPassFired: best.secondPassFired,
    grid: { on: "test labels", keys: Object.keys(grid), points: result.points, best },
    validation: null,
    reference: {
      label:
        "hyper-parameters selected on TEST labels (oracle); reproduces the authors' reported figure, not a deployable setting",
      best,
      reportedTop1: best.top1,
      meanMaxBaseLogit: result.meanMax,
      threshold: SECOND_PASS_THRESHOLD,
      fixed: { params: setup.params, top1: accuracy(fixedRun.refinedPred, data.labels).percent },
    },
  };
}

function onlineProtocol(inputs: EvalInputs, setup: MethodSetup, progress: Progress): ProtocolOutcome {
  const mainRun = onlinePass(inputs.data, buildMethod(inputs.data, setup));
  progress.tick();
  return {
    params: setup.params,
    mainRun,
    predictions: mainRun.refinedPred,
    secondPassFired: false,
    grid: null,
    validation: null,
    reference: null,
  };
}

/** The spread over R seeded stream orders at the final hyper-parameters (not for the reference protocol). */
function spreadOverOrders(
  config: EvalConfig,
  inputs: EvalInputs,
  setup: MethodSetup,
  outcome: ProtocolOutcome,
  progress: Progress,
): EvalReport["orders"] {
  if (config.protocol === "orders" && config.orders < 1) {
    throw new ValueError("protocol orders needs --orders R ≥ 1", { field: "orders", value: config.orders });
  }
  if (config.protocol === "reference" || config.orders === 0) return null;
  const params = outcome.params;
  const result = ordersProtocol(
    inputs.data,
    { ...setup, params },
    { R: config.orders, seed: config.seed },
    () => progress.tick(),
  );
  return { ...result, streamOrderTop1: accuracy(outcome.mainRun.refinedPred, inputs.data.labels).percent };
}

/** Online passes a run makes, for the progress bar. */
function plannedPasses(config: EvalConfig, method: string, priorIsUniform: boolean): number {
  const spec = getMethodSpec(method);
  const size = (grid: Record<string, readonly number[]>) =>
    Object.values(grid).reduce((n, values) => n * values.length, 1);
  const grid =
    config.protocol === "reference"
      ? size(spec.grid) + 1
      : config.protocol === "validation"
        ? size(methodGridOf(config, method))
        : 0;
  const orders = config.protocol === "reference" ? 0 : config.orders;
  const ablation = withAblations(config, method) ? (priorIsUniform ? 4 : 8) : 0;
  return 1 + grid + orders + ablation;
}

function withAblations(config: EvalConfig, method: string): boolean {
  return (
    config.ablations && config.protocol !== "reference" && getMethodSpec(method).capabilities.fusionWeights
  );
}

function runProtocol(
  config: EvalConfig,
  inputs: EvalInputs,
  setup: MethodSetup,
  progress: Progress,
): ProtocolOutcome {
  if (config.protocol === "validation") return validationProtocol(config, inputs, setup, progress);
  if (config.protocol === "reference") return referenceProtocol(inputs, setup, progress);
  return onlineProtocol(inputs, setup, progress);
}

/** The report's method section. */
function methodSection(method: string, run: MethodRun): MethodSection {
  const spec = getMethodSpec(method);
  return {
    name: spec.name,
    title: spec.title,
    description: spec.description,
    reference: spec.reference,
    capabilities: spec.capabilities,
    hedgeActive: run.method instanceof SkeletonCacheMethod ? run.method.hedgeActive : null,
  };
}

function resultsSection(data: EvalData, outcome: ProtocolOutcome): EvalReport["results"] {
  const { mainRun, predictions } = outcome;
  const baselinePred = baselinePredictions(data);
  const backbone = summarise(data, baselinePred, data.logits.data);
  const cache = summarise(data, predictions, outcome.secondPassFired ? null : mainRun.refinedLogits);
  const positions = samplePositions(data.numSamples);
  const runningBackbone = runningAccuracy(baselinePred, data.labels, mainRun.order);
  const runningCache = runningAccuracy(predictions, data.labels, mainRun.order);
  return {
    backbone,
    cache,
    gain: cache.top1.percent - backbone.top1.percent,
    cacheStatistics: memoryStatistics(mainRun, data.labels),
    running: {
      positions: positions.map((p) => p + 1),
      backbone: positions.map((p) => runningBackbone[p]!),
      cache: positions.map((p) => runningCache[p]!),
    },
  };
}

function bundleSection(data: EvalData): EvalReport["bundle"] {
  return {
    source: data.source,
    numSamples: data.numSamples,
    numClasses: data.numClasses,
    channels: data.channels,
    input: data.input,
    classIds: data.classIdsKnown ? Array.from(data.classIds) : null,
    classNames: data.classNames,
    meta: data.meta,
  };
}

function runFiles(data: EvalData, outcome: ProtocolOutcome, gzsl: GzslSection | null): RunFiles {
  const { mainRun } = outcome;
  const seenMask = new Uint8Array(data.numClasses);
  for (const u of gzsl?.seenIndices ?? []) seenMask[u] = 1;
  const calibrated = (scores: ArrayLike<number>, calibration: number) =>
    calibratedArgmax(scores, { numClasses: data.numClasses, seenMask, calibration });
  return {
    order: mainRun.order,
    labels: data.labels,
    baselinePred: baselinePredictions(data),
    refinedPred: outcome.predictions,
    onlinePred: mainRun.refinedPred,
    entropy: mainRun.entropy,
    inserted: mainRun.inserted,
    gzsl: gzsl
      ? {
          baseline: calibrated(data.logits.data, gzsl.backbone.best.calibration),
          refined: calibrated(mainRun.refinedLogits, gzsl.cache.best.calibration),
        }
      : null,
  };
}

/** The report of a finished run (report.json). */
function assembleReport(
  config: EvalConfig,
  inputs: EvalInputs,
  outcome: ProtocolOutcome,
  sections: Pick<EvalReport, "orders" | "ablations" | "gzsl" | "timing">,
): EvalReport {
  const { data, prior } = inputs;
  const stream = streamOrderStats(data.labels);
  return {
    format: EVAL_REPORT_FORMAT,
    tool: toolVersions(),
    synthetic: data.synthetic,
    syntheticNote: data.synthetic ? SYNTHETIC_NOTE : null,
    protocol: {
      name: config.protocol,
      description: PROTOCOL_DESCRIPTIONS[config.protocol],
      selectsOnTestLabels: config.protocol === "reference",
    },
    config,
    seed: config.seed,
    stream,
    warnings: streamWarnings(stream, config.protocol),
    bundle: bundleSection(data),
    prior: {
      kind: prior.kind,
      source: prior.source,
      split: prior.prior.split ?? null,
      ...(prior.note !== undefined ? { note: prior.note } : {}),
    },
    method: methodSection(config.method, outcome.mainRun),
    params: outcome.params,
    results: resultsSection(data, outcome),
    grid: outcome.grid,
    validation: outcome.validation,
    orders: sections.orders,
    reference: outcome.reference,
    ablations: sections.ablations,
    gzsl: sections.gzsl,
    files: [],
    timing: sections.timing,
  };
}

/** Cancels a run (Ctrl-C): extraction stops, keeping its finished chunks. */
export interface RunControl {
  readonly signal?: AbortSignal;
}

/** Which method a run evaluates (default: the config's) and, when already loaded, its inputs. */
export interface RunChoice {
  readonly method?: string;
  readonly inputs?: EvalInputs;
}

/**
 * Runs the configured protocol with the configured method and writes the run
 * directory. A one-step run (dataset + backbone) that fails leaves no bundle
 * behind in the default `runs/bundle-*` folder it created (an interrupted one
 * keeps it, to be resumed).
 */
export async function runEval(
  config: EvalConfig,
  progress: Progress,
  control: RunControl = {},
  choice: RunChoice = {},
): Promise<RunOutcome> {
  return withOneStepCleanup(config, () => evaluate(config, progress, control, choice));
}

/** The bundle (encoded first for a one-step run) and the prior a config names, loaded once. */
export async function loadRunInputs(
  config: EvalConfig,
  progress: Progress,
  control: RunControl = {},
): Promise<EvalInputs> {
  return withOneStepCleanup(config, async () =>
    loadInputs(config, await extractFirst(config, progress, control)),
  );
}

/** Runs `body`; when it fails (not interrupted), removes the default one-step bundle folder it created. */
async function withOneStepCleanup<T>(config: EvalConfig, body: () => Promise<T>): Promise<T> {
  const created = config.extract?.out === undefined ? defaultExtractOut(config) : undefined;
  const existed = created !== undefined && fs.existsSync(created);
  try {
    return await body();
  } catch (error) {
    if (created && !existed && !(error instanceof InterruptedError))
      fs.rmSync(created, { recursive: true, force: true });
    throw error;
  }
}

async function evaluate(
  config: EvalConfig,
  progress: Progress,
  control: RunControl,
  choice: RunChoice,
): Promise<RunOutcome> {
  // With --method all, `config` keeps "all" (its shorthands and params go to the methods that take them).
  const method = choice.method ?? config.method;
  if (method === "all") {
    throw new ValueError("runEval runs one method; --method all goes through runCompare", {
      field: "method",
    });
  }
  const started = performance.now();
  const timing: Record<string, number> = {};
  const lap = (name: string, from: number) => {
    timing[name] = Math.round(performance.now() - from) / 1000;
  };
  let t = performance.now();
  const inputs = choice.inputs ?? loadInputs(config, await extractFirst(config, progress, control));
  const { data, prior } = inputs;
  const setup: MethodSetup = { method, params: methodParams(config, method), prior: prior.prior };
  lap("load", t);
  progress.start(plannedPasses(config, method, prior.kind === "uniform"), config.protocol);
  t = performance.now();
  const outcome = runProtocol(config, inputs, setup, progress);
  const orders = spreadOverOrders(config, inputs, setup, outcome, progress);
  lap("protocol", t);
  t = performance.now();
  const ablationRows = withAblations(config, method)
    ? ablations(
        data,
        { ...setup, params: outcome.params },
        { priorIsUniform: prior.kind === "uniform", uniformGamma: config.uniformGamma },
        () => progress.tick(),
      )
    : null;
  if (ablationRows) lap("ablations", t);
  progress.stop();
  const gzsl = gzslSection(config, data, outcome.mainRun, inputs.splitId);
  const sections = { orders, ablations: ablationRows, gzsl, timing };
  const runConfig = { ...config, method }; // what report.json records: the method this run evaluated
  const report = assembleReport(runConfig, inputs, outcome, sections);
  const outDir = config.out ?? defaultOutDir(runConfig, bundleName(data), outcome.params);
  const written = await writeRunDirectory(outDir, report, runFiles(data, outcome, gzsl), {
    plots: config.plots,
    onTiming: (seconds) => {
      timing.write = seconds;
      timing.total = Math.round(performance.now() - started) / 1000;
    },
  });
  buildReportHtml(outDir, { data, prior: prior.prior }); // report.html from the folder just written
  return { report: { ...report, files: written }, outDir };
}

/** The warning for a stream sorted by label, unless the protocol shuffles it. */
function streamWarnings(stream: StreamOrderStats, protocol: Protocol): string[] {
  if (!stream.sortedByLabel || protocol === "orders") return [];
  return [
    `the bundle's stream is sorted by label: ${stream.runs} runs of one class (longest ${stream.longestRun} samples) where a shuffled order gives about ${Math.round(stream.expectedRuns)}; online figures on this order are not representative — use --protocol orders (mean ± sd over seeded shuffles)`,
  ];
}
