/**
 * Everything report.html shows, as one JSON-ready object: headline figures,
 * chart specs, per-sample columns for the explorer, the traced samples'
 * scores, weights and matches, and the playback clips. Numbers are rounded
 * to what a reader can see (4 significant digits), which keeps a 2 000-sample
 * page small.
 */
import {
  type BlockTimelinePoint,
  type ChartSpec,
  cacheTimelineSpec,
  confusionPairSpec,
  gridSpec,
  interactiveSpec,
  ordersSpec,
  perClassSpec,
  runningAccuracySpec,
} from "@skeleton-cache/plots";
import { DESCRIPTOR_SLOTS, NUM_SLOTS } from "@skeleton-cache/skeleton";
import { softmaxInto, topK } from "@skeleton-cache/tensor";
import type { EvalReport } from "../eval-report.js";
import { ORACLE_NOTE, resultsHeading, SYNTHETIC_TAG, signedFmt } from "../run-directory.js";
import type { RunPredictions } from "../run-folder.js";
import type { Playback } from "./playback.js";
import { type CacheState, sampleStatus, type TracedOrNote, type TracedRun } from "./trace.js";

/** Significant digits of every real number on the page. */
const DIGITS = 4;
/** Classes in each top-k list. */
const TOP_K = 5;

function sig(value: number): number {
  return Number.isFinite(value) ? Number(value.toPrecision(DIGITS)) : 0;
}

/** Top-k of softmax(logits) of each of N rows as [class, probability] pairs, flattened (probabilities to 3 decimals). */
function topProbabilities(logits: ArrayLike<number>, N: number, U: number): number[][] {
  const p = new Float64Array(U);
  return Array.from({ length: N }, (_, i) => {
    softmaxInto(logits, p, U, i * U);
    return topK(p, Math.min(TOP_K, U)).flatMap((u) => [u, Math.round(p[u]! * 1000) / 1000]);
  });
}

/** Fill, mean entropy and label precision of each block at each recorded stream position. */
export function blockTimeline(cache: readonly CacheState[], labels: Int32Array): BlockTimelinePoint[] {
  const points: BlockTimelinePoint[] = [];
  for (const state of cache) {
    state.ids.forEach((ids, block) => {
      const entropies = state.entropies[block]!;
      const right = ids.filter((id) => labels[id] === block).length;
      points.push({
        position: state.position,
        block,
        fill: ids.length,
        entropy: ids.length ? entropies.reduce((a, b) => a + b, 0) / ids.length : null,
        precision: ids.length ? (100 * right) / ids.length : null,
      });
    });
  }
  return points;
}

export interface PageInput {
  readonly report: EvalReport;
  readonly predictions: RunPredictions;
  /** (N, U) base logits. */
  readonly baseLogits: Float32Array;
  /** The traced replay, or why there is none. */
  readonly traced: TracedOrNote;
  readonly playback: Playback;
  /** Where report.json came from (shown in the footer). */
  readonly runDir: string;
}

function charts(report: EvalReport, traced: PageInput["traced"], labels: Int32Array, method: string) {
  const r = report.results;
  const names = report.bundle.classNames;
  const tag = report.synthetic ? ` [${SYNTHETIC_TAG}]` : "";
  const out: Record<string, ChartSpec> = {
    perClass: perClassSpec(
      `Per-class top-1: backbone vs ${method}${tag}`,
      names,
      r.backbone.perClass.percent,
      r.cache.perClass.percent,
      method,
    ),
    confusion: confusionPairSpec(
      `Confusion matrices (rows: true class; columns: predicted)${tag}`,
      names,
      r.backbone.confusion,
      r.cache.confusion,
      method,
    ),
    running: runningAccuracySpec(
      `Running top-1 along the stream${tag}`,
      r.running.positions,
      r.running.backbone,
      r.running.cache,
      method,
    ),
  };
  const g = report.grid;
  if (g && g.keys.join() === "alpha,beta") {
    const on = g.on === "test labels" ? "on TEST labels (oracle)" : "on the validation bundle";
    const points = g.points.map((q) => ({ alpha: q.values.alpha!, beta: q.values.beta!, top1: q.top1 }));
    out.grid = gridSpec(`Top-1 over α × β, ${report.method.title}, ${on}${tag}`, points);
  }
  if (report.orders) {
    const o = report.orders;
    out.orders = ordersSpec(
      `Top-1 over ${o.R} seeded stream orders${tag}`,
      o.seeds.map((seed, k) => ({ seed, top1: o.top1[k]! })),
      o.backboneTop1,
      method,
    );
  }
  if ("cache" in traced && traced.cache.length > 0) {
    out.cache = cacheTimelineSpec(
      `The cache along the stream (K = ${report.params.K})${tag}`,
      names,
      blockTimeline(traced.cache, labels),
      Number(report.params.K),
    );
  }
  return Object.fromEntries(Object.entries(out).map(([name, spec]) => [name, interactiveSpec(spec)]));
}

