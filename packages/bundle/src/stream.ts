import fs from "node:fs";
import path from "node:path";
import { FormatError, NonFiniteError, ValueError } from "@skeleton-cache/errors";
import {
  type ArrayStream,
  type NpyArray,
  openNpyStream,
  openNpzStream,
  openSafetensorsStream,
  openTorchStream,
  readNpy,
  TorchTensorRef,
} from "@skeleton-cache/formats";
import type { StreamKind } from "@skeleton-cache/skeleton";
import { assertFinite, findNonFinite, formatIndex, type Shape, type Tensor } from "@skeleton-cache/tensor";
import {
  type BundleFormat,
  datasetClassIds,
  detectBundleFormat,
  floatTensor,
  intVector,
  npzMeta,
  parseMetaText,
  ptLayout,
  safetensorsMeta,
} from "./io.js";
import { type BundleMeta, checkBundleLayout } from "./types.js";

/**
 * A bundle opened for streaming, in any format: the small arrays (logits,
 * labels, class ids) and the meta are read and checked when it opens; F or
 * the descriptors stay on disk and are read in chunks of samples, straight
 * into a caller's float32 buffer.
 */
export interface BundleStream {
  readonly source: string;
  readonly format: BundleFormat;
  readonly numSamples: number;
  readonly numClasses: number;
  /** Which array the bundle holds: F (N, C, T, V) or the descriptors (N, 8, C). */
  readonly kind: StreamKind;
  /** Shape of one sample's F or descriptors: (C, T, V) or (8, C). */
  readonly featureShape: Shape;
  /** The on-disk dtype of F or the descriptors (f4, or f8 converted as read). */
  readonly featureDtype: string;
  /** (N, U) base logits, checked finite. */
  readonly logits: Tensor;
  readonly labels: Int32Array;
  /** Dataset class ids of the candidates; undefined where the bundle names none (`datasetClassIds`). */
  readonly classIds: Int32Array | undefined;
  readonly meta: BundleMeta;
  /**
   * Samples `start .. start + count - 1` of F or the descriptors as float32
   * into `target` from `targetOffset` (values not checked: see
   * `readBundleDescriptors` / `validateBundleStream`).
   */
  readFeatures(start: number, count: number, target: Float32Array, targetOffset?: number): void;
  close(): void;
}

/** The pieces each format hands over before the common checks. */
interface StreamParts {
  readonly volume: ArrayStream;
  readonly kind: StreamKind;
  readonly logits: NpyArray;
  readonly labels: NpyArray;
  readonly classIds?: Int32Array;
  readonly meta: BundleMeta;
  /** Where the volume and logits come from, for messages. */
  readonly files: { readonly volume: string; readonly logits: string; readonly labels: string };
  readonly close: () => void;
  /** Extra check once N and U are known (the .pt's num_unseen). */
  readonly check?: (numClasses: number) => void;
}

function missing(source: string, name: string): never {
  throw new FormatError(`${source}: ${name} is missing`, { file: source, field: name });
}

function dirParts(dir: string): StreamParts {
  const file = (name: string) => path.join(dir, `${name}.npy`);
  for (const required of ["logits", "labels"])
    if (!fs.existsSync(file(required))) missing(dir, file(required));
  const hasFeatures = fs.existsSync(file("features"));
  if (hasFeatures === fs.existsSync(file("descriptors")))
    throw new FormatError(`${dir}: exactly one of features.npy and descriptors.npy is required`, {
      file: dir,
      field: "features",
    });
  const kind = hasFeatures ? "features" : "descriptors";
  const logits = readNpy(file("logits"));
  const labels = readNpy(file("labels"));
  const classIds = fs.existsSync(file("class_ids"))
    ? intVector(readNpy(file("class_ids")), "class_ids", file("class_ids"))
    : undefined;
  const metaFile = path.join(dir, "meta.json");
  const meta = fs.existsSync(metaFile) ? parseMetaText(fs.readFileSync(metaFile, "utf8"), metaFile) : {};
  const volume = openNpyStream(file(kind));
  return {
    volume,
    kind,
    logits,
    labels,
    ...(classIds ? { classIds } : {}),
    meta,
    files: { volume: file(kind), logits: file("logits"), labels: file("labels") },
    close: () => volume.close(),
  };
}

