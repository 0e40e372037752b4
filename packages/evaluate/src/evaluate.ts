/**
 * `evaluate(stream, setup)`: one test-time method on one labelled stream
 * under one protocol, in memory. The protocol (a registry entry of
 * @skeleton-cache/protocols) decides the hyper-parameters and the main
 * online pass; around it come the spread over seeded stream orders, the
 * ablations, GZSL and the report (`EvalReport`) with the per-sample arrays
 * behind predictions.csv (`RunFiles`). Nothing here reads or writes a file
 * or prints: progress goes through `onProgress`, and @skeleton-cache/report
 * writes the run folder.
 */
import { sampleOrderText } from "@skeleton-cache/bundle";
import { ValueError } from "@skeleton-cache/errors";
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
import { type ResolvedPrior, uniformPrior } from "@skeleton-cache/prior";
import {
  ablations,
  baselinePredictions,
  type MethodSetup,
  memoryStatistics,
  ordersProtocol,
  type ProtocolEntry,
  type ProtocolOutcome,
  resolveProtocol,
} from "@skeleton-cache/protocols";
import {
  EVAL_REPORT_FORMAT,
  type EvalReport,
  type GzslSection,
  type MethodSection,
  type PredictionSummary,
  type RunConfig,
  type RunFiles,
} from "@skeleton-cache/report";
import { getSplit, type LabelledStream, streamClassNames, streamShape } from "@skeleton-cache/skeleton";
import { getMethodSpec, type MethodRun } from "@skeleton-cache/tta";
import { type EvalSetup, type EvalSetupInput, methodGridOf, methodParams, parseSetup } from "./setup.js";
import { checkStreamSplit, checkValidationStream, describedStream } from "./stream.js";

/** A prior and how it was named (report.json `prior`). */
type UsedPrior = Pick<ResolvedPrior, "prior" | "kind" | "source" | "note">;

const SYNTHETIC_NOTE =
  "Encoder outputs made by this project's seeded generator (@skeleton-cache/evaluate's generateSynthetic), not a real backbone on real skeletons. The figures show what the code does, not what Skeleton-Cache achieves.";

/** Progress of an evaluation, counted in online passes over a stream. */
export interface EvalProgress {
  readonly done: number;
  readonly total: number;
  readonly protocol: string;
  readonly method: string;
}

/** How `evaluate` reports and records. */
export interface EvaluateOptions {
  /** Called with done = 0 before the first pass, then after each pass. */
  readonly onProgress?: ((progress: EvalProgress) => void) | undefined;
  /** report.json `tool`: the program and the versions that made the report (default: this package, unversioned). */
  readonly tool?: EvalReport["tool"] | undefined;
  /** report.json `config`: the run's config as its caller knows it (default: the setup's recordable keys). */
  readonly config?: Record<string, unknown> | undefined;
}

/** An evaluation: the report, the arrays behind predictions.csv, and what `traceSamples` replays. */
export interface Evaluation {
  readonly report: EvalReport;
  readonly files: RunFiles;
  /** The stream as evaluated (its descriptors computed). */
  readonly stream: LabelledStream;
  /** The prior the method ran with. */
  readonly prior: UsedPrior;
}

function toRows(matrix: Int32Array, size: number): number[][] {
  const rows: number[][] = [];
  for (let t = 0; t < size; t++) rows.push(Array.from(matrix.subarray(t * size, (t + 1) * size)));
  return rows;
}

function summarise(
  stream: LabelledStream,
  predictions: Int32Array,
  logits: Float32Array | null,
): PredictionSummary {
  const U = stream.logits.shape[1]!;
  return {
    top1: accuracy(predictions, stream.labels),
    top5: logits ? topKAccuracy(logits, U, stream.labels, Math.min(5, U)) : null,
    perClass: perClassAccuracy(predictions, stream.labels, U),
    confusion: toRows(confusionMatrix(predictions, stream.labels, U), U),
  };
}

