/**
 * One chunk of an extraction, the same on the main thread and in a worker:
 * load + preprocess its samples, then encode them with the backbone and keep
 * F (N, C, T, V) or its (N, 8, C) descriptors (Eq. 3–4).
 */
import type { Backbone } from "@skeleton-cache/backbone";
import type { BundleChunk } from "@skeleton-cache/bundle";
import {
  preprocessSequence,
  type ResolvedPreprocessing,
  type SkeletonDataset,
} from "@skeleton-cache/datasets";
import { DescriptorExtractor } from "@skeleton-cache/descriptors";
import { LAYOUTS, NUM_SLOTS } from "@skeleton-cache/skeleton";
import type { Tensor } from "@skeleton-cache/tensor";

/** Preprocessed inputs of a chunk: `count` samples (3, T, V, M), back to back. */
export interface PreparedChunk {
  readonly data: Float32Array;
  /** One sample's shape (3, T, V, M). */
  readonly sampleShape: readonly number[];
  readonly count: number;
}

/** Loads and preprocesses the named samples. */
export function prepareChunk(
  dataset: SkeletonDataset,
  names: readonly string[],
  preprocessing: ResolvedPreprocessing,
): PreparedChunk {
  let data: Float32Array | null = null;
  let sampleShape: readonly number[] = [];
  for (const [item, name] of names.entries()) {
    const input = preprocessSequence(dataset.load(name), preprocessing);
    data ??= new Float32Array(names.length * input.data.length);
    sampleShape = input.shape;
    data.set(input.data, item * input.data.length);
  }
  return { data: data ?? new Float32Array(0), sampleShape, count: names.length };
}

/** Encodes a prepared chunk: logits (count × U) and F or its descriptors. */
export async function encodeChunk(
  backbone: Backbone<Tensor>,
  prepared: PreparedChunk,
  output: { readonly descriptorsOnly: boolean; readonly layout: string },
): Promise<BundleChunk> {
  const per = prepared.data.length / Math.max(1, prepared.count);
  const samples = Array.from({ length: prepared.count }, (_, item) => ({
    data: prepared.data.subarray(item * per, (item + 1) * per),
    shape: [...prepared.sampleShape],
  }));
  const classes = backbone.candidateClasses.length;
  const logits = new Float32Array(prepared.count * classes);
  let values: Float32Array | null = null;
  let sampleShape: number[] = [];
  let extractor: DescriptorExtractor | null = null;
  for await (const batch of backbone.encodeAll(samples)) {
    logits.set(batch.logits.data, batch.offset * classes);
    const [, C, T, V] = batch.features.shape as [number, number, number, number];
    const volume = C * T * V;
    if (!values) {
      sampleShape = output.descriptorsOnly ? [NUM_SLOTS, C] : [C, T, V];
      values = new Float32Array(prepared.count * (output.descriptorsOnly ? NUM_SLOTS * C : volume));
      if (output.descriptorsOnly)
        extractor = new DescriptorExtractor(C, T, V, { layout: LAYOUTS[output.layout]! });
    }
    for (let item = 0; item < batch.count; item++) {
      const sample = batch.offset + item;
      if (extractor)
        extractor.extractInto(batch.features.data, item * volume, values, sample * NUM_SLOTS * C);
      else values.set(batch.features.data.subarray(item * volume, (item + 1) * volume), sample * volume);
    }
  }
  return {
    volume: output.descriptorsOnly ? "descriptors" : "features",
    sampleShape,
    logits,
    values: values ?? new Float32Array(0),
  };
}
