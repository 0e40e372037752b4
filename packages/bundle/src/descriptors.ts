import { DescriptorExtractor } from "@skeleton-cache/descriptors";
import { ValueError } from "@skeleton-cache/errors";
import {
  LAYOUTS,
  type LabelledStream,
  NTU25,
  NUM_SLOTS,
  type SkeletonLayout,
} from "@skeleton-cache/skeleton";
import { findNonFinite, type Tensor } from "@skeleton-cache/tensor";
import { assertFiniteSamples, type BundleStream, openBundleStream } from "./stream.js";

export interface DescriptorReadOptions {
  /** Descriptor kernel: "wasm" (default where available) or "js". */
  readonly kernel?: "wasm" | "js";
  /**
   * Joint layout whose body parts give the spatial slots. Default: the one the
   * bundle's meta records (`meta.layout`), else NTU-25.
   */
  readonly layout?: SkeletonLayout;
  /** Bytes of F read per chunk, rounded down to whole samples (at least one). Default 1 MiB. */
  readonly chunkBytes?: number;
  /** Called after each chunk with the samples done so far. */
  readonly onProgress?: (done: number, total: number) => void;
}

/** Default bytes of F per chunk: small enough to stay in the CPU's cache between the read and the kernel. */
export const DEFAULT_CHUNK_BYTES = 1 << 20;

/** Samples per chunk for `bytesPerSample` bytes each. */
export function samplesPerChunk(
  bytesPerSample: number,
  numSamples: number,
  chunkBytes = DEFAULT_CHUNK_BYTES,
): number {
  return Math.max(1, Math.min(numSamples, Math.floor(chunkBytes / Math.max(1, bytesPerSample))));
}

/** The layout a bundle's meta records (`meta.layout`, a key of LAYOUTS), or undefined; an unknown id names the bundle. */
export function recordedLayout(stream: Pick<BundleStream, "meta" | "source">): SkeletonLayout | undefined {
  const id = stream.meta.layout;
  if (id === undefined) return undefined;
  const layout = typeof id === "string" ? LAYOUTS[id] : undefined;
  if (!layout)
    throw new ValueError(
      `${stream.source}: meta layout ${JSON.stringify(id)} is not a known joint layout (${Object.keys(LAYOUTS).join(", ")})`,
      { file: stream.source, field: "layout", value: id, expected: Object.keys(LAYOUTS) },
    );
  return layout;
}

/**
 * The joint layout whose body parts give F's spatial slots (Eq. 3):
 * `options.layout` (`--layout`), else the one the bundle's meta records,
 * else NTU-25. Refused, naming the bundle, where its joint count is not F's
 * V, with the layouts that fit and how to give one.
 */
function featureLayout(
  stream: Pick<BundleStream, "meta" | "source" | "featureShape">,
  options: DescriptorReadOptions,
): SkeletonLayout {
  const recorded = options.layout ? undefined : recordedLayout(stream);
  const layout = options.layout ?? recorded ?? NTU25;
  const joints = stream.featureShape[2]!;
  if (joints === layout.numJoints) return layout;
  const from = options.layout
    ? "--layout"
    : recorded
      ? "meta.json layout"
      : "the default: its meta names none";
  const fits = Object.values(LAYOUTS).filter((candidate) => candidate.numJoints === joints);
  const remedy =
    fits.length > 0
      ? `pass the matching layout with ${fits.map((fit) => `--layout ${fit.id}`).join(" or ")}, or record it in meta.json as "layout"`
      : `no known joint layout has ${joints} joints (${Object.keys(LAYOUTS).join(", ")})`;
  throw new ValueError(
    `${stream.source}: feature volume has V = ${joints} joints but layout "${layout.id}" has ${layout.numJoints} (${from}); ${remedy}`,
    { file: stream.source, field: "layout", value: joints, expected: layout.numJoints },
  );
}

