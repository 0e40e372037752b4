import fs from "node:fs";
import path from "node:path";
import { FormatError, ValueError } from "@skeleton-cache/errors";
import {
  encodeNpy,
  encodeNpyStrings,
  encodeNpz,
  encodeSafetensors,
  isPickleTuple,
  type NpyArray,
  type NpyFile,
  openNpy,
  parseNpy,
  parseNpz,
  parseSafetensors,
  parseTorch,
  toFloat32,
  toIntArray,
  writeFileAtomic,
} from "@skeleton-cache/formats";
import { assertFinite, type Shape, shapeSize, type Tensor } from "@skeleton-cache/tensor";
import { assertBundleComplete } from "./journal.js";
import { type Bundle, type BundleMeta, parseBundleMeta, validateBundle } from "./types.js";

/** On-disk bundle formats. */
export type BundleFormat = "dir" | "npz" | "safetensors" | "pt";

const FLOAT_DTYPES = new Set(["f4", "f8"]);
const INT_DTYPES = new Set(["i1", "i2", "i4", "i8", "u1", "u2", "u4", "u8"]);

function readBytes(file: string): Uint8Array {
  try {
    return fs.readFileSync(file);
  } catch (error) {
    throw new FormatError(`${file}: cannot read (${(error as Error).message})`, { file }, { cause: error });
  }
}

function floatTensor(array: NpyArray, field: string, source: string): Tensor {
  if (!FLOAT_DTYPES.has(array.dtype))
    throw new FormatError(`${source}: ${field} has dtype ${array.dtype}; float32 or float64 is required`, {
      file: source,
      field,
      value: array.dtype,
    });
  return { data: toFloat32(array, source), shape: [...array.shape] };
}

function intVector(array: NpyArray, field: string, source: string): Int32Array {
  if (!INT_DTYPES.has(array.dtype))
    throw new FormatError(`${source}: ${field} has dtype ${array.dtype}; an integer dtype is required`, {
      file: source,
      field,
      value: array.dtype,
    });
  if (array.shape.length !== 1)
    throw new FormatError(`${source}: ${field} has shape (${array.shape.join(", ")}); a vector is required`, {
      file: source,
      field,
      value: [...array.shape],
    });
  return toIntArray(array, `${source} ${field}`);
}

function defaultClassIds(count: number): Int32Array {
  return Int32Array.from({ length: count }, (_, classIndex) => classIndex);
}

/** Builds and validates a bundle from named arrays (features|descriptors, logits, labels, class_ids). */
export function bundleFromArrays(
  arrays: ReadonlyMap<string, NpyArray>,
  meta: BundleMeta,
  source: string,
): Bundle {
  const get = (name: string): NpyArray => {
    const array = arrays.get(name);
    if (!array) throw new FormatError(`${source}: ${name} is missing`, { file: source, field: name });
    return array;
  };
  const logits = floatTensor(get("logits"), "logits", source);
  const features = arrays.has("features") ? floatTensor(get("features"), "features", source) : undefined;
  const descriptors = arrays.has("descriptors")
    ? floatTensor(get("descriptors"), "descriptors", source)
    : undefined;
  const labels = intVector(get("labels"), "labels", source);
  const classIds = arrays.has("class_ids")
    ? intVector(get("class_ids"), "class_ids", source)
    : defaultClassIds(logits.shape[1] ?? 0);
  const bundle: Bundle = {
    logits,
    ...(features ? { features } : {}),
    ...(descriptors ? { descriptors } : {}),
    labels,
    classIds,
    meta,
  };
  validateBundle(bundle, source);
  return bundle;
}

/** The arrays of a bundle as written to disk: labels and class ids as int64, like NumPy's default. */
export function bundleToArrays(bundle: Bundle): Map<string, NpyArray> {
  validateBundle(bundle, "bundle to write");
  const arrays = new Map<string, NpyArray>();
  const volume = bundle.features ? "features" : "descriptors";
  const values = (bundle.features ?? bundle.descriptors)!;
  arrays.set(volume, { dtype: "f4", shape: values.shape, data: values.data });
  arrays.set("logits", { dtype: "f4", shape: bundle.logits.shape, data: bundle.logits.data });
  arrays.set("labels", { dtype: "i8", shape: [bundle.labels.length], data: toInt64(bundle.labels) });
  arrays.set("class_ids", { dtype: "i8", shape: [bundle.classIds.length], data: toInt64(bundle.classIds) });
  return arrays;
}

