import { ShapeError } from "@skeleton-cache/errors";
import type { FusionWeights } from "@skeleton-cache/fusion";
import type { Prior } from "@skeleton-cache/prior";
import { NUM_SLOTS } from "@skeleton-cache/skeleton";
import { assertShape, type Tensor } from "@skeleton-cache/tensor";
import { checkStream, type MethodParams, type StreamInput } from "@skeleton-cache/tta";

/** A labelled stream: base logits (N, U), descriptors (N, 8, C), labels (N). */
export interface StreamData {
  readonly logits: Tensor;
  readonly descriptors: Tensor;
  readonly labels: Int32Array;
  readonly numSamples: number;
  readonly numClasses: number;
  readonly channels: number;
}

/** A stream from its arrays, shapes checked against each other. */
export function streamData(arrays: { logits: Tensor; descriptors: Tensor; labels: Int32Array }): StreamData {
  assertShape(arrays.logits.shape, ["N", "U"], "logits");
  assertShape(arrays.descriptors.shape, ["N", NUM_SLOTS, "C"], "descriptors");
  const [numSamples, numClasses] = arrays.logits.shape as [number, number];
  for (const [name, count] of [
    ["descriptors", arrays.descriptors.shape[0]!],
    ["labels", arrays.labels.length],
  ] as const) {
    if (count !== numSamples) {
      throw new ShapeError(`${name} hold ${count} samples, the logits ${numSamples}`, {
        field: name,
        value: count,
        expected: numSamples,
      });
    }
  }
  return { ...arrays, numSamples, numClasses, channels: arrays.descriptors.shape[2]! };
}

/** Which method runs, with which hyper-parameters and prior. */
export interface MethodSetup {
  /** Registry name (`@skeleton-cache/tta`'s `methodNames()`). */
  readonly method: string;
  /** Hyper-parameters; missing ones take the method's defaults. */
  readonly params: MethodParams;
  /** The split prior (used by the methods with fusion weights). */
  readonly prior: Prior;
  /** Masked fusion weights (ablations). */
  readonly weights?: FusionWeights;
  /** Retrieval kernel of the cache methods (default: WebAssembly where available). */
  readonly kernel?: "wasm" | "js";
}

/** Called once per finished pass (progress). */
export type Tick = () => void;

const checkedInputs = new WeakMap<StreamData, StreamInput>();

/** The stream's logits and descriptors as a checked tta stream: checked (finite) on the first pass only. */
export function checkedInput(data: StreamData): StreamInput {
  let input = checkedInputs.get(data);
  if (!input) {
    input = checkStream({ logits: data.logits, descriptors: data.descriptors });
    checkedInputs.set(data, input);
  }
  return input;
}
