import fs from "node:fs";
import path from "node:path";
import { readBundleDir } from "@skeleton-cache/bundle";
import { parseUtdMhadName } from "@skeleton-cache/datasets";
import { FormatError, ShapeError } from "@skeleton-cache/errors";
import { readNpy, toFloat32 } from "@skeleton-cache/formats";
import type { FusionWeights } from "@skeleton-cache/fusion";
import { accuracy } from "@skeleton-cache/metrics";
import { loadPublishedPrior, type Prior, selectPriorForSplit, uniformPrior } from "@skeleton-cache/prior";
import {
  ABLATIONS as ABLATION_SETS,
  type AblationId,
  ablationWeights as maskedWeights,
  meanMaxBaseLogit,
  referenceRun,
  streamOrder as seededOrder,
} from "@skeleton-cache/protocols";
import type { LabelledStream } from "@skeleton-cache/skeleton";
import { argmaxRows as argmaxRowsOf, type Tensor } from "@skeleton-cache/tensor";
import { REFERENCE_GRID } from "@skeleton-cache/tta";

/** The three published UTD-MHAD zero-shot splits, in table order. */
export const SPLITS = ["utd_mhad_22_5", "utd_mhad_18_9", "utd_mhad_14_13"] as const;
export type SplitId = (typeof SPLITS)[number];

/** The reference evaluation's grid (SPEC §7), as the skeleton-cache method declares it. */
export const ALPHAS = REFERENCE_GRID.alpha;
export const BETAS = REFERENCE_GRID.beta;
/** The fixed operating point reported first. */
export const FIXED = { alpha: 0.5, beta: 7 } as const;
/** Cache capacity per class. */
export const K = 8;
/** Seeded stream orders per bundle: order o is `permutation(N, o + 1)`. */
export const ORDERS = 10;
/** Descriptor slots kept by each fusion ablation (`@skeleton-cache/protocols`' sets, by id). */
export const ABLATIONS = Object.fromEntries(ABLATION_SETS.map((a) => [a.id, a.slots])) as Record<
  AblationId,
  readonly number[]
>;
export type { AblationId };

/** One bundle of the benchmark: a test seed or a validation fold. */
export interface BenchBundle {
  /** "seed0".."seed4" or "fold0".."fold2". */
  readonly name: string;
  readonly bundle: LabelledStream;
  /** Logits against the class-name semantics (logits-names.npy). */
  readonly namesLogits: Tensor;
  /** Subject of every sample, from meta.sampleNames. */
  readonly subjects: Int32Array;
}

/** The bundles of one split. */
export interface SplitBundles {
  readonly split: SplitId;
  readonly tests: readonly BenchBundle[];
  readonly folds: readonly BenchBundle[];
}

function readBench(dir: string): BenchBundle {
  const bundle = readBundleDir(dir);
  const namesFile = path.join(dir, "logits-names.npy");
  const namesArray = readNpy(namesFile);
  const namesTensor: Tensor = { data: toFloat32(namesArray), shape: namesArray.shape };
  if (namesArray.shape.join() !== bundle.logits.shape.join())
    throw new ShapeError(`${namesFile}: shape (${namesArray.shape.join(", ")}) differs from logits.npy`, {
      file: namesFile,
      field: "logits-names",
      value: namesArray.shape,
      expected: bundle.logits.shape,
    });
  const names = bundle.meta?.["sampleNames"];
  if (!Array.isArray(names) || names.length !== bundle.labels.length)
    throw new FormatError(`${dir}/meta.json: sampleNames must list the ${bundle.labels.length} samples`, {
      file: `${dir}/meta.json`,
      field: "sampleNames",
      value: Array.isArray(names) ? names.length : names,
      expected: bundle.labels.length,
    });
  const subjects = Int32Array.from(names, (n) => parseUtdMhadName(String(n)).subject);
  return { name: path.basename(dir), bundle, namesLogits: namesTensor, subjects };
}

/** Reads benchmarks/utd-mhad/bundles/<split>/{seed*,fold*}, sorted by name. */
export function loadSplitBundles(bundlesDir: string, split: SplitId): SplitBundles {
  const dir = path.join(bundlesDir, split);
  if (!fs.existsSync(dir))
    throw new FormatError(`${dir}: no bundles for split ${split}`, { file: dir, field: split });
  const names = fs.readdirSync(dir).sort();
  const tests = names.filter((n) => /^seed\d+$/.test(n)).map((n) => readBench(path.join(dir, n)));
  const folds = names.filter((n) => /^fold\d+$/.test(n)).map((n) => readBench(path.join(dir, n)));
  if (tests.length === 0) throw new FormatError(`${dir}: no seed* bundles`, { file: dir, field: "seed" });
  return { split, tests, folds };
}

