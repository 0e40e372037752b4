import { ShapeError, ValueError } from "@skeleton-cache/errors";
import { assertFinite } from "@skeleton-cache/tensor";

/** A count of hits over samples, and the same as a percentage. */
export interface Accuracy {
  readonly correct: number;
  readonly total: number;
  /** 100 · correct / total (0 when total is 0). */
  readonly percent: number;
}

/** Per-class accuracy over the samples whose true label is each class. */
export interface PerClassAccuracy {
  /** Samples per true class (U). */
  readonly support: number[];
  /** Correct predictions per true class (U). */
  readonly correct: number[];
  /** 100 · correct / support per class, null for a class with no samples. */
  readonly percent: (number | null)[];
  /** Mean of `percent` over the classes that have samples (0 when none has). */
  readonly meanPercent: number;
}

export function percentOf(correct: number, total: number): number {
  return total === 0 ? 0 : (100 * correct) / total;
}

/** Throws unless `labels` holds integers in [0, numClasses). */
export function checkLabels(labels: ArrayLike<number>, numClasses: number, name = "labels"): void {
  if (!Number.isInteger(numClasses) || numClasses < 1) {
    throw new ValueError(`numClasses must be a positive integer, got ${numClasses}`, {
      field: "numClasses",
      value: numClasses,
    });
  }
  for (let sample = 0; sample < labels.length; sample++) {
    const label = labels[sample]!;
    if (!Number.isInteger(label) || label < 0 || label >= numClasses) {
      throw new ValueError(
        `${name}[${sample}] is ${label}; class indices must be integers in [0, ${numClasses})`,
        {
          field: name,
          position: sample,
          value: label,
        },
      );
    }
  }
}

function checkSameLength(a: ArrayLike<number>, b: ArrayLike<number>, nameA: string, nameB: string): void {
  if (a.length !== b.length) {
    throw new ShapeError(`${nameA} has ${a.length} entries but ${nameB} has ${b.length}`, {
      field: nameA,
      value: a.length,
      expected: b.length,
    });
  }
}

/** Checks (N, U) scores given flat with `numClasses` = U: length and finiteness. */
export function checkScores(
  scores: ArrayLike<number>,
  numClasses: number,
  samples: number,
  name = "logits",
): void {
  if (scores.length !== samples * numClasses) {
    throw new ShapeError(
      `${name} have ${scores.length} values; ${samples} samples × ${numClasses} classes need ${samples * numClasses}`,
      { field: name, value: scores.length, expected: samples * numClasses },
    );
  }
  assertFinite(scores, name, [samples, numClasses]);
}

/** Top-1 accuracy of hard predictions. */
export function accuracy(predictions: ArrayLike<number>, labels: ArrayLike<number>): Accuracy {
  checkSameLength(predictions, labels, "predictions", "labels");
  let correct = 0;
  for (let sample = 0; sample < labels.length; sample++)
    if (predictions[sample] === labels[sample]) correct++;
  return { correct, total: labels.length, percent: percentOf(correct, labels.length) };
}

/**
 * Top-k accuracy of (N, U) scores: a sample counts when fewer than k classes
 * score strictly higher than its true class, and among classes tied with it
 * only those of smaller index rank before it (argmax's first-index rule), so
 * top-1 here equals `accuracy(argmax)`.
 */
export function topKAccuracy(
  scores: ArrayLike<number>,
  numClasses: number,
  labels: ArrayLike<number>,
  k: number,
): Accuracy {
  if (!Number.isInteger(k) || k < 1)
    throw new ValueError(`k must be a positive integer, got ${k}`, { field: "k", value: k });
  const samples = labels.length;
  checkScores(scores, numClasses, samples);
  checkLabels(labels, numClasses);
  let correct = 0;
  for (let sample = 0; sample < samples; sample++) {
    const row = sample * numClasses;
    const label = labels[sample]!;
    const target = scores[row + label]!;
    let ranked = 0;
    for (let u = 0; u < numClasses; u++) {
      const value = scores[row + u]!;
      if (value > target || (value === target && u < label)) ranked++;
    }
    if (ranked < k) correct++;
  }
  return { correct, total: samples, percent: percentOf(correct, samples) };
}

/** Accuracy per true class, and its mean over classes with samples. */
export function perClassAccuracy(
  predictions: ArrayLike<number>,
  labels: ArrayLike<number>,
  numClasses: number,
): PerClassAccuracy {
  checkSameLength(predictions, labels, "predictions", "labels");
  checkLabels(labels, numClasses);
  const support = new Array<number>(numClasses).fill(0);
  const correct = new Array<number>(numClasses).fill(0);
  for (let sample = 0; sample < labels.length; sample++) {
    const label = labels[sample]!;
    support[label]!++;
    if (predictions[sample] === label) correct[label]!++;
  }
  const percent = support.map((count, u) => (count === 0 ? null : (100 * correct[u]!) / count));
  const present = percent.filter((p): p is number => p !== null);
  const meanPercent = present.length === 0 ? 0 : present.reduce((a, b) => a + b, 0) / present.length;
  return { support, correct, percent, meanPercent };
}

/**
 * Confusion matrix, row-major (U, U): entry [t · U + p] counts samples of true
 * class t predicted as p.
 */
export function confusionMatrix(
  predictions: ArrayLike<number>,
  labels: ArrayLike<number>,
  numClasses: number,
): Int32Array {
  checkSameLength(predictions, labels, "predictions", "labels");
  checkLabels(labels, numClasses);
  checkLabels(predictions, numClasses, "predictions");
  const matrix = new Int32Array(numClasses * numClasses);
  for (let sample = 0; sample < labels.length; sample++)
    matrix[labels[sample]! * numClasses + predictions[sample]!]!++;
  return matrix;
}

/**
 * Running accuracy along the stream: out[i] = percentage of correct
 * predictions among stream positions 0..i. `order[i]` is the sample at
 * stream position i (default: 0..N-1); predictions and labels are indexed
 * by sample.
 */
export function runningAccuracy(
  predictions: ArrayLike<number>,
  labels: ArrayLike<number>,
  order?: ArrayLike<number>,
): Float64Array {
  checkSameLength(predictions, labels, "predictions", "labels");
  if (order) checkSameLength(order, labels, "order", "labels");
  const out = new Float64Array(labels.length);
  let correct = 0;
  for (let position = 0; position < labels.length; position++) {
    const sample = order ? order[position]! : position;
    if (predictions[sample] === labels[sample]) correct++;
    out[position] = (100 * correct) / (position + 1);
  }
  return out;
}
