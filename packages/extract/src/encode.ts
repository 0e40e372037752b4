/**
 * The encode step, the same for `extractBundle` (on the main thread and in a
 * worker), for tooling and for users: load + preprocess samples, run the
 * backbone over them, and keep the logits φ̂ with F (N, C, T, V) or its
 * eight descriptors (N, 8, C) (Eq. 3–4), chunk by chunk, with the labels.
 */
import type { Backbone } from "@skeleton-cache/backbone";
import type { BundleChunk, BundleMeta } from "@skeleton-cache/bundle";
import {
  preprocessSequence,
  type ResolvedPreprocessing,
  type SampleInfo,
  type SkeletonDataset,
} from "@skeleton-cache/datasets";
import { DescriptorExtractor } from "@skeleton-cache/descriptors";
import { ValueError } from "@skeleton-cache/errors";
import { LAYOUTS, type LabelledStream, NUM_SLOTS, type StreamKind } from "@skeleton-cache/skeleton";
import type { Tensor } from "@skeleton-cache/tensor";

/** What `encodeChunk` keeps, and the joint layout the descriptors' body parts come from. */
export interface EncodeOutput {
  /** What an encoded chunk keeps besides the logits: the feature volumes F, or only their descriptors. */
  readonly kind: StreamKind;
  /** Joint layout id (a key of LAYOUTS from @skeleton-cache/skeleton), e.g. the dataset's `layout.id`. */
  readonly layout: string;
}

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
  output: EncodeOutput,
): Promise<BundleChunk> {
  const descriptorsOnly = output.kind === "descriptors";
  const layout = LAYOUTS[output.layout];
  if (descriptorsOnly && !layout)
    throw new ValueError(`no joint layout "${output.layout}" (known: ${Object.keys(LAYOUTS).join(", ")})`, {
      field: "layout",
      value: output.layout,
      expected: Object.keys(LAYOUTS),
    });
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
      sampleShape = descriptorsOnly ? [NUM_SLOTS, C] : [C, T, V];
      values = new Float32Array(prepared.count * (descriptorsOnly ? NUM_SLOTS * C : volume));
      if (descriptorsOnly) extractor = new DescriptorExtractor(C, T, V, { layout: layout! });
    }
    for (let item = 0; item < batch.count; item++) {
      const sample = batch.offset + item;
      if (extractor)
        extractor.extractInto(batch.features.data, item * volume, values, sample * NUM_SLOTS * C);
      else values.set(batch.features.data.subarray(item * volume, (item + 1) * volume), sample * volume);
    }
  }
  return { kind: output.kind, sampleShape, logits, values: values ?? new Float32Array(0) };
}

/** Samples to encode: a dataset and some of its samples (from `dataset.list()`, labelled). */
export interface EncodeSource {
  readonly dataset: SkeletonDataset;
  readonly samples: readonly SampleInfo[];
}

/** How to encode: the preprocessing to the backbone's input, what to keep, how many samples per chunk. */
export interface EncodeOptions {
  readonly preprocessing: ResolvedPreprocessing;
  /** "features" keeps F (N, C, T, V); "descriptors" keeps only the eight descriptors (N, 8, C), Eq. 3–4. */
  readonly kind: StreamKind;
  /** Samples per chunk (default 32; Infinity: one chunk). */
  readonly chunkSize?: number;
  /** Stops before the next chunk (the chunk in hand finishes: a model run is not cut short). */
  readonly signal?: AbortSignal;
}

/** One chunk of a labelled stream: the samples [offset, offset + count) of the source. */
export interface EncodedChunk extends BundleChunk {
  readonly offset: number;
  readonly count: number;
  readonly names: readonly string[];
  /** Candidate indices u: the rank of each sample's class id among the backbone's candidate classes. */
  readonly labels: Int32Array;
}

/** Each sample's label as a candidate index u; a sample outside the candidate classes is bad input. */
export function candidateLabels(
  samples: readonly SampleInfo[],
  candidateClasses: readonly number[],
): Int32Array {
  const rank = new Map(candidateClasses.map((id, u) => [id, u]));
  return Int32Array.from(samples, (info) => {
    const u = info.label === undefined ? undefined : rank.get(info.label);
    if (u === undefined)
      throw new ValueError(
        `sample ${info.name}: class ${info.label ?? "(unlabelled)"} is not among the backbone's candidate classes ${candidateClasses.join(", ")}`,
        { ...(info.file ? { file: info.file } : {}), field: "label", value: info.label ?? null },
      );
    return u;
  });
}

/**
 * The encode step: backbone × samples → chunks of a labelled stream (logits
 * φ̂ (count × U), F or descriptors, labels), in sample order. One chunk is
 * loaded, preprocessed and encoded at a time, so memory stays at a chunk.
 */
export async function* encodeSamples(
  backbone: Backbone<Tensor>,
  source: EncodeSource,
  options: EncodeOptions,
): AsyncGenerator<EncodedChunk> {
  const { dataset, samples } = source;
  const chunkSize = options.chunkSize ?? 32;
  if (!(chunkSize >= 1))
    throw new ValueError("chunkSize is at least 1 sample", { field: "chunkSize", value: chunkSize });
  const labels = candidateLabels(samples, backbone.candidateClasses);
  const output: EncodeOutput = { kind: options.kind, layout: dataset.layout.id };
  for (let offset = 0; offset < samples.length; offset += chunkSize) {
    options.signal?.throwIfAborted();
    const end = Math.min(samples.length, offset + chunkSize);
    const names = samples.slice(offset, end).map((info) => info.name);
    const chunk = await encodeChunk(backbone, prepareChunk(dataset, names, options.preprocessing), output);
    yield { ...chunk, offset, count: end - offset, names, labels: labels.slice(offset, end) };
  }
}

/**
 * The chunks of `encodeSamples` joined in memory into one labelled stream:
 * a LabelledStream (logits (N, U), F (N, C, T, V) or descriptors (N, 8, C), labels,
 * the backbone's candidate class ids) with the given meta, ready for
 * `writeBundle`. For datasets larger than memory, `extractBundle` writes the
 * chunks to disk as they come.
 */
export async function encodeBundle(
  backbone: Backbone<Tensor>,
  source: EncodeSource,
  options: EncodeOptions & { readonly meta?: BundleMeta },
): Promise<LabelledStream> {
  const n = source.samples.length;
  if (n === 0) throw new ValueError("no sample to encode", { field: "samples", value: 0 });
  const classes = backbone.candidateClasses.length;
  const logits = new Float32Array(n * classes);
  const labels = new Int32Array(n);
  let values = new Float32Array(0);
  let sampleShape: readonly number[] = [];
  for await (const chunk of encodeSamples(backbone, source, options)) {
    const per = chunk.values.length / chunk.count;
    if (chunk.offset === 0) {
      values = new Float32Array(n * per);
      sampleShape = chunk.sampleShape;
    }
    logits.set(chunk.logits, chunk.offset * classes);
    values.set(chunk.values, chunk.offset * per);
    labels.set(chunk.labels, chunk.offset);
  }
  const volume = { data: values, shape: [n, ...sampleShape] };
  return {
    kind: options.kind,
    logits: { data: logits, shape: [n, classes] },
    ...(options.kind === "descriptors" ? { descriptors: volume } : { features: volume }),
    labels,
    classIds: Int32Array.from(backbone.candidateClasses),
    meta: options.meta ?? {},
  };
}