/** At most `limit` evenly spaced stream positions (always the last). */
function samplePositions(total: number, limit = 400): number[] {
  if (total <= limit) return Array.from({ length: total }, (_, i) => i);
  const out: number[] = [];
  for (let k = 0; k < limit; k++) out.push(Math.round(((total - 1) * k) / (limit - 1)));
  return out;
}

/** The stream's split: the setup's, else the one its meta names. */
function splitOf(setup: EvalSetup, stream: LabelledStream): string | undefined {
  const metaSplit = stream.meta?.split;
  return setup.split ?? (typeof metaSplit === "string" ? metaSplit : undefined);
}

function gzslSeenIds(setup: EvalSetup, stream: LabelledStream, classIds: Int32Array): number[] {
  let seenIds = setup.gzsl!.seen;
  if (!seenIds) {
    const splitId = splitOf(setup, stream);
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
    if (!classIds.includes(id)) {
      throw new ValueError(`gzsl.seen lists class id ${id}, which is not among the bundle's candidates`, {
        field: "gzsl.seen",
        value: id,
      });
    }
  }
  return seenIds;
}

/** The candidates' dataset class ids: the stream's, else 0..U-1. */
function candidateIds(stream: LabelledStream): Int32Array {
  return stream.classIds ?? Int32Array.from({ length: stream.logits.shape[1]! }, (_, u) => u);
}

function gzslSection(setup: EvalSetup, stream: LabelledStream, run: MethodRun): GzslSection | null {
  const g = setup.gzsl;
  if (!g) return null;
  const classIds = candidateIds(stream);
  const seenIds = gzslSeenIds(setup, stream, classIds);
  const seenSet = new Set(seenIds);
  const mask = Array.from(classIds, (id) => seenSet.has(id));
  const calibrations =
    g.calibration !== undefined ? [g.calibration] : calibrationRange(g.sweep.from, g.sweep.to, g.sweep.steps);
  const U = stream.logits.shape[1]!;
  return {
    seenIds: [...seenIds].sort((a, b) => a - b),
    seenIndices: mask.flatMap((m, u) => (m ? [u] : [])),
    average: g.average,
    mode: g.calibration !== undefined ? "given" : "sweep",
    backbone: gzslSweep(stream.logits.data, U, stream.labels, mask, calibrations, g.average),
    cache: gzslSweep(run.refinedLogits, U, stream.labels, mask, calibrations, g.average),
  };
}

/** The spread over R seeded stream orders at the final hyper-parameters (where the protocol has one). */
function spreadOverOrders(
  setup: EvalSetup,
  entry: ProtocolEntry,
  stream: LabelledStream,
  methodSetup: MethodSetup,
  outcome: ProtocolOutcome,
  tick: () => void,
): EvalReport["orders"] {
  if (!entry.spread || setup.orders === 0) return null;
  const result = ordersProtocol(
    stream,
    { ...methodSetup, params: outcome.params },
    { R: setup.orders, seed: setup.seed },
    tick,
  );
  return { ...result, streamOrderTop1: accuracy(outcome.mainRun.refinedPred, stream.labels).percent };
}

function withAblations(setup: EvalSetup, entry: ProtocolEntry, method: string): boolean {
  return setup.ablations && !entry.selectsOnTestLabels && getMethodSpec(method).capabilities.fusionWeights;
}

/** The report's method section. */
function methodSection(method: string, run: MethodRun): MethodSection {
  const spec = getMethodSpec(method);
  // Read by shape, not instanceof: a method from another installed copy of tta has the field too.
  const hedge = (run.method as { readonly hedgeActive?: unknown }).hedgeActive;
  return {
    name: spec.name,
    title: spec.title,
    description: spec.description,
    reference: spec.reference,
    capabilities: spec.capabilities,
    hedgeActive: typeof hedge === "boolean" ? hedge : null,
  };
}

