import fs from "node:fs";
import path from "node:path";
import { ValueError } from "@skeleton-cache/errors";
import {
  type AtomicWriter,
  createAtomicWriter,
  createNpzWriter,
  encodeNpy,
  encodeNpyHeader,
  encodeSafetensorsHeader,
  type NpyArray,
  type StagedOutput,
  stageOutput,
  writeFileAtomic,
} from "@skeleton-cache/formats";
import { type LabelledStream, NUM_SLOTS, type StreamKind } from "@skeleton-cache/skeleton";
import { type Shape, shapeSize } from "@skeleton-cache/tensor";
import {
  checkBundleVolume,
  type DescriptorReadOptions,
  describeStream,
  samplesPerChunk,
} from "./descriptors.js";
import {
  type BundleFormat,
  bundleFormatFor,
  metaNpyArray,
  metaText,
  smallBundleArrays,
  writeBundle,
} from "./io.js";
import { assertFiniteSamples, type BundleStream, openBundleStream } from "./stream.js";

/** What `skc bundle info` shows: the layout and the meta, read from headers and the small arrays only. */
export interface BundleInfo
  extends Pick<
    BundleStream,
    "source" | "format" | "numSamples" | "numClasses" | "kind" | "featureShape" | "featureDtype" | "meta"
  > {
  readonly channels: number;
  /** Dataset class ids of the candidates; null where the bundle names none. */
  readonly classIds: number[] | null;
  /** Bytes on disk (a directory: its files). */
  readonly bytes: number;
}

function diskBytes(target: string): number {
  const stat = fs.statSync(target);
  if (!stat.isDirectory()) return stat.size;
  return fs.readdirSync(target).reduce((total, name) => total + fs.statSync(path.join(target, name)).size, 0);
}

/** Reads a bundle's layout and meta (F is not read). */
export function bundleInfo(target: string): BundleInfo {
  const stream = openBundleStream(target);
  try {
    return infoOf(stream, target);
  } finally {
    stream.close();
  }
}

function infoOf(stream: BundleStream, target: string): BundleInfo {
  return {
    source: target,
    format: stream.format,
    numSamples: stream.numSamples,
    numClasses: stream.numClasses,
    kind: stream.kind,
    featureShape: stream.featureShape,
    featureDtype: stream.featureDtype,
    channels: stream.kind === "features" ? stream.featureShape[0]! : stream.featureShape[1]!,
    classIds: stream.classIds ? Array.from(stream.classIds) : null,
    meta: stream.meta,
    bytes: diskBytes(target),
  };
}

/** What a full streaming check of a bundle found (it throws at the first problem). */
export interface BundleValidation extends BundleInfo {
  /** Values of F or the descriptors checked finite. */
  readonly valuesChecked: number;
  /** Samples per candidate class (labels). */
  readonly samplesPerClass: number[];
  /** The joint layout F's descriptors were computed with (null for a descriptors bundle). */
  readonly layout: string | null;
}

/**
 * Checks a whole bundle in one streaming pass, making every check `skc eval`
 * makes of it (`readBundleDescriptors`: the same `checkBundleVolume`):
 * shapes and dtypes, labels in range, class ids ascending (when it opens),
 * the joint layout (`options.layout`, else the meta's, else NTU-25) against
 * V, every logit and every value of F or the descriptors finite (chunk by
 * chunk, naming the first that is not), descriptors finite in float32, and,
 * for ZIP-based formats, each member's CRC-32 as its last byte is read.
 */
export function validateBundleStream(target: string, options: DescriptorReadOptions = {}): BundleValidation {
  const stream = openBundleStream(target);
  try {
    const info = infoOf(stream, target);
    const layout = checkBundleVolume(stream, options, () => {});
    const samplesPerClass = new Array<number>(stream.numClasses).fill(0);
    for (const label of stream.labels) samplesPerClass[label]!++;
    return {
      ...info,
      valuesChecked: stream.numSamples * shapeSize(stream.featureShape),
      samplesPerClass,
      layout: layout?.id ?? null,
    };
  } finally {
    stream.close();
  }
}

export interface ConvertOptions extends DescriptorReadOptions {
  /** Output format; default from the target's extension (.npz, .safetensors, else a directory). */
  readonly to?: Exclude<BundleFormat, "pt">;
  /** Store the (N, 8, C) descriptors instead of F (computed chunk by chunk when the source holds F). */
  readonly descriptorsOnly?: boolean;
  /** .npz only: deflate the members (savez_compressed). */
  readonly compress?: boolean;
}

/** What `convertBundle` wrote. */
export interface ConvertResult {
  readonly target: string;
  readonly format: Exclude<BundleFormat, "pt">;
  readonly kind: StreamKind;
  readonly numSamples: number;
  readonly bytes: number;
}

/**
 * Converts a bundle of any format to a directory, .npz or .safetensors. With
 * `descriptorsOnly` (or a source holding descriptors) the descriptors are
 * computed by streaming F and the small result is written with `writeBundle`;
 * otherwise F is copied chunk by chunk into the new file, never held whole.
 * Every file is written atomically; the output is deterministic.
 */