/** A container of named arrays (a .npz, a safetensors file) as stream parts. */
interface NamedArrays {
  has(name: string): boolean;
  array(name: string): ArrayStream;
  /** The bundle meta the container carries ({} when none). */
  meta(): BundleMeta;
  close(): void;
}

/** The parts of a bundle held as named arrays: features or descriptors, logits, labels[, class_ids]; closed on error. */
function namedArrayParts(target: string, arrays: NamedArrays): StreamParts {
  try {
    const { has } = arrays;
    if (has("features") === has("descriptors"))
      throw new FormatError(`${target}: exactly one of features and descriptors is required`, {
        file: target,
        field: "features",
      });
    const kind = has("features") ? "features" : "descriptors";
    for (const name of ["logits", "labels"]) if (!has(name)) missing(target, name);
    return {
      volume: arrays.array(kind),
      kind,
      logits: arrays.array("logits").readAll(),
      labels: arrays.array("labels").readAll(),
      ...(has("class_ids")
        ? { classIds: intVector(arrays.array("class_ids").readAll(), "class_ids", target) }
        : {}),
      meta: arrays.meta(),
      files: {
        volume: `${target}[${kind}]`,
        logits: `${target}[logits]`,
        labels: `${target}[labels]`,
      },
      close: () => arrays.close(),
    };
  } catch (error) {
    arrays.close();
    throw error;
  }
}

function npzParts(target: string): StreamParts {
  const npz = openNpzStream(target);
  const has = (name: string) => npz.names.includes(name);
  return namedArrayParts(target, {
    has,
    array: (name) => npz.array(name),
    meta: () => (has("meta") ? npzMeta(npz.array("meta").readAll(), target) : {}),
    close: () => npz.close(),
  });
}

function safetensorsParts(target: string): StreamParts {
  const st = openSafetensorsStream(target);
  return namedArrayParts(target, {
    has: (name) => st.header.entries.has(name),
    array: (name) => st.tensor(name),
    meta: () => safetensorsMeta(st.header.metadata, target),
    close: () => st.close(),
  });
}

function ptParts(target: string): StreamParts {
  const pt = openTorchStream(target);
  try {
    const layout = ptLayout(pt.value, target);
    const tensor = (value: unknown, name: string): TorchTensorRef => {
      if (!(value instanceof TorchTensorRef))
        throw new FormatError(`${target}: ${name} is not a tensor`, { file: target, field: name });
      return value;
    };
    if (!layout.volume) missing(target, "skeleton_features");
    if (layout.logits === undefined) missing(target, "logits");
    if (layout.labels === undefined) missing(target, "labels");
    return {
      volume: pt.array(tensor(layout.volume.value, layout.volume.key)),
      kind: layout.volume.kind,
      logits: pt.array(tensor(layout.logits, "logits")).readAll(),
      labels: pt.array(tensor(layout.labels, "labels")).readAll(),
      ...(layout.classIds ? { classIds: layout.classIds } : {}),
      meta: layout.meta,
      files: {
        volume: `${target}[${layout.volume.key}]`,
        logits: `${target}[logits]`,
        labels: `${target}[labels]`,
      },
      close: () => pt.close(),
      check: layout.check,
    };
  } catch (error) {
    pt.close();
    throw error;
  }
}

const FLOAT_DTYPES = new Set(["f4", "f8"]);