function resultsSection(stream: LabelledStream, outcome: ProtocolOutcome): EvalReport["results"] {
  const { mainRun, predictions } = outcome;
  const baselinePred = baselinePredictions(stream);
  const backbone = summarise(stream, baselinePred, stream.logits.data);
  const cache = summarise(stream, predictions, outcome.secondPassFired ? null : mainRun.refinedLogits);
  const positions = samplePositions(stream.labels.length);
  const runningBackbone = runningAccuracy(baselinePred, stream.labels, mainRun.order);
  const runningCache = runningAccuracy(predictions, stream.labels, mainRun.order);
  return {
    backbone,
    cache,
    gain: cache.top1.percent - backbone.top1.percent,
    cacheStatistics: memoryStatistics(mainRun, stream.labels),
    running: {
      positions: positions.map((p) => p + 1),
      backbone: positions.map((p) => runningBackbone[p]!),
      cache: positions.map((p) => runningCache[p]!),
    },
  };
}

function bundleSection(stream: LabelledStream): EvalReport["bundle"] {
  const { numSamples, numClasses, channels } = streamShape(stream);
  return {
    source: stream.source ?? "stream",
    numSamples,
    numClasses,
    channels,
    input: stream.kind,
    classIds: stream.classIds ? Array.from(stream.classIds) : null,
    classNames: streamClassNames(stream),
    meta: { ...stream.meta },
  };
}

function runFiles(stream: LabelledStream, outcome: ProtocolOutcome, gzsl: GzslSection | null): RunFiles {
  const { mainRun } = outcome;
  const numClasses = stream.logits.shape[1]!;
  const calibrated = (scores: ArrayLike<number>, calibration: number) => {
    const seenMask = new Uint8Array(numClasses);
    for (const u of gzsl!.seenIndices) seenMask[u] = 1;
    return calibratedArgmax(scores, { numClasses, seenMask, calibration });
  };
  return {
    order: mainRun.order,
    labels: stream.labels,
    baselinePred: baselinePredictions(stream),
    refinedPred: outcome.predictions,
    onlinePred: mainRun.refinedPred,
    entropy: mainRun.entropy,
    inserted: mainRun.inserted,
    gzsl: gzsl
      ? {
          baseline: calibrated(stream.logits.data, gzsl.backbone.best.calibration),
          refined: calibrated(mainRun.refinedLogits, gzsl.cache.best.calibration),
        }
      : null,
  };
}

/** What report.json records as the config when the caller gives none: the setup's recordable keys. */
function recordedConfig(setup: EvalSetup, prior: UsedPrior): Record<string, unknown> {
  const { prior: _prior, validation, ...keys } = setup;
  return {
    ...keys,
    prior: prior.source,
    ...(validation ? { validationPrior: validation.prior.source } : {}),
  };
}

/** The warning for a stream sorted by label, unless the protocol shuffles it. */
function streamWarnings(stream: StreamOrderStats, protocol: string): string[] {
  if (!stream.sortedByLabel || protocol === "orders") return [];
  return [
    `the bundle's stream is sorted by label: ${stream.runs} runs of one class (longest ${stream.longestRun} samples) where a shuffled order gives about ${Math.round(stream.expectedRuns)}; online figures on this order are not representative — use --protocol orders (mean ± sd over seeded shuffles)`,
  ];
}

/** The prior the setup names, else the uniform one over the stream's candidates. */
function priorOf(setup: EvalSetup, stream: LabelledStream): UsedPrior {
  if (setup.prior) return setup.prior;
  const numClasses = stream.logits.shape[1]!;
  return {
    prior: uniformPrior(numClasses, setup.uniformGamma, streamClassNames(stream)),
    kind: "uniform",
    source: "uniform",
  };
}

/**
 * Evaluates one test-time method on a labelled stream under the setup's
 * protocol: the protocol's passes, the spread over stream orders, the
 * ablations and GZSL. Returns the report and the per-sample arrays that
 * `writeRunDirectory` of @skeleton-cache/report writes; `method: "all"` goes
 * through `compare`.
 */
