import fs from "node:fs";
import path from "node:path";
import { FormatError, ValueError } from "@skeleton-cache/errors";
import {
  encodeNpy,
  encodeNpyStrings,
  encodeNpz,
  encodeSafetensors,
  isPickleTuple,
  listZip,
  type NpyArray,
  OpenFile,
  parseNpy,
  parseNpz,
  parseSafetensors,
  parseTorch,
  toFloat32,
  toIntArray,
  writeFileAtomic,
} from "@skeleton-cache/formats";
import { isDatasetId, type LabelledStream, type StreamKind } from "@skeleton-cache/skeleton";
import type { Tensor } from "@skeleton-cache/tensor";
import { assertBundleComplete } from "./journal.js";
import { type BundleMeta, parseBundleMeta, validateBundle } from "./types.js";

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

/** A float32 tensor of an f4/f8 array; other dtypes are refused naming the field. */
export function floatTensor(array: NpyArray, field: string, source: string): Tensor {
  if (!FLOAT_DTYPES.has(array.dtype))
    throw new FormatError(`${source}: ${field} has dtype ${array.dtype}; float32 or float64 is required`, {
      file: source,
      field,
      value: array.dtype,
    });
  return { data: toFloat32(array, source), shape: [...array.shape] };
}

/** An int32 vector of an integer array; other dtypes or ranks are refused naming the field. */
export function intVector(array: NpyArray, field: string, source: string): Int32Array {
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

/**
 * The class ids a bundle gives, kept where they name dataset classes: every
 * id list except 0..U-1 in a bundle whose meta names no dataset with a class
 * catalog (those index the candidates, as the authors' .pt
 * `unseen_class_indices` do). Undefined: the bundle names no dataset classes.
 */
export function datasetClassIds(ids: Int32Array | undefined, meta: BundleMeta): Int32Array | undefined {
  if (!ids) return undefined;
  const identity = ids.every((id, u) => id === u);
  const dataset = typeof meta.dataset === "string" && isDatasetId(meta.dataset);
  return identity && !dataset ? undefined : ids;
}

/** Builds and validates a labelled stream from a bundle's named arrays (features|descriptors, logits, labels, class_ids). */
export function bundleFromArrays(
  arrays: ReadonlyMap<string, NpyArray>,
  meta: BundleMeta,
  source: string,
): LabelledStream {
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
  const classIds = datasetClassIds(
    arrays.has("class_ids") ? intVector(get("class_ids"), "class_ids", source) : undefined,
    meta,
  );
  const bundle: LabelledStream = {
    kind: features ? "features" : "descriptors",
    logits,
    ...(features ? { features } : {}),
    ...(descriptors ? { descriptors } : {}),
    labels,
    ...(classIds ? { classIds } : {}),
    meta,
  };
  validateBundle(bundle, source);
  return bundle;
}

/** The arrays of a stream as a bundle writes them: labels and class ids as int64, like NumPy's default. */
export function bundleToArrays(bundle: LabelledStream): Map<string, NpyArray> {
  validateBundle(bundle, "bundle to write");
  const arrays = new Map<string, NpyArray>();
  const volume = bundle.features ? "features" : "descriptors";
  const values = (bundle.features ?? bundle.descriptors)!;
  arrays.set(volume, { dtype: "f4", shape: values.shape, data: values.data });
  for (const [name, array] of smallBundleArrays(bundle)) arrays.set(name, array);
  return arrays;
}

/** Logits, labels and (where the stream has them) class ids as written beside F or the descriptors (labels and ids as int64, like NumPy). */
export function smallBundleArrays(
  bundle: Pick<LabelledStream, "logits" | "labels" | "classIds">,
): Map<string, NpyArray> {
  return new Map<string, NpyArray>([
    ["logits", { dtype: "f4", shape: bundle.logits.shape, data: bundle.logits.data }],
    ["labels", int64Vector(bundle.labels)],
    ...(bundle.classIds ? [["class_ids", int64Vector(bundle.classIds)] as const] : []),
  ]);
}

/** An int32 vector as the int64 `.npy` array NumPy writes by default. */
export function int64Vector(values: Int32Array): NpyArray {
  return { dtype: "i8", shape: [values.length], data: BigInt64Array.from(values, (v) => BigInt(v)) };
}

/** The format a target path names: .npz, .safetensors, else a directory. */
export function bundleFormatFor(target: string): Exclude<BundleFormat, "pt"> {
  const lower = target.toLowerCase();
  return lower.endsWith(".npz") ? "npz" : lower.endsWith(".safetensors") ? "safetensors" : "dir";
}

/** meta.json's text: two-space JSON and a newline (every writer uses it, so bytes agree). */
export function metaText(meta: Readonly<Record<string, unknown>>): string {
  return `${JSON.stringify(meta, null, 2)}\n`;
}

/** Parses meta JSON text (FormatError naming `source` when it is not JSON). */
export function parseMetaText(text: string, source: string): BundleMeta {
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
export function readBundleDir(dir: string): LabelledStream {
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

/** Writes a stream as a bundle directory (each file atomically; deterministic bytes). */
export function writeBundleDir(dir: string, bundle: LabelledStream): void {
  const arrays = bundleToArrays(bundle);
  fs.mkdirSync(dir, { recursive: true });
  for (const stale of ["features", "descriptors", "class_ids"])
    if (!arrays.has(stale)) fs.rmSync(path.join(dir, `${stale}.npy`), { force: true });
  for (const [name, array] of arrays) {
    writeFileAtomic(path.join(dir, `${name}.npy`), encodeNpy(array.data, array.shape, array.dtype));
  }
  writeFileAtomic(path.join(dir, "meta.json"), metaText(bundle.meta ?? {}));
}

// --- .npz

/** Decodes a bundle .npz (same array names; `meta` a 0-d string array holding JSON). */
export function parseBundleNpz(bytes: Uint8Array, source = "<bundle.npz>"): LabelledStream {
  const arrays = parseNpz(bytes, source);
  const metaArray = arrays.get("meta");
  arrays.delete("meta");
  return bundleFromArrays(arrays, metaArray ? npzMeta(metaArray, source) : {}, source);
}

/** The meta of a bundle .npz from its `meta` member (a single string of JSON). */
export function npzMeta(member: NpyArray, source: string): BundleMeta {
  if (member.strings?.length !== 1)
    throw new FormatError(`${source}: meta must be a single string`, { file: source, field: "meta" });
  return parseMetaText(member.strings[0]!, `${source}[meta]`);
}

/** The meta of a bundle .safetensors from its header's `__metadata__` ({} when it has none). */
export function safetensorsMeta(metadata: Readonly<Record<string, string>>, source: string): BundleMeta {
  const text = metadata["meta"];
  return text === undefined ? {} : parseMetaText(text, `${source}[__metadata__.meta]`);
}

/** The `meta` member of a bundle .npz: a 0-d string array holding the meta's JSON. */
export function metaNpyArray(meta: Readonly<Record<string, unknown>>): NpyArray {
  return parseNpy(encodeNpyStrings([JSON.stringify(meta)], []));
}

export function encodeBundleNpz(bundle: LabelledStream, options: { compress?: boolean } = {}): Uint8Array {
  const arrays = bundleToArrays(bundle);
  arrays.set("meta", metaNpyArray(bundle.meta ?? {}));
  return encodeNpz(arrays, options);
}

// --- safetensors

/** Decodes a bundle .safetensors (same tensor names; meta as `__metadata__.meta` JSON). */
export function parseBundleSafetensors(bytes: Uint8Array, source = "<bundle.safetensors>"): LabelledStream {
  const { tensors, metadata } = parseSafetensors(bytes, source);
  return bundleFromArrays(tensors, safetensorsMeta(metadata, source), source);
}

export function encodeBundleSafetensors(bundle: LabelledStream): Uint8Array {
  return encodeSafetensors(bundleToArrays(bundle), { meta: JSON.stringify(bundle.meta ?? {}) });
}

// --- the authors' PyTorch encoder_outputs.pt (schema v2), read only

const PT_ARRAY_KEYS = new Set([
  "skeleton_features",
  "descriptors",
  "logits",
  "labels",
  "unseen_class_indices",
]);

/** Where the parts of a schema v2 dict are; values are tensors (read whole) or tensor references (streamed). */
export interface PtLayout {
  /** `skeleton_features` (rank 4: F; rank 3: descriptors) or `descriptors`. */
  readonly volume?: {
    readonly key: string;
    readonly kind: StreamKind;
    readonly value: unknown;
  };
  readonly logits?: unknown;
  readonly labels?: unknown;
  readonly classIds?: Int32Array;
  readonly meta: BundleMeta;
  /** Checks num_unseen against U. */
  readonly check: (numClasses: number) => void;
}

function rank(value: unknown): number {
  return typeof value === "object" && value !== null && "shape" in value
    ? (value as { shape: unknown[] }).shape.length
    : -1;
}

/**
 * Maps the Skeleton-Cache authors' `encoder_outputs.pt` dict (schema v2):
 * skeleton_features (N, C, T, V) — or descriptors (N, 8, C) —, logits (N, U),
 * labels (N,), unseen_class_indices (U ids), num_unseen, and plain metadata
 * (schema_version, backbone, dataset, split, slot_order, ...) for `meta`.
 */
export function ptLayout(root: unknown, source: string): PtLayout {
  if (!(root instanceof Map)) throw new FormatError(`${source}: top level is not a dict`, { file: source });
  const version = root.get("schema_version");
  if (version !== 2)
    throw new FormatError(`${source}: schema_version is ${String(version)}, expected 2`, {
      file: source,
      field: "schema_version",
      value: version,
    });
  const features = root.get("skeleton_features");
  const descriptors = root.get("descriptors");
  if (features !== undefined && descriptors !== undefined)
    throw new FormatError(
      `${source}: holds both skeleton_features and descriptors; exactly one is required`,
      {
        file: source,
        field: "descriptors",
      },
    );
  const volume =
    descriptors !== undefined
      ? { key: "descriptors", kind: "descriptors" as const, value: descriptors }
      : features !== undefined
        ? {
            key: "skeleton_features",
            kind: rank(features) === 3 ? ("descriptors" as const) : ("features" as const),
            value: features,
          }
        : undefined;
  const ids = root.get("unseen_class_indices");
  if (
    ids !== undefined &&
    (!Array.isArray(ids) || !ids.every((id) => typeof id === "number" && Number.isSafeInteger(id)))
  )
    throw new FormatError(`${source}: unseen_class_indices is not a list of integers`, {
      file: source,
      field: "unseen_class_indices",
    });
  const meta: Record<string, unknown> = { source: `PyTorch encoder_outputs.pt (schema v2)` };
  for (const [key, value] of root) {
    if (typeof key !== "string" || PT_ARRAY_KEYS.has(key)) continue;
    meta[key] = plainJson(value, `${source}: ${key}`);
  }
  if (meta["dataset"] === "synthetic" && meta["synthetic"] === undefined) meta["synthetic"] = true;
  const numUnseen = root.get("num_unseen");
  return {
    ...(volume ? { volume } : {}),
    logits: root.get("logits"),
    labels: root.get("labels"),
    ...(ids !== undefined ? { classIds: Int32Array.from(ids as number[]) } : {}),
    meta: parseBundleMeta(meta, source),
    check: (numClasses) => {
      if (numUnseen !== undefined && numUnseen !== numClasses)
        throw new ValueError(
          `${source}: num_unseen is ${String(numUnseen)} but logits have ${numClasses} classes`,
          {
            file: source,
            field: "num_unseen",
            value: numUnseen,
          },
        );
    },
  };
}

/** Decodes the authors' `encoder_outputs.pt` (schema v2, see `ptLayout`) held in memory. */
export function parseBundlePt(bytes: Uint8Array, source = "<encoder_outputs.pt>"): LabelledStream {
  const layout = ptLayout(parseTorch(bytes, { file: source }), source);
  const tensor = (value: unknown, key: string): NpyArray => {
    if (typeof value !== "object" || value === null || !("dtype" in value) || !("shape" in value))
      throw new FormatError(`${source}: ${key} is not a tensor`, { file: source, field: key });
    return value as NpyArray;
  };
  const arrays = new Map<string, NpyArray>();
  if (layout.volume) arrays.set(layout.volume.kind, tensor(layout.volume.value, layout.volume.key));
  if (layout.logits !== undefined) arrays.set("logits", tensor(layout.logits, "logits"));
  if (layout.labels !== undefined) arrays.set("labels", tensor(layout.labels, "labels"));
  if (layout.classIds)
    arrays.set("class_ids", {
      dtype: "i8",
      shape: [layout.classIds.length],
      data: BigInt64Array.from(layout.classIds, BigInt),
    });
  const bundle = bundleFromArrays(arrays, layout.meta, source);
  layout.check(bundle.logits.shape[1]!);
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
    // A ZIP: a PyTorch checkpoint has an <archive>/data.pkl member (only the central directory is read).
    return zipHasDataPkl(target) ? "pt" : "npz";
  }
  if (stat.size >= 8 && head[0] !== 0x93) return "safetensors";
  throw new FormatError(`${target}: not a bundle (expected a directory, .npz, .safetensors or .pt)`, {
    file: target,
  });
}

function zipHasDataPkl(target: string): boolean {
  const file = new OpenFile(target);
  try {
    return listZip(file.asZipSource(), target).some((e) => /(^|\/)data\.pkl$/.test(e.name));
  } finally {
    file.close();
  }
}

/** Reads a whole bundle in any format (for small bundles; `openBundleStream` streams any size). */
export function readBundle(target: string): LabelledStream {
  const format = detectBundleFormat(target);
  if (format === "dir") return readBundleDir(target);
  const bytes = readBytes(target);
  if (format === "npz") return parseBundleNpz(bytes, target);
  if (format === "safetensors") return parseBundleSafetensors(bytes, target);
  return parseBundlePt(bytes, target);
}

/**
 * Writes a bundle: a directory, or a file whose extension says .npz or
 * .safetensors (`format` overrides; `compress` deflates the .npz members).
 */
export function writeBundle(
  target: string,
  bundle: LabelledStream,
  format: Exclude<BundleFormat, "pt"> = bundleFormatFor(target),
  options: { readonly compress?: boolean } = {},
): void {
  if (format === "dir") writeBundleDir(target, bundle);
  else if (format === "npz") writeFileAtomic(target, encodeBundleNpz(bundle, options));
  else writeFileAtomic(target, encodeBundleSafetensors(bundle));
}
