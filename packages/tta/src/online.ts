import { type DescriptorOptions, extractDescriptors } from "@skeleton-cache/descriptors";
import { ShapeError, ValueError } from "@skeleton-cache/errors";
import { type LabelledStream, NUM_SLOTS } from "@skeleton-cache/skeleton";
import { assertFinite, assertShape, type Tensor } from "@skeleton-cache/tensor";
import type { TestTimeMethod } from "./method.js";
import type { TraceRecorder } from "./trace.js";

/** What an online pass reads of a labelled stream: base logits and either F or the descriptors (labels are not needed). */
type StreamInput = Pick<LabelledStream, "logits" | "descriptors" | "features">;

/** Per-sample results of one online pass, indexed by sample (not by stream position). */
export interface MethodRun<M extends TestTimeMethod = TestTimeMethod> {
  readonly numSamples: number;
  readonly numClasses: number;
  /** The stream order used: order[i] = sample index at stream position i. */
  readonly order: Int32Array;
  readonly baselinePred: Int32Array;
  readonly refinedPred: Int32Array;
  /** (N, U) refined logits. */
  readonly refinedLogits: Float32Array;
  readonly entropy: Float64Array;
  /** 1 where the sample entered the method's memory (its predicted block, for cache methods). */
  readonly inserted: Uint8Array;
  /** Runner-up block tried by the hedge, -1 where it did not apply. */
  readonly hedgeBlock: Int32Array;
  readonly hedgeInserted: Uint8Array;
  /** The method after the pass (its memory holds the final state). */
  readonly method: M;
}

export interface OnlineOptions {
  /** Stream order (a permutation of 0..N-1); default 0..N-1. */
  readonly order?: readonly number[] | Int32Array;
  /** Called every `progressEvery` samples and at the end. */
  readonly onProgress?: (done: number, total: number) => void;
  readonly progressEvery?: number;
  readonly descriptorOptions?: DescriptorOptions;
  /** Opt-in recorder of per-sample scores, weights, matches and the cache along the stream (reports). */
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

/** Streams returned by `checkStream`: their shapes and finite descriptors are not checked again. */
const checkedStreams = new WeakSet<StreamInput>();

/**
 * Checks a stream once — shapes, and every descriptor finite (computed from
 * F when it holds F) — and returns it in a form `onlinePass` takes as is,
 * without scanning the N·8·C descriptors again: for protocols that run many
 * passes over one stream. Its arrays must not change after.
 */
export function checkStream(input: StreamInput, options: DescriptorOptions = {}): StreamInput {
  if (checkedStreams.has(input)) return input;
  const stream = { logits: input.logits, descriptors: checkedShape(input, options).descriptors };
  checkedStreams.add(stream);
  return stream;
}

/** The stream's (N, U) shape and its (N, 8, C) descriptors, checked against each other. */
function checkedShape(input: StreamInput, options: DescriptorOptions = {}) {
  if (checkedStreams.has(input)) {
    const [samples, numClasses] = input.logits.shape as [number, number];
    const descriptors = input.descriptors!;
    return { samples, numClasses, channels: descriptors.shape[2]!, descriptors };
  }
  assertShape(input.logits.shape, ["N", "U"], "logits");
  const [samples, numClasses] = input.logits.shape as [number, number];
  const descriptors = streamDescriptors(input, options);
  if (descriptors.shape[0] !== samples) {
    throw new ShapeError(`logits have ${samples} samples but descriptors ${descriptors.shape[0]}`, {
      field: "descriptors",
      value: descriptors.shape[0],
      expected: samples,
    });
  }
  return { samples, numClasses, channels: descriptors.shape[2]!, descriptors };
}

/**
 * The online pass (SPEC §6) of any test-time method over a whole stream:
 * each sample, in stream order, is refined by the method's memory built
 * from the samples before it, then remembered. Samples are named by their
 * index. The method is used as given (a fresh one starts empty); build one
 * with `createMethod` (any registered method) or `new SkeletonCacheMethod`.
 * The one online pass of the project: the protocols run theirs through it.
 */
export function onlinePass<M extends TestTimeMethod>(
  input: StreamInput,
  method: M,
  run: OnlineOptions = {},
): MethodRun<M> {
  const { samples, numClasses, channels, descriptors } = checkedShape(input, run.descriptorOptions);
  if (method.numClasses !== numClasses || method.channels !== channels) {
    throw new ShapeError(
      `method ${method.name} was built for U = ${method.numClasses}, C = ${method.channels}; the stream has U = ${numClasses}, C = ${channels}`,
      { field: "method", value: [method.numClasses, method.channels], expected: [numClasses, channels] },
    );
  }
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
    method,
  };
  const every = run.progressEvery ?? 1000;
  // One sample view, moved along the stream (no allocation per sample).
  const sample = {
    logits: input.logits.data,
    logitsOffset: 0,
    descriptors: descriptors.data,
    descriptorOffset: 0,
    id: 0,
  };
  const trace = run.trace;
  trace?.begin(method, descriptors.data, samples);
  for (let position = 0; position < samples; position++) {
    const index = order[position]!;
    sample.logitsOffset = index * numClasses;
    sample.descriptorOffset = index * NUM_SLOTS * channels;
    sample.id = index;
    if (trace) trace.before(index, descriptors.data, sample.descriptorOffset);
    const step = method.step(sample);
    result.baselinePred[index] = step.baselinePred;
    result.refinedPred[index] = step.refinedPred;
    result.entropy[index] = step.entropy;
    result.inserted[index] = step.inserted ? 1 : 0;
    result.hedgeBlock[index] = step.hedgeBlock;
    result.hedgeInserted[index] = step.hedgeInserted ? 1 : 0;
    result.refinedLogits.set(method.refinedLogits, index * numClasses);
    if (trace) trace.after(position, index, step);
    if (run.onProgress && ((position + 1) % every === 0 || position + 1 === samples))
      run.onProgress(position + 1, samples);
  }
  return result;
}

/**
 * Re-scores every sample against a method's final memory, no updates (the
 * reference protocol's second pass, SPEC §7). Returns the refined predictions.
 */
export function predictWithCache(
  method: TestTimeMethod,
  input: StreamInput,
  descriptors?: Tensor,
): Int32Array {
  const desc = descriptors ?? streamDescriptors(input);
  const [samples, numClasses] = input.logits.shape as [number, number];
  const out = new Int32Array(samples);
  const sample = {
    logits: input.logits.data,
    logitsOffset: 0,
    descriptors: desc.data,
    descriptorOffset: 0,
    id: -1,
  };
  for (let index = 0; index < samples; index++) {
    sample.logitsOffset = index * numClasses;
    sample.descriptorOffset = index * NUM_SLOTS * method.channels;
    out[index] = method.predict(sample);
  }
  return out;
}