function toInt64(values: Int32Array): BigInt64Array {
  return BigInt64Array.from(values, (v) => BigInt(v));
}

/** meta.json's text: two-space JSON and a newline (every writer uses it, so bytes agree). */
export function metaText(meta: BundleMeta): string {
  return `${JSON.stringify(meta, null, 2)}\n`;
}

function parseMetaText(text: string, source: string): BundleMeta {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new FormatError(`${source}: not valid JSON (${(error as Error).message})`, { file: source });
  }
  return parseBundleMeta(value, source);
}

// --- directory layout (the parity fixtures, `skc eval --bundle DIR`)

/** Reads a bundle directory: features.npy | descriptors.npy, logits.npy, labels.npy, class_ids.npy?, meta.json?. */
export function readBundleDir(dir: string): Bundle {
  assertBundleComplete(dir);
  const arrays = new Map<string, NpyArray>();
  for (const name of ["features", "descriptors", "logits", "labels", "class_ids"]) {
    const file = path.join(dir, `${name}.npy`);
    if (fs.existsSync(file)) arrays.set(name, parseNpy(readBytes(file), file));
  }
  const metaFile = path.join(dir, "meta.json");
  const meta = fs.existsSync(metaFile)
    ? parseMetaText(new TextDecoder().decode(readBytes(metaFile)), metaFile)
    : {};
  return bundleFromArrays(arrays, meta, dir);
}

/** Writes a bundle directory (each file atomically; deterministic bytes). */
export function writeBundleDir(dir: string, bundle: Bundle): void {
  const arrays = bundleToArrays(bundle);
  fs.mkdirSync(dir, { recursive: true });
  for (const stale of ["features.npy", "descriptors.npy"]) {
    const volume = bundle.features ? "features.npy" : "descriptors.npy";
    if (stale !== volume) fs.rmSync(path.join(dir, stale), { force: true });
  }
  for (const [name, array] of arrays) {
    writeFileAtomic(path.join(dir, `${name}.npy`), encodeNpy(array.data, array.shape, array.dtype));
  }
  writeFileAtomic(path.join(dir, "meta.json"), metaText(bundle.meta));
}

// --- .npz

/** Decodes a bundle .npz (same array names; `meta` a 0-d string array holding JSON). */
export function parseBundleNpz(bytes: Uint8Array, source = "<bundle.npz>"): Bundle {
  const arrays = parseNpz(bytes, source);
  const metaArray = arrays.get("meta");
  arrays.delete("meta");
  const meta =
    metaArray?.strings?.length === 1 ? parseMetaText(metaArray.strings[0]!, `${source}[meta]`) : {};
  if (metaArray && metaArray.strings?.length !== 1)
    throw new FormatError(`${source}: meta must be a single string`, { file: source, field: "meta" });
  return bundleFromArrays(arrays, meta, source);
}

export function encodeBundleNpz(bundle: Bundle, options: { compress?: boolean } = {}): Uint8Array {
  const arrays = bundleToArrays(bundle);
  const meta = parseNpy(encodeNpyStrings([JSON.stringify(bundle.meta)], []));
  arrays.set("meta", meta);
  return encodeNpz(arrays, options);
}

// --- safetensors

/** Decodes a bundle .safetensors (same tensor names; meta as `__metadata__.meta` JSON). */
export function parseBundleSafetensors(bytes: Uint8Array, source = "<bundle.safetensors>"): Bundle {
  const { tensors, metadata } = parseSafetensors(bytes, source);
  const meta =
    metadata["meta"] === undefined ? {} : parseMetaText(metadata["meta"], `${source}[__metadata__.meta]`);
  return bundleFromArrays(tensors, meta, source);
}

export function encodeBundleSafetensors(bundle: Bundle): Uint8Array {
  return encodeSafetensors(bundleToArrays(bundle), { meta: JSON.stringify(bundle.meta) });
}

// --- the authors' PyTorch encoder_outputs.pt (schema v2), read only

