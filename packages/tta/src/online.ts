import { type DescriptorOptions, extractDescriptors } from "@skeleton-cache/descriptors";
import { ShapeError, ValueError } from "@skeleton-cache/errors";
import { NUM_SLOTS } from "@skeleton-cache/skeleton";
import { assertFinite, assertShape, type Tensor } from "@skeleton-cache/tensor";
import { type AdapterOptions, TestTimeAdapter } from "./adapter.js";
import type { TraceRecorder } from "./trace.js";

/** A whole stream held in memory: base logits and either F or the descriptors. */
export interface StreamInput {
  /** (N, U) base logits. */
  readonly logits: Tensor;
  /** (N, 8, C) descriptors. */
  readonly descriptors?: Tensor;
  /** (N, C, T, V) feature volumes (used when descriptors are absent). */
  readonly features?: Tensor;
}

/** Per-sample results of one online pass, indexed by sample (not by stream position). */
export interface OnlineRun {
  readonly numSamples: number;
  readonly numClasses: number;
  /** The stream order used: order[i] = sample index at stream position i. */
  readonly order: Int32Array;
  readonly baselinePred: Int32Array;
  readonly refinedPred: Int32Array;
  /** (N, U) refined logits. */
  readonly refinedLogits: Float32Array;
  readonly entropy: Float64Array;
  /** 1 where the sample entered its predicted block. */
  readonly inserted: Uint8Array;
  /** Runner-up block tried by the hedge, -1 where it did not apply. */
  readonly hedgeBlock: Int32Array;
  readonly hedgeInserted: Uint8Array;
  /** The adapter after the pass (its cache holds the final state). */
  readonly adapter: TestTimeAdapter;
}

export interface OnlineOptions {
  /** Stream order (a permutation of 0..N-1); default 0..N-1. */
  readonly order?: readonly number[] | Int32Array;
  /** Called every `progressEvery` samples and at the end. */
  readonly onProgress?: (done: number, total: number) => void;
  readonly progressEvery?: number;
  readonly descriptorOptions?: DescriptorOptions;
  /** Opt-in recorder of per-sample scores, weights, matches and cache snapshots (reports). */
  readonly trace?: TraceRecorder;
}

/** The (N, 8, C) descriptors of a stream: given, or extracted from F (Eq. 3–4). */
export function streamDescriptors(input: StreamInput, options: DescriptorOptions = {}): Tensor {
  if (input.descriptors) {
    assertShape(input.descriptors.shape, ["N", NUM_SLOTS, "C"], "descriptors");
    assertFinite(input.descriptors.data, "descriptors", input.descriptors.shape);
    return input.descriptors;
  }
  if (input.features) return extractDescriptors(input.features, options);
  throw new ValueError("stream has neither descriptors nor features", { field: "descriptors" });
}

function checkOrder(order: readonly number[] | Int32Array, samples: number): Int32Array {
  if (order.length !== samples) {
    throw new ValueError(`order has ${order.length} entries for ${samples} samples`, {
      field: "order",
      value: order.length,
    });
  }
  const seen = new Uint8Array(samples);
  const out = new Int32Array(samples);
  for (let position = 0; position < samples; position++) {
    const sample = order[position]!;
    if (!Number.isInteger(sample) || sample < 0 || sample >= samples || seen[sample]) {
      throw new ValueError(
        `order is not a permutation of 0..${samples - 1}: position ${position} holds ${sample}`,
        {
          field: "order",
          position,
          value: sample,
        },
      );
    }
    seen[sample] = 1;
    out[position] = sample;
  }
  return out;
}

/**
 * The online loop of SPEC §6 over a whole stream: each sample, in stream
 * order, is refined against the cache built from the samples before it,
 * then inserted. Samples are cached under their sample index.
 */
export function runOnline(
  input: StreamInput,
  options: Omit<AdapterOptions, "numClasses" | "channels">,
  run: OnlineOptions = {},
): OnlineRun {
  assertShape(input.logits.shape, ["N", "U"], "logits");
  const [samples, numClasses] = input.logits.shape as [number, number];
  const descriptors = streamDescriptors(input, run.descriptorOptions);
  if (descriptors.shape[0] !== samples) {
    throw new ShapeError(`logits have ${samples} samples but descriptors ${descriptors.shape[0]}`, {
      field: "descriptors",
      value: descriptors.shape[0],
      expected: samples,
    });
  }
  const channels = descriptors.shape[2]!;
  const adapter = new TestTimeAdapter({ ...options, numClasses, channels });
  const order = run.order
    ? checkOrder(run.order, samples)
    : Int32Array.from({ length: samples }, (_, i) => i);
  const result = {
    numSamples: samples,
    numClasses,
    order,
    baselinePred: new Int32Array(samples),
    refinedPred: new Int32Array(samples),
    refinedLogits: new Float32Array(samples * numClasses),
    entropy: new Float64Array(samples),
    inserted: new Uint8Array(samples),
    hedgeBlock: new Int32Array(samples),
    hedgeInserted: new Uint8Array(samples),
    adapter,
  };
  const every = run.progressEvery ?? 1000;
  const perSample = NUM_SLOTS * channels;
  const trace = run.trace;
  trace?.begin(adapter, descriptors.data, samples);
  for (let position = 0; position < samples; position++) {
    const sample = order[position]!;
    if (trace) trace.before(sample, descriptors.data, sample * perSample);
    const step = adapter.stepDescriptors(
      input.logits.data,
      sample * numClasses,
      descriptors.data,
      sample * perSample,
      sample,
    );
    result.baselinePred[sample] = step.baselinePred;
    result.refinedPred[sample] = step.refinedPred;
    result.entropy[sample] = step.entropy;
    result.inserted[sample] = step.inserted ? 1 : 0;
    result.hedgeBlock[sample] = step.hedgeBlock;
    result.hedgeInserted[sample] = step.hedgeInserted ? 1 : 0;
    result.refinedLogits.set(adapter.refinedLogits, sample * numClasses);
    if (trace) trace.after(position, sample, step);
    if (run.onProgress && ((position + 1) % every === 0 || position + 1 === samples))
      run.onProgress(position + 1, samples);
  }
  return result;
}

/**
 * Re-scores every sample against a fixed cache, no updates (the reference
 * protocol's second pass, SPEC §7). Returns the refined predictions.
 */
export function predictWithCache(
  adapter: TestTimeAdapter,
  input: StreamInput,
  descriptors?: Tensor,
): Int32Array {
  const desc = descriptors ?? streamDescriptors(input);
  const [samples, numClasses] = input.logits.shape as [number, number];
  const perSample = NUM_SLOTS * adapter.channels;
  const out = new Int32Array(samples);
  for (let sample = 0; sample < samples; sample++) {
    out[sample] = adapter.predictDescriptors(
      input.logits.data,
      sample * numClasses,
      desc.data,
      sample * perSample,
    );
  }
  return out;
}