/** The LLM dataset prior restricted to a bundle's candidates, or the uniform prior. */
export function priorFor(bundle: LabelledStream, kind: "llm" | "uniform"): Prior {
  const u = bundle.logits.shape[1]!;
  return kind === "llm"
    ? selectPriorForSplit(loadPublishedPrior("utd-mhad"), [...bundle.classIds!])
    : uniformPrior(u);
}

/** Top-1 accuracy in percent. */
export function top1(pred: Int32Array, labels: Int32Array): number {
  return accuracy(pred, labels).percent;
}

/** A bundle's stream with other logits (e.g. the class-name ones). */
export function streamOf(bundle: LabelledStream, logits: Tensor = bundle.logits): LabelledStream {
  return { ...bundle, logits };
}

/** argmax per row of (N, U) logits (tensor's row argmax: the backbone's predictions). */
export function argmaxRows(logits: Tensor): Int32Array {
  return argmaxRowsOf(logits.data, logits.shape[1]!);
}

/**
 * Classes whose plurality prediction is the class itself: for each class, the
 * most frequent prediction over its samples (lowest index on ties) is
 * compared with the class.
 */
export function pluralityCorrect(pred: Int32Array, labels: Int32Array, numClasses: number): number {
  const counts = new Int32Array(numClasses * numClasses);
  for (let sample = 0; sample < labels.length; sample++)
    counts[labels[sample]! * numClasses + pred[sample]!]!++;
  let right = 0;
  for (let cls = 0; cls < numClasses; cls++) {
    let best = 0;
    for (let p = 1; p < numClasses; p++)
      if (counts[cls * numClasses + p]! > counts[cls * numClasses + best]!) best = p;
    if (best === cls && counts[cls * numClasses + cls]! > 0) right++;
  }
  return right;
}

/** Stream order o of an N-sample bundle: the seeded permutation of seed o + 1. */
export function streamOrder(n: number, order: number): number[] {
  return seededOrder(n, order + 1);
}

/** One Skeleton-Cache run: the online top-1 and, under the reference rule, the second-pass top-1. */
export interface RunResult {
  readonly online: number;
  /** Top-1 after the conditional second pass (= online where it does not fire). */
  readonly reference: number;
  readonly secondPassFired: boolean;
}

/** The skeleton-cache method's hyper-parameters here: K = 8, hedge auto. */
export function cacheParams(alpha: number, beta: number) {
  return { alpha, beta, K, hedge: "auto", hedgeMargin: 0.5 };
}

/** The reference protocol's run of the skeleton-cache method (K = 8, hedge auto) over one stream order. */
export function runCache(
  bundle: LabelledStream,
  logits: Tensor,
  prior: Prior,
  params: { alpha: number; beta: number; weights?: FusionWeights },
  order: number,
): RunResult {
  const data = streamOf(bundle, logits);
  const setup = {
    method: "skeleton-cache",
    params: cacheParams(params.alpha, params.beta),
    prior,
    ...(params.weights ? { weights: params.weights } : {}),
  };
  const run = referenceRun(data, setup, {
    meanMax: meanMaxBaseLogit(logits),
    order: streamOrder(bundle.labels.length, order),
  });
  return { online: run.onlineTop1, reference: run.top1, secondPassFired: run.secondPassFired };
}

/** Fusion weights of a prior with only the ablation's slots kept. */
export function ablationWeights(prior: Prior, numClasses: number, ablation: AblationId): FusionWeights {
  return maskedWeights(prior, numClasses, ABLATIONS[ablation]);
}

/**
 * Feature diagnostic (uses the test labels; not a zero-shot figure): top-1 of
 * the nearest neighbour by cosine of the global descriptor (slot 7) among the
 * samples of the other subjects.
 */
export function crossSubjectNearestNeighbour(bundle: LabelledStream, subjects: Int32Array): number {
  const descriptors = bundle.descriptors!;
  const [n, slots, channels] = descriptors.shape as [number, number, number];
  const global = new Float64Array(n * channels);
  for (let sample = 0; sample < n; sample++) {
    const base = (sample * slots + 7) * channels;
    let norm = 0;
    for (let c = 0; c < channels; c++) norm += descriptors.data[base + c]! ** 2;
    norm = Math.max(Math.sqrt(norm), 1e-8);
    for (let c = 0; c < channels; c++) global[sample * channels + c] = descriptors.data[base + c]! / norm;
  }
  let correct = 0;
  for (let query = 0; query < n; query++) {
    let best = -1;
    let bestSim = Number.NEGATIVE_INFINITY;
    for (let other = 0; other < n; other++) {
      if (subjects[other] === subjects[query]) continue;
      let sim = 0;
      for (let c = 0; c < channels; c++) sim += global[query * channels + c]! * global[other * channels + c]!;
      if (sim > bestSim) {
        bestSim = sim;
        best = other;
      }
    }
    if (best >= 0 && bundle.labels[best] === bundle.labels[query]) correct++;
  }
  return (100 * correct) / n;
}