const PT_ARRAY_KEYS = new Set([
  "skeleton_features",
  "descriptors",
  "logits",
  "labels",
  "unseen_class_indices",
]);

/**
 * Decodes the Skeleton-Cache authors' `encoder_outputs.pt` (schema v2): a dict
 * with skeleton_features (N, C, T, V) — or descriptors (N, 8, C) —, logits
 * (N, U), labels (N,), unseen_class_indices (U ids), num_unseen, and plain
 * metadata (schema_version, backbone, dataset, split, slot_order, ...), which
 * goes to `meta`.
 */
export function parseBundlePt(bytes: Uint8Array, source = "<encoder_outputs.pt>"): Bundle {
  const root = parseTorch(bytes, { file: source });
  if (!(root instanceof Map)) throw new FormatError(`${source}: top level is not a dict`, { file: source });
  const version = root.get("schema_version");
  if (version !== 2)
    throw new FormatError(`${source}: schema_version is ${String(version)}, expected 2`, {
      file: source,
      field: "schema_version",
      value: version,
    });
  const tensor = (key: string): NpyArray | undefined => {
    const value = root.get(key);
    if (value === undefined) return undefined;
    if (typeof value !== "object" || value === null || !("dtype" in value) || !("shape" in value))
      throw new FormatError(`${source}: ${key} is not a tensor`, { file: source, field: key });
    return value as unknown as NpyArray;
  };
  const arrays = new Map<string, NpyArray>();
  const features = tensor("skeleton_features");
  if (features?.shape.length === 3) arrays.set("descriptors", features);
  else if (features) arrays.set("features", features);
  const descriptors = tensor("descriptors");
  if (descriptors) arrays.set("descriptors", descriptors);
  for (const [key, name] of [
    ["logits", "logits"],
    ["labels", "labels"],
  ] as const) {
    const array = tensor(key);
    if (array) arrays.set(name, array);
  }
  const ids = root.get("unseen_class_indices");
  if (ids !== undefined) {
    if (!Array.isArray(ids) || !ids.every((id) => typeof id === "number" && Number.isSafeInteger(id)))
      throw new FormatError(`${source}: unseen_class_indices is not a list of integers`, {
        file: source,
        field: "unseen_class_indices",
      });
    arrays.set("class_ids", {
      dtype: "i8",
      shape: [ids.length],
      data: BigInt64Array.from(ids as number[], BigInt),
    });
  }
  const meta: Record<string, unknown> = { source: `PyTorch encoder_outputs.pt (schema v2)` };
  for (const [key, value] of root) {
    if (typeof key !== "string" || PT_ARRAY_KEYS.has(key)) continue;
    meta[key] = plainJson(value, `${source}: ${key}`);
  }
  if (meta["dataset"] === "synthetic" && meta["synthetic"] === undefined) meta["synthetic"] = true;
  const bundle = bundleFromArrays(arrays, parseBundleMeta(meta, source), source);
  const numUnseen = root.get("num_unseen");
  if (numUnseen !== undefined && numUnseen !== bundle.logits.shape[1])
    throw new ValueError(
      `${source}: num_unseen is ${String(numUnseen)} but logits have ${bundle.logits.shape[1]} classes`,
      {
        file: source,
        field: "num_unseen",
        value: numUnseen,
      },
    );
  return bundle;
}

function plainJson(value: unknown, where: string): unknown {
  if (value === null || typeof value === "string" || typeof value === "boolean") return value;
  if (typeof value === "number") return Number.isFinite(value) ? value : String(value);
  if (typeof value === "bigint") return value.toString();
  if (Array.isArray(value) || isPickleTuple(value))
    return (value as unknown[]).map((v) => plainJson(v, where));
  if (value instanceof Map) {
    const out: Record<string, unknown> = {};
    for (const [k, v] of value) out[String(k)] = plainJson(v, where);
    return out;
  }
  throw new FormatError(`${where}: metadata value cannot be kept as JSON`, { value: String(value) });
}

// --- detection, whole reads and writes