/** Opens a bundle (a directory, .npz, .safetensors or the authors' .pt) for streaming. */
export function openBundleStream(target: string): BundleStream {
  const format = detectBundleFormat(target);
  const parts =
    format === "dir"
      ? dirParts(target)
      : format === "npz"
        ? npzParts(target)
        : format === "safetensors"
          ? safetensorsParts(target)
          : ptParts(target);
  try {
    const { volume, kind, files } = parts;
    if (!FLOAT_DTYPES.has(volume.dtype))
      throw new FormatError(
        `${files.volume}: ${kind} has dtype ${volume.dtype}; float32 or float64 is required`,
        {
          file: files.volume,
          field: kind,
          value: volume.dtype,
        },
      );
    const logits = floatTensor(parts.logits, "logits", files.logits);
    const labels = intVector(parts.labels, "labels", files.labels);
    const [numSamples, numClasses] = logits.shape as [number, number];
    const classIds = datasetClassIds(parts.classIds, parts.meta);
    checkBundleLayout(
      { logitsShape: logits.shape, kind, volumeShape: volume.shape, labels, classIds },
      target,
    );
    assertFinite(logits.data, "logits", logits.shape, files.logits);
    parts.check?.(numClasses);
    return {
      source: target,
      format,
      numSamples,
      numClasses,
      kind,
      featureShape: volume.shape.slice(1),
      featureDtype: volume.dtype,
      logits,
      labels,
      classIds,
      meta: parts.meta,
      readFeatures: (start, count, out, offset = 0) => volume.readRows(start, count, out, offset),
      close: parts.close,
    };
  } catch (error) {
    parts.close();
    throw error;
  }
}

/** Checks samples read into `values` (from sample `start` of N) are finite, naming the first value that is not. */
export function assertFiniteSamples(
  values: Float32Array,
  start: number,
  shape: Shape,
  name: string,
  file: string,
): void {
  const at = findNonFinite(values);
  if (at < 0) return;
  const perSample = shape.slice(1).reduce((a, b) => a * b, 1);
  const where = formatIndex(start * perSample + at, shape);
  const value = values[at]!;
  throw new NonFiniteError(`${file}: ${name}${where} is ${value}; finite numbers are required`, {
    file,
    field: name,
    value,
    position: where,
  });
}

/** Sample-by-sample access to a bundle (any format), on top of `openBundleStream`. */
export interface BundleReader {
  readonly source: string;
  readonly format: BundleFormat;
  readonly numSamples: number;
  readonly numClasses: number;
  readonly kind: StreamKind;
  /** Shape of one sample's features: (C, T, V) or (8, C). */
  readonly featureShape: Shape;
  readonly labels: Int32Array;
  readonly classIds: Int32Array | undefined;
  readonly meta: BundleMeta;
  /** Sample `index`'s base logits (U,). */
  logits(index: number): Float32Array;
  /** Sample `index`'s features or descriptors, flat in C order, checked finite. */
  features(index: number): Float32Array;
  close(): void;
}

/** Opens a bundle for reading sample by sample: only the small arrays are loaded, F stays on disk. */
export function openBundle(target: string): BundleReader {
  const stream = openBundleStream(target);
  const { numSamples, numClasses, featureShape, kind, source } = stream;
  const perSample = featureShape.reduce((a, b) => a * b, 1);
  const check = (index: number): void => {
    if (!Number.isInteger(index) || index < 0 || index >= numSamples)
      throw new ValueError(`${source}: sample ${index} is out of range [0, ${numSamples})`, {
        file: source,
        position: index,
        value: index,
      });
  };
  return {
    source,
    format: stream.format,
    numSamples,
    numClasses,
    kind,
    featureShape,
    labels: stream.labels,
    classIds: stream.classIds,
    meta: stream.meta,
    logits(index) {
      check(index);
      return stream.logits.data.slice(index * numClasses, (index + 1) * numClasses);
    },
    features(index) {
      check(index);
      const out = new Float32Array(perSample);
      stream.readFeatures(index, 1, out);
      assertFiniteSamples(out, index, [numSamples, ...featureShape], kind, source);
      return out;
    },
    close: () => stream.close(),
  };
}