function headline(report: EvalReport, method: string) {
  const r = report.results;
  const figures = [
    { label: "backbone top-1 (%)", value: r.backbone.top1.percent.toFixed(2) },
    { label: `${method} top-1 (%)`, value: r.cache.top1.percent.toFixed(2) },
    { label: "gain (points)", value: signedFmt(r.gain) },
    {
      label: `mean per-class (%) backbone → ${method}`,
      value: `${r.backbone.perClass.meanPercent.toFixed(2)} → ${r.cache.perClass.meanPercent.toFixed(2)}`,
    },
    { label: "samples N / classes U", value: `${report.bundle.numSamples} / ${report.bundle.numClasses}` },
  ];
  if (report.reference)
    figures.push({
      label: `fixed ${paramsLine(report.reference.fixed.params)} top-1 (%)`,
      value: report.reference.fixed.top1.toFixed(2),
    });
  if (report.orders)
    figures.push({
      label: `orders: mean ± sd over ${report.orders.R} (%)`,
      value: `${report.orders.summary.mean.toFixed(2)} ± ${report.orders.summary.sd.toFixed(2)}`,
    });
  if (report.gzsl) {
    const g = report.gzsl;
    figures.push({
      label: `GZSL H (%) backbone → ${method} (S, U: ${g.cache.best.seen.toFixed(2)}, ${g.cache.best.unseen.toFixed(2)})`,
      value: `${g.backbone.best.harmonic.toFixed(2)} → ${g.cache.best.harmonic.toFixed(2)}`,
    });
  }
  if (report.validation)
    figures.push({
      label: "chosen on the validation bundle",
      value: paramsLine(report.validation.chosen),
    });
  return figures;
}

/** Hyper-parameters as "alpha = 1, beta = 5". */
function paramsLine(values: Readonly<Record<string, number | string>>): string {
  return Object.entries(values)
    .map(([key, value]) => `${key} = ${value}`)
    .join(", ");
}

/** What a known hyper-parameter means (the paper's methods); others are shown by name. */
const PARAM_LABELS: Readonly<Record<string, string>> = {
  alpha: "α (fusion scale, Eq. 12)",
  beta: "β (affinity sharpness, Eq. 6)",
  K: "K (entries per class block)",
};

function setup(report: EvalReport): [string, string][] {
  const rows: [string, string][] = [
    ["bundle", `${report.bundle.source}${report.synthetic ? ` (${SYNTHETIC_TAG})` : ""}`],
    [
      "prior",
      `${report.prior.kind}: ${report.prior.source}${report.prior.split ? ` (split ${report.prior.split})` : ""}`,
    ],
    ...(report.prior.note !== undefined ? [["prior note", report.prior.note] as [string, string]] : []),
    ["method", report.method.title],
  ];
  for (const [key, value] of Object.entries(report.params))
    rows.push([PARAM_LABELS[key] ?? key, String(value)]);
  if (report.method.hedgeActive !== null)
    rows.push(["hedge active", report.method.hedgeActive ? "on" : "off"]);
  rows.push(["seed", String(report.seed)]);
  if (report.stream.order !== undefined) rows.push(["stream order", report.stream.order]);
  return rows;
}

/** A traced sample on the page (rounded): logits, O, w_ĉ, and matches as [id, block, w·a, a_0 … a_7]. */
export interface TracedSampleData {
  readonly base: number[];
  readonly refined: number[];
  readonly scores: number[];
  readonly weights: number[];
  readonly matches: number[][];
  readonly entropy: number;
  readonly inserted: boolean;
  readonly hedgeBlock: number;
}

function traceData(traced: TracedRun, U: number, baseLogits: Float32Array): Record<number, TracedSampleData> {
  const samples: Record<number, TracedSampleData> = {};
  for (const [sample, t] of traced.traces) {
    samples[sample] = {
      base: Array.from(baseLogits.subarray(sample * U, (sample + 1) * U), sig),
      refined: Array.from(t.refinedLogits, sig),
      scores: Array.from(t.scores, sig),
      weights: Array.from(t.weights, sig),
      matches: t.matches.map((m) => [m.id, m.block, sig(m.contribution), ...m.affinities.map(sig)]),
      entropy: sig(t.entropy),
      inserted: t.inserted,
      hedgeBlock: t.hedgeBlock,
    };
  }
  return samples;
}

/** The page's data object (serialised into report.html). */
export function pageData(input: PageInput) {
  const { report, predictions, traced, playback } = input;
  const method = report.method.title;
  const N = report.bundle.numSamples;
  const U = report.bundle.numClasses;
  const position = new Int32Array(N);
  predictions.order.forEach((sample, i) => {
    position[sample] = i;
  });
  const hasTrace = "traces" in traced;
  return {
    title: `Skeleton-Cache evaluation — protocol ${report.protocol.name}${report.synthetic ? ` (${SYNTHETIC_TAG} data)` : ""}`,
    method,
    synthetic: report.synthetic ? (report.syntheticNote ?? SYNTHETIC_TAG) : null,
    protocol: { ...report.protocol, oracle: report.protocol.selectsOnTestLabels ? ORACLE_NOTE : null },
    resultsHeading: resultsHeading(report.protocol.name),
    headline: headline(report, method),
    setup: setup(report),
    params: { ...report.params },
    classes: report.bundle.classNames.map((name, u) => ({
      u,
      id: report.bundle.classIds ? report.bundle.classIds[u]! : null,
      name,
    })),
    slots: [...DESCRIPTOR_SLOTS],
    numSlots: NUM_SLOTS,
    charts: charts(report, traced, predictions.labels, method),
    secondPass: report.reference?.best.secondPassFired === true,
    samples: {
      position: Array.from(position),
      label: Array.from(predictions.labels),
      base: Array.from(predictions.baselinePred),
      reported: Array.from(predictions.refinedPred),
      online: Array.from(predictions.onlinePred),
      status: Array.from(predictions.labels, (label, i) =>
        sampleStatus(label, predictions.baselinePred[i]!, predictions.refinedPred[i]!),
      ),
      baseTop: topProbabilities(input.baseLogits, N, U),
      refinedTop: hasTrace ? topProbabilities(traced.refinedLogits, N, U) : null,
    },
    trace: hasTrace
      ? { note: null, samples: traceData(traced, U, input.baseLogits) }
      : { note: traced.note, samples: {} as Record<number, TracedSampleData> },
    playback,
    source: { runDir: input.runDir, tool: report.tool },
  };
}

export type PageData = ReturnType<typeof pageData>;
