import { ValueError } from "@skeleton-cache/errors";
import { type Accuracy, accuracy } from "@skeleton-cache/metrics";
import { type LabelledStream, streamShape } from "@skeleton-cache/skeleton";
import { checkedInput } from "./data.js";

function checkFraction(fraction: number, field: string): void {
  if (!(fraction > 0 && fraction <= 1)) {
    throw new ValueError(`${field} must be in (0, 1], got ${fraction}`, { field, value: fraction });
  }
}

/**
 * Accuracy over the first ⌈fraction · N⌉ stream positions (the early
 * stream, where a method's memory is still small). `order[i]` is the sample
 * at stream position i; predictions and labels are indexed by sample.
 */
export function earlyStreamAccuracy(
  predictions: ArrayLike<number>,
  labels: ArrayLike<number>,
  options: { readonly order: ArrayLike<number>; readonly fraction: number },
): Accuracy {
  checkFraction(options.fraction, "fraction");
  const count = Math.ceil(options.fraction * options.order.length);
  const early = Array.from({ length: count }, (_, position) => options.order[position]!);
  return accuracy(
    early.map((sample) => predictions[sample]!),
    early.map((sample) => labels[sample]!),
  );
}

/**
 * An imbalanced stream: the stream in `order` with class `cls` cut to the
 * first ⌈keep · n_cls⌉ of its samples (in stream order); every other
 * sample stays, in the same order. The returned stream holds the kept
 * samples in stream order (so its own order is 0..M−1) with their
 * descriptors; `samples` maps them back to the original indices.
 */
export function imbalancedStream(
  stream: LabelledStream,
  options: { readonly order: ArrayLike<number>; readonly cls: number; readonly keep: number },
): { stream: LabelledStream; samples: Int32Array } {
  checkFraction(options.keep, "keep");
  const { order, cls } = options;
  const { numSamples, numClasses: U } = streamShape(stream);
  if (!Number.isInteger(cls) || cls < 0 || cls >= U) {
    throw new ValueError(`class ${cls} is outside 0..${U - 1}`, { field: "cls", value: cls });
  }
  const described = checkedInput(stream).descriptors;
  let ofClass = 0;
  for (let i = 0; i < numSamples; i++) if (stream.labels[i] === cls) ofClass++;
  const limit = Math.ceil(options.keep * ofClass);
  const kept: number[] = [];
  let seen = 0;
  for (let position = 0; position < order.length; position++) {
    const sample = order[position]!;
    if (stream.labels[sample] === cls && seen++ >= limit) continue;
    kept.push(sample);
  }
  const perSample = described.data.length / numSamples;
  const logits = new Float32Array(kept.length * U);
  const descriptors = new Float32Array(kept.length * perSample);
  kept.forEach((sample, i) => {
    logits.set(stream.logits.data.subarray(sample * U, (sample + 1) * U), i * U);
    descriptors.set(described.data.subarray(sample * perSample, (sample + 1) * perSample), i * perSample);
  });
  return {
    stream: {
      kind: stream.kind,
      logits: { data: logits, shape: [kept.length, U] },
      descriptors: { data: descriptors, shape: [kept.length, ...described.shape.slice(1)] },
      labels: Int32Array.from(kept, (sample) => stream.labels[sample]!),
      ...(stream.classIds ? { classIds: stream.classIds } : {}),
      ...(stream.meta ? { meta: stream.meta } : {}),
      ...(stream.source ? { source: stream.source } : {}),
    },
    samples: Int32Array.from(kept),
  };
}