/** Which format `target` holds: a directory, or a file judged by its extension, then by its first bytes. */
export function detectBundleFormat(target: string): BundleFormat {
  let stat: fs.Stats;
  try {
    stat = fs.statSync(target);
  } catch (error) {
    throw new FormatError(
      `${target}: cannot open (${(error as Error).message})`,
      { file: target },
      { cause: error },
    );
  }
  if (stat.isDirectory()) {
    assertBundleComplete(target);
    return "dir";
  }
  const lower = target.toLowerCase();
  if (lower.endsWith(".npz")) return "npz";
  if (lower.endsWith(".safetensors")) return "safetensors";
  if (lower.endsWith(".pt") || lower.endsWith(".pth") || lower.endsWith(".pth.tar")) return "pt";
  const head = new Uint8Array(4);
  const fd = fs.openSync(target, "r");
  try {
    fs.readSync(fd, head, 0, 4, 0);
  } finally {
    fs.closeSync(fd);
  }
  if (head[0] === 0x50 && head[1] === 0x4b) {
    const bytes = readBytes(target);
    return new TextDecoder("latin1").decode(bytes).includes("data.pkl") ? "pt" : "npz";
  }
  if (stat.size >= 8 && head[0] !== 0x93) return "safetensors";
  throw new FormatError(`${target}: not a bundle (expected a directory, .npz, .safetensors or .pt)`, {
    file: target,
  });
}

/** Reads a whole bundle in any format. */
export function readBundle(target: string): Bundle {
  const format = detectBundleFormat(target);
  if (format === "dir") return readBundleDir(target);
  const bytes = readBytes(target);
  if (format === "npz") return parseBundleNpz(bytes, target);
  if (format === "safetensors") return parseBundleSafetensors(bytes, target);
  return parseBundlePt(bytes, target);
}

/** Writes a bundle: a directory, or a file whose extension says .npz or .safetensors. */
export function writeBundle(target: string, bundle: Bundle, format?: Exclude<BundleFormat, "pt">): void {
  const chosen =
    format ??
    (target.toLowerCase().endsWith(".npz")
      ? "npz"
      : target.toLowerCase().endsWith(".safetensors")
        ? "safetensors"
        : "dir");
  if (chosen === "dir") writeBundleDir(target, bundle);
  else if (chosen === "npz") writeFileAtomic(target, encodeBundleNpz(bundle));
  else writeFileAtomic(target, encodeBundleSafetensors(bundle));
}

// --- streaming

/** Sample-by-sample access to a bundle; for a directory only headers, labels and class ids are loaded up front. */
export interface BundleReader {
  readonly source: string;
  readonly format: BundleFormat;
  readonly numSamples: number;
  readonly numClasses: number;
  readonly featureKind: "features" | "descriptors";
  /** Shape of one sample's features: (C, T, V) or (8, C). */
  readonly featureShape: Shape;
  readonly labels: Int32Array;
  readonly classIds: Int32Array;
  readonly meta: BundleMeta;
  /** Sample `index`'s base logits (U,), checked finite. */
  logits(index: number): Float32Array;
  /** Sample `index`'s features or descriptors, flat in C order, checked finite. */
  features(index: number): Float32Array;
  close(): void;
}

/** Opens a bundle for streaming, detecting its format. */
export function openBundle(target: string): BundleReader {
  const format = detectBundleFormat(target);
  if (format === "dir") return openBundleDir(target);
  return inMemoryReader(readBundle(target), target, format);
}

function checkIndex(index: number, count: number, source: string): void {
  if (!Number.isInteger(index) || index < 0 || index >= count)
    throw new ValueError(`${source}: sample ${index} is out of range [0, ${count})`, {
      file: source,
      position: index,
      value: index,
    });
}

function inMemoryReader(bundle: Bundle, source: string, format: BundleFormat): BundleReader {
  const volume = (bundle.features ?? bundle.descriptors)!;
  const [n, u] = bundle.logits.shape as [number, number];
  const per = shapeSize(volume.shape.slice(1));
  return {
    source,
    format,
    numSamples: n,
    numClasses: u,
    featureKind: bundle.features ? "features" : "descriptors",
    featureShape: volume.shape.slice(1),
    labels: bundle.labels,
    classIds: bundle.classIds,
    meta: bundle.meta,
    logits(index) {
      checkIndex(index, n, source);
      return bundle.logits.data.slice(index * u, (index + 1) * u);
    },
    features(index) {
      checkIndex(index, n, source);
      return volume.data.slice(index * per, (index + 1) * per);
    },
    close() {},
  };
}