export function convertBundle(source: string, target: string, options: ConvertOptions = {}): ConvertResult {
  const format = options.to ?? bundleFormatFor(target);
  if (path.resolve(source) === path.resolve(target))
    throw new ValueError(`bundle convert: the target ${target} is the source`, {
      field: "target",
      value: target,
    });
  const stream = openBundleStream(source);
  try {
    const { numSamples } = stream;
    if (options.descriptorsOnly || stream.kind === "descriptors") {
      const data = describeStream(stream, options);
      const channels = data.length / (numSamples * NUM_SLOTS) || 0;
      const bundle: LabelledStream = {
        kind: stream.kind,
        logits: stream.logits,
        descriptors: { data, shape: [numSamples, NUM_SLOTS, channels] },
        labels: stream.labels,
        ...(stream.classIds ? { classIds: stream.classIds } : {}),
        meta: stream.meta,
      };
      writeBundle(target, bundle, format, { compress: options.compress === true });
      return { target, format, kind: "descriptors", numSamples, bytes: diskBytes(target) };
    }
    if (format === "dir") writeFeaturesDir(stream, target, options);
    else if (format === "safetensors") writeFeaturesSafetensors(stream, target, options);
    else writeFeaturesNpz(stream, target, options);
    return { target, format, kind: "features", numSamples, bytes: diskBytes(target) };
  } finally {
    stream.close();
  }
}

/** A bundle being written where no reader looks (formats' `stageOutput`), in its format. */
export interface StagedBundle extends StagedOutput {
  readonly format: Exclude<BundleFormat, "pt">;
}

/**
 * Stages a bundle to be written at `target` — in format `to`, else the one
 * its extension names — so that it appears there only when complete: write
 * it (`convertBundle(source, staged.path, { to: staged.format })`), then
 * `commit()`. An existing directory that is not a bundle (no logits.npy) is
 * refused, not replaced.
 */
export function stageBundle(target: string, to?: Exclude<BundleFormat, "pt">): StagedBundle {
  const format = to ?? bundleFormatFor(target);
  if (format === "dir" && fs.existsSync(target) && fs.statSync(target).isDirectory()) {
    const entries = fs.readdirSync(target);
    if (entries.length > 0 && !entries.includes("logits.npy"))
      throw new ValueError(
        `${target}: exists and is not a bundle directory (no logits.npy); choose another target`,
        {
          file: target,
          field: "target",
        },
      );
  }
  return Object.assign(stageOutput(target, { file: format !== "dir" }), { format });
}

/** Streams F or the descriptors (as float32) into `write`, chunk by chunk, checking each chunk is finite. */
function streamFeatures(
  stream: BundleStream,
  write: (bytes: Uint8Array) => void,
  options: Pick<DescriptorReadOptions, "chunkBytes" | "onProgress">,
): void {
  const { numSamples, featureShape, kind } = stream;
  const perSample = shapeSize(featureShape);
  const step = samplesPerChunk(4 * perSample, numSamples, options.chunkBytes);
  const chunk = new Float32Array(step * perSample);
  for (let start = 0; start < numSamples; start += step) {
    const count = Math.min(step, numSamples - start);
    const values = chunk.subarray(0, count * perSample);
    stream.readFeatures(start, count, values);
    assertFiniteSamples(values, start, [numSamples, ...featureShape], kind, stream.source);
    write(new Uint8Array(values.buffer, values.byteOffset, values.byteLength));
    options.onProgress?.(start + count, numSamples);
  }
}

function withWriter(target: string, body: (writer: AtomicWriter) => void): void {
  const writer = createAtomicWriter(target);
  try {
    body(writer);
    writer.commit();
  } catch (error) {
    writer.abort();
    throw error;
  }
}

function writeFeaturesDir(stream: BundleStream, dir: string, options: ConvertOptions): void {
  fs.mkdirSync(dir, { recursive: true });
  const shape = [stream.numSamples, ...stream.featureShape];
  withWriter(path.join(dir, "features.npy"), (writer) => {
    writer.write(encodeNpyHeader("f4", shape));
    streamFeatures(stream, (bytes) => writer.write(bytes), options);
  });
  fs.rmSync(path.join(dir, "descriptors.npy"), { force: true });
  for (const [name, array] of smallBundleArrays(stream))
    writeFileAtomic(path.join(dir, `${name}.npy`), encodeNpy(array.data, array.shape, array.dtype));
  writeFileAtomic(path.join(dir, "meta.json"), metaText(stream.meta));
}

function writeFeaturesSafetensors(stream: BundleStream, target: string, options: ConvertOptions): void {
  const small = smallBundleArrays(stream);
  const shape = [stream.numSamples, ...stream.featureShape];
  const layout: [string, { dtype: NpyArray["dtype"]; shape: Shape }][] = [
    ["features", { dtype: "f4", shape }],
    ...small,
  ];
  withWriter(target, (writer) => {
    writer.write(encodeSafetensorsHeader(layout, { meta: JSON.stringify(stream.meta) }));
    streamFeatures(stream, (bytes) => writer.write(bytes), options);
    for (const array of small.values())
      writer.write(new Uint8Array(array.data.buffer, array.data.byteOffset, array.data.byteLength));
  });
}

function writeFeaturesNpz(stream: BundleStream, target: string, options: ConvertOptions): void {
  const npz = createNpzWriter(target, { compress: options.compress === true });
  try {
    const features = npz.begin("features", "f4", [stream.numSamples, ...stream.featureShape]);
    streamFeatures(stream, (bytes) => features.write(bytes), options);
    features.end();
    for (const [name, array] of smallBundleArrays(stream)) npz.add(name, array);
    npz.add("meta", metaNpyArray(stream.meta));
    npz.commit();
  } catch (error) {
    npz.abort();
    throw error;
  }
}
