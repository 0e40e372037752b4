import { DescriptorExtractor } from "@skeleton-cache/descriptors";
import { ValueError } from "@skeleton-cache/errors";
import { LAYOUTS, type LabelledStream, NUM_SLOTS, type SkeletonLayout } from "@skeleton-cache/skeleton";
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

/**
 * The (N, 8, C) descriptors of an open bundle stream: read as they are, or
 * computed from F chunk by chunk (Eq. 3–4). F is read straight into the
 * buffer the descriptor kernel reads (its WebAssembly memory), each byte
 * once, so memory holds one chunk of F whatever N is.
 */
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

export function describeStream(stream: BundleStream, options: DescriptorReadOptions = {}): Float32Array {
  const { numSamples, featureShape, kind, source } = stream;
  const perSample = featureShape.reduce((a, b) => a * b, 1);
  if (kind === "descriptors") {
    const out = new Float32Array(numSamples * perSample);
    const step = samplesPerChunk(4 * perSample, numSamples, options.chunkBytes);
    for (let start = 0; start < numSamples; start += step) {
      const count = Math.min(step, numSamples - start);
      stream.readFeatures(start, count, out, start * perSample);
      options.onProgress?.(start + count, numSamples);
    }
    assertFiniteSamples(out, 0, [numSamples, ...featureShape], "descriptors", source);
    return out;
  }
  const [channels, timeSteps, joints] = featureShape as [number, number, number];
  const layout = options.layout ?? recordedLayout(stream);
  const extractor = new DescriptorExtractor(channels, timeSteps, joints, {
    ...(options.kernel ? { kernel: options.kernel } : {}),
    ...(layout ? { layout } : {}),
  });
  const perOutput = NUM_SLOTS * channels;
  const batch = extractor.createBatch(samplesPerChunk(4 * perSample, numSamples, options.chunkBytes));
  const out = new Float32Array(numSamples * perOutput);
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
    out.set(described, start * perOutput);
    options.onProgress?.(start + count, numSamples);
  }
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