function openBundleDir(dir: string): BundleReader {
  const opened: NpyFile[] = [];
  try {
    const logitsFile = openNpy(path.join(dir, "logits.npy"));
    opened.push(logitsFile);
    const hasFeatures = fs.existsSync(path.join(dir, "features.npy"));
    const hasDescriptors = fs.existsSync(path.join(dir, "descriptors.npy"));
    if (hasFeatures === hasDescriptors)
      throw new FormatError(`${dir}: exactly one of features.npy and descriptors.npy is required`, {
        file: dir,
      });
    const featureKind = hasFeatures ? "features" : "descriptors";
    const volumeFile = openNpy(path.join(dir, `${featureKind}.npy`));
    opened.push(volumeFile);
    for (const [file, field] of [
      [logitsFile, "logits"],
      [volumeFile, featureKind],
    ] as const) {
      if (!FLOAT_DTYPES.has(file.dtype))
        throw new FormatError(
          `${file.path}: ${field} has dtype ${file.dtype}; float32 or float64 is required`,
          {
            file: file.path,
            field,
            value: file.dtype,
          },
        );
    }
    const labelsPath = path.join(dir, "labels.npy");
    const labels = intVector(parseNpy(readBytes(labelsPath), labelsPath), "labels", labelsPath);
    const idsPath = path.join(dir, "class_ids.npy");
    const [n, u] = logitsFile.shape as [number, number];
    const classIds = fs.existsSync(idsPath)
      ? intVector(parseNpy(readBytes(idsPath), idsPath), "class_ids", idsPath)
      : defaultClassIds(u ?? 0);
    const metaPath = path.join(dir, "meta.json");
    const meta = fs.existsSync(metaPath)
      ? parseMetaText(new TextDecoder().decode(readBytes(metaPath)), metaPath)
      : {};
    // Validate shapes, labels and ids with a zero-size stand-in for the big arrays (values are checked per sample).
    validateBundle(
      {
        logits: { data: new Float32Array(0), shape: [0, logitsFile.shape[1] ?? 0] },
        ...(featureKind === "features"
          ? { features: { data: new Float32Array(0), shape: [0, ...volumeFile.sampleShape] } }
          : { descriptors: { data: new Float32Array(0), shape: [0, ...volumeFile.sampleShape] } }),
        labels: new Int32Array(0),
        classIds,
        meta,
      },
      dir,
    );
    if (logitsFile.shape.length !== 2 || volumeFile.length !== n || labels.length !== n)
      throw new FormatError(
        `${dir}: logits ${JSON.stringify(logitsFile.shape)}, ${featureKind} ${JSON.stringify(volumeFile.shape)} and labels (${labels.length}) disagree on N`,
        { file: dir },
      );
    for (let sampleIndex = 0; sampleIndex < n; sampleIndex++) {
      if (labels[sampleIndex]! < 0 || labels[sampleIndex]! >= u)
        throw new ValueError(
          `${labelsPath}: labels[${sampleIndex}] is ${labels[sampleIndex]}; expected [0, ${u})`,
          {
            file: labelsPath,
            field: "labels",
            position: sampleIndex,
            value: labels[sampleIndex],
          },
        );
    }
    return {
      source: dir,
      format: "dir",
      numSamples: n,
      numClasses: u,
      featureKind,
      featureShape: volumeFile.sampleShape,
      labels,
      classIds,
      meta,
      logits(index) {
        checkIndex(index, n, dir);
        const values = logitsFile.readSampleFloat32(index);
        assertFinite(values, `logits[${index}]`, [u], logitsFile.path);
        return values;
      },
      features(index) {
        checkIndex(index, n, dir);
        const values = volumeFile.readSampleFloat32(index);
        assertFinite(values, `${featureKind}[${index}]`, volumeFile.sampleShape, volumeFile.path);
        return values;
      },
      close() {
        for (const file of opened) file.close();
      },
    };
  } catch (error) {
    for (const file of opened) file.close();
    throw error;
  }
}
