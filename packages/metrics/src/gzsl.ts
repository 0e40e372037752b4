import { ShapeError, ValueError } from "@skeleton-cache/errors";
import { checkLabels, checkScores, percentOf } from "./accuracy.js";

/** How seen / unseen accuracy average: over samples, or per class then over classes. */
export type GzslAverage = "sample" | "class";

/** Generalized zero-shot figures at one calibration constant. */
export interface GzslResult {
  /** Constant subtracted from every seen-class score before the argmax (calibrated stacking). */
  readonly calibration: number;
  /** Accuracy (%) on samples whose true class is seen, predicting over all candidates. */
  readonly seen: number;
  /** Accuracy (%) on samples whose true class is unseen, predicting over all candidates. */
  readonly unseen: number;
  /** Harmonic mean H = 2·S·U / (S + U) (0 when both are 0). */
  readonly harmonic: number;
  readonly seenSamples: number;
  readonly unseenSamples: number;
  readonly average: GzslAverage;
}

/** Harmonic mean of two accuracies: 2ab / (a + b), 0 when a + b is 0. */
export function harmonicMean(a: number, b: number): number {
  return a + b === 0 ? 0 : (2 * a * b) / (a + b);
}

function checkSeenMask(seen: ArrayLike<boolean | number>, numClasses: number): void {
  if (seen.length !== numClasses) {
    throw new ShapeError(`seen mask has ${seen.length} entries for ${numClasses} candidate classes`, {
      field: "seen",
      value: seen.length,
      expected: numClasses,
    });
  }
  let seenCount = 0;
  for (let u = 0; u < numClasses; u++) if (seen[u]) seenCount++;
  if (seenCount === 0 || seenCount === numClasses) {
    throw new ValueError(
      `GZSL needs both seen and unseen candidates; the seen mask marks ${seenCount} of ${numClasses}`,
      { field: "seen", value: seenCount },
    );
  }
}

/**
 * GZSL accuracy with calibrated stacking (Chao et al. 2016): the prediction
 * is argmax_u (score_u − calibration · [u seen]) over all candidates (first
 * index on ties). S is the accuracy over samples of seen classes, U over
 * samples of unseen classes; with `average: "class"` each is the mean of the
 * per-class accuracies instead.
 */
export function gzslAccuracy(
  scores: ArrayLike<number>,
  numClasses: number,
  labels: ArrayLike<number>,
  seen: ArrayLike<boolean | number>,
  calibration = 0,
  average: GzslAverage = "sample",
): GzslResult {
  const samples = labels.length;
  checkScores(scores, numClasses, samples);
  checkLabels(labels, numClasses);
  checkSeenMask(seen, numClasses);
  if (!Number.isFinite(calibration)) {
    throw new ValueError(`calibration must be finite, got ${calibration}`, {
      field: "calibration",
      value: calibration,
    });
  }
  const support = new Array<number>(numClasses).fill(0);
  const correct = new Array<number>(numClasses).fill(0);
  const predicted = calibratedArgmax(scores, { numClasses, seenMask: seen, calibration });
  for (let sample = 0; sample < samples; sample++) {
    const label = labels[sample]!;
    support[label]!++;
    if (predicted[sample] === label) correct[label]!++;
  }
  const summarise = (isSeen: boolean): { percent: number; count: number } => {
    let hits = 0;
    let count = 0;
    let classSum = 0;
    let classes = 0;
    for (let u = 0; u < numClasses; u++) {
      if (Boolean(seen[u]) !== isSeen) continue;
      hits += correct[u]!;
      count += support[u]!;
      if (support[u]! > 0) {
        classSum += (100 * correct[u]!) / support[u]!;
        classes++;
      }
    }
    const percent = average === "sample" ? percentOf(hits, count) : classes === 0 ? 0 : classSum / classes;
    return { percent, count };
  };
  const s = summarise(true);
  const u = summarise(false);
  return {
    calibration,
    seen: s.percent,
    unseen: u.percent,
    harmonic: harmonicMean(s.percent, u.percent),
    seenSamples: s.count,
    unseenSamples: u.count,
    average,
  };
}

/** A calibration sweep and its best point by harmonic mean (first on ties). */
export interface GzslSweep {
  readonly points: GzslResult[];
  readonly best: GzslResult;
}

/** GZSL figures at each calibration constant; `best` maximises H. */
export function gzslSweep(
  scores: ArrayLike<number>,
  numClasses: number,
  labels: ArrayLike<number>,
  seen: ArrayLike<boolean | number>,
  calibrations: readonly number[],
  average: GzslAverage = "sample",
): GzslSweep {
  if (calibrations.length === 0)
    throw new ValueError("calibration sweep needs at least one value", { field: "calibrations" });
  const points = calibrations.map((c) => gzslAccuracy(scores, numClasses, labels, seen, c, average));
  let best = points[0]!;
  for (const point of points) if (point.harmonic > best.harmonic) best = point;
  return { points, best };
}

/** `count` evenly spaced calibration constants from `from` to `to` inclusive. */
export function calibrationRange(from: number, to: number, count: number): number[] {
  if (!Number.isInteger(count) || count < 1)
    throw new ValueError(`count must be a positive integer, got ${count}`, { field: "count", value: count });
  if (count === 1) return [from];
  const out: number[] = [];
  for (let i = 0; i < count; i++) out.push(from + ((to - from) * i) / (count - 1));
  return out;
}

/**
 * GZSL predictions by calibrated stacking (Chao et al. 2016): per sample,
 * argmax_u (score_u − calibration · [u seen]) over all candidates, the
 * first index on ties. `scores` is (N, U), row-major; `seenMask` holds U flags.
 */
export function calibratedArgmax(
  scores: ArrayLike<number>,
  options: {
    readonly numClasses: number;
    readonly seenMask: ArrayLike<boolean | number>;
    readonly calibration: number;
  },
): Int32Array {
  const { numClasses, seenMask, calibration } = options;
  const samples = Math.floor(scores.length / numClasses);
  const out = new Int32Array(samples);
  for (let sample = 0; sample < samples; sample++) {
    let best = 0;
    let bestValue = Number.NEGATIVE_INFINITY;
    for (let u = 0; u < numClasses; u++) {
      const value = scores[sample * numClasses + u]! - (seenMask[u] ? calibration : 0);
      if (value > bestValue) {
        best = u;
        bestValue = value;
      }
    }
    out[sample] = best;
  }
  return out;
}