/**
 * Every check `skc eval` makes of a bundle's F or descriptors, in one
 * streaming pass that hands each chunk's (count, 8, C) descriptors to
 * `onChunk`: the joint layout against V (`featureLayout`, before any value
 * is read), every value finite, and (for F) descriptors that stay finite in
 * float32. `describeStream` (eval) and `validateBundleStream` (bundle
 * validate) both run it, so validate passes exactly what eval reads. F is
 * read straight into the buffer the descriptor kernel reads (its
 * WebAssembly memory), each byte once: memory holds one chunk of F
 * whatever N is. Returns the layout F was described with (undefined for
 * descriptors).
 */
export function checkBundleVolume(
  stream: BundleStream,
  options: DescriptorReadOptions,
  onChunk: (start: number, described: Float32Array) => void,
): SkeletonLayout | undefined {
  const { numSamples, featureShape, kind, source } = stream;
  const perSample = featureShape.reduce((a, b) => a * b, 1);
  if (kind === "descriptors") {
    const step = samplesPerChunk(4 * perSample, numSamples, options.chunkBytes);
    const chunk = new Float32Array(step * perSample);
    for (let start = 0; start < numSamples; start += step) {
      const count = Math.min(step, numSamples - start);
      const values = chunk.subarray(0, count * perSample);
      stream.readFeatures(start, count, values);
      assertFiniteSamples(values, start, [numSamples, ...featureShape], "descriptors", source);
      onChunk(start, values);
      options.onProgress?.(start + count, numSamples);
    }
    return undefined;
  }
  const [channels, timeSteps, joints] = featureShape as [number, number, number];
  const layout = featureLayout(stream, options);
  const extractor = new DescriptorExtractor(channels, timeSteps, joints, {
    ...(options.kernel ? { kernel: options.kernel } : {}),
    layout,
  });
  const perOutput = NUM_SLOTS * channels;
  const batch = extractor.createBatch(samplesPerChunk(4 * perSample, numSamples, options.chunkBytes));
  for (let start = 0; start < numSamples; start += batch.capacity) {
    const count = Math.min(batch.capacity, numSamples - start);
    stream.readFeatures(start, count, batch.input);
    batch.extract(count);
    const described = batch.output.subarray(0, count * perOutput);
    // Every value of F reaches a descriptor: NaN / ±Infinity in F shows in the (much smaller) output.
    if (findNonFinite(described) >= 0) {
      assertFiniteSamples(
        batch.input.subarray(0, count * perSample),
        start,
        [numSamples, ...featureShape],
        "features",
        source,
      );
      assertFiniteSamples(
        described,
        start,
        [numSamples, NUM_SLOTS, channels],
        "descriptors (float32 overflow of finite features)",
        source,
      );
    }
    onChunk(start, described);
    options.onProgress?.(start + count, numSamples);
  }
  return layout;
}

/**
 * The (N, 8, C) descriptors of an open bundle stream: read as they are, or
 * computed from F chunk by chunk (Eq. 3–4), checked by `checkBundleVolume`.
 */
export function describeStream(stream: BundleStream, options: DescriptorReadOptions = {}): Float32Array {
  const { numSamples, featureShape, kind } = stream;
  const perOutput = NUM_SLOTS * (kind === "descriptors" ? featureShape[1]! : featureShape[0]!);
  const out = new Float32Array(numSamples * perOutput);
  checkBundleVolume(stream, options, (start, described) => out.set(described, start * perOutput));
  return out;
}

/**
 * Reads a bundle of any size and format as a labelled stream with its
 * descriptors: F (when it holds F) is streamed and described chunk by chunk,
 * never held whole, and only the descriptors are kept (`kind` says what the
 * bundle held). Its `source` is `target`.
 */
export function readBundleDescriptors(
  target: string,
  options: DescriptorReadOptions = {},
): LabelledStream & { readonly descriptors: Tensor } {
  const stream = openBundleStream(target);
  try {
    const data = describeStream(stream, options);
    const channels = stream.kind === "features" ? stream.featureShape[0]! : stream.featureShape[1]!;
    return {
      kind: stream.kind,
      logits: stream.logits,
      descriptors: { data, shape: [stream.numSamples, NUM_SLOTS, channels] },
      labels: stream.labels,
      ...(stream.classIds ? { classIds: stream.classIds } : {}),
      meta: stream.meta,
      source: target,
    };
  } finally {
    stream.close();
  }
}