export function evaluate(
  stream: LabelledStream,
  setup: EvalSetupInput | EvalSetup = {},
  options: EvaluateOptions = {},
): Evaluation {
  const checked = parseSetup(setup);
  if (checked.method === "all") {
    throw new ValueError("evaluate runs one method; method all goes through compare", {
      field: "method",
    });
  }
  return evaluateMethod(stream, checked, checked.method, options);
}

/** `evaluate` for one method of a setup (its method may be "all": each method takes the keys it knows). */
export function evaluateMethod(
  input: LabelledStream,
  setup: EvalSetup,
  method: string,
  options: EvaluateOptions = {},
): Evaluation {
  const timing: Record<string, number> = {};
  const lap = (name: string, from: number) => {
    timing[name] = Math.round(performance.now() - from) / 1000;
  };
  const stream = describedStream(input);
  if (setup.split) checkStreamSplit(stream, setup.split, setup.gzsl ? "gzsl" : "zsl");
  const prior = priorOf(setup, stream);
  const methodSetup: MethodSetup = { method, params: methodParams(setup, method), prior: prior.prior };
  const { entry, config } = resolveProtocol(setup.protocol, {
    orders: setup.orders,
    seed: setup.seed,
    grid: methodGridOf(setup, method),
  });
  const validation = setup.validation
    ? { stream: describedStream(setup.validation.stream), prior: setup.validation.prior }
    : undefined;
  if (validation) checkValidationStream(stream, validation.stream);
  const context = { stream, setup: methodSetup, validation };
  const ablate = withAblations(setup, entry, method);
  const total =
    entry.passes(context, config) +
    (entry.spread ? setup.orders : 0) +
    (ablate ? (prior.kind === "uniform" ? 4 : 8) : 0);
  let done = 0;
  const what = { protocol: entry.name, method, total };
  options.onProgress?.({ ...what, done });
  const tick = () => options.onProgress?.({ ...what, done: ++done });
  let t = performance.now();
  const outcome = entry.run({ ...context, tick }, config);
  const orders = spreadOverOrders(setup, entry, stream, methodSetup, outcome, tick);
  lap("protocol", t);
  t = performance.now();
  const ablationRows = ablate
    ? ablations(
        stream,
        { ...methodSetup, params: outcome.params },
        { priorIsUniform: prior.kind === "uniform", uniformGamma: setup.uniformGamma },
        tick,
      )
    : null;
  if (ablationRows) lap("ablations", t);
  const gzsl = gzslSection(setup, stream, outcome.mainRun);
  const order = streamOrderStats(stream.labels);
  const orderText = sampleOrderText(stream.meta?.order);
  const synthetic = stream.meta?.synthetic === true;
  const config_ = options.config ?? recordedConfig(setup, prior);
  return {
    report: {
      format: EVAL_REPORT_FORMAT,
      tool: options.tool ?? { name: "@skeleton-cache/evaluate", version: "unrecorded" },
      synthetic,
      syntheticNote: synthetic ? SYNTHETIC_NOTE : null,
      protocol: {
        name: entry.name,
        description: entry.description,
        selectsOnTestLabels: entry.selectsOnTestLabels,
      },
      config: { ...config_, method } as RunConfig, // what report.json records: the method this run evaluated
      seed: setup.seed,
      stream: { ...order, ...(orderText ? { order: orderText } : {}) },
      warnings: streamWarnings(order, entry.name),
      bundle: bundleSection(stream),
      prior: {
        kind: prior.kind,
        source: prior.source,
        split: prior.prior.split ?? null,
        ...(prior.note !== undefined ? { note: prior.note } : {}),
      },
      method: methodSection(method, outcome.mainRun),
      params: outcome.params,
      results: resultsSection(stream, outcome),
      grid: outcome.grid,
      validation: outcome.validation,
      orders,
      reference: outcome.reference,
      ablations: ablationRows,
      gzsl,
      files: [],
      timing,
    },
    files: runFiles(stream, outcome, gzsl),
    stream,
    prior,
  };
}
