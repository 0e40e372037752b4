import { FormatError } from "@skeleton-cache/errors";
import { type Shape, shapeSize } from "@skeleton-cache/tensor";
import { readFileBytes, writeFileAtomic } from "./files.js";
import { decodeNpyData, itemSizeOf, type NpyArray, type NpyDtype } from "./npy.js";
import { type ArrayStream, arrayStream, OpenFile, StoredRange } from "./stream.js";

/**
 * safetensors: an 8-byte little-endian header length, a JSON header
 * `{name: {dtype, shape, data_offsets: [begin, end]}, __metadata__?: {str: str}}`
 * and the raw little-endian data. Tensors must tile the data exactly.
 */

/** The decoded contents of a safetensors file. */
export interface Safetensors {
  readonly tensors: Map<string, NpyArray>;
  /** The `__metadata__` string map ({} when absent). */
  readonly metadata: Record<string, string>;
}

const TO_NPY: Record<string, NpyDtype> = {
  F32: "f4",
  F64: "f8",
  I8: "i1",
  I16: "i2",
  I32: "i4",
  I64: "i8",
  U8: "u1",
  U16: "u2",
  U32: "u4",
  U64: "u8",
  BOOL: "b1",
};
const FROM_NPY: Record<string, string> = Object.fromEntries(Object.entries(TO_NPY).map(([k, v]) => [v, k]));

function fail(file: string, position: number | string, message: string, field?: string): never {
  throw new FormatError(
    `${file}: ${message} (at ${typeof position === "number" ? `byte ${position}` : position})`,
    {
      file,
      position,
      ...(field === undefined ? {} : { field }),
    },
  );
}

/** One tensor as the header describes it: dtype, shape and its byte span in the data block. */
export interface SafetensorsEntry {
  readonly dtype: NpyDtype;
  readonly shape: Shape;
  /** Offsets into the data block (which starts at `dataStart`). */
  readonly begin: number;
  readonly end: number;
}

/** A parsed and checked safetensors header. */
export interface SafetensorsHeader {
  /** File offset of the data block: 8 + the header length. */
  readonly dataStart: number;
  /** Tensors in header order. */
  readonly entries: Map<string, SafetensorsEntry>;
  readonly metadata: Record<string, string>;
}

function parseEntry(
  name: string,
  raw: unknown,
  dataLength: number,
  dataStart: number,
  file: string,
): SafetensorsEntry {
  const where = `header.${name}`;
  const info = raw as { dtype?: unknown; shape?: unknown; data_offsets?: unknown };
  if (typeof info !== "object" || info === null) fail(file, where, "tensor entry is not an object", name);
  const dtype = typeof info.dtype === "string" ? TO_NPY[info.dtype] : undefined;
  if (!dtype) fail(file, `${where}.dtype`, `unsupported dtype ${JSON.stringify(info.dtype)}`, name);
  const shape = info.shape;
  if (!Array.isArray(shape) || !shape.every((d) => Number.isSafeInteger(d) && d >= 0))
    fail(file, `${where}.shape`, `bad shape ${JSON.stringify(shape)}`, name);
  const offsets = info.data_offsets;
  if (
    !Array.isArray(offsets) ||
    offsets.length !== 2 ||
    !offsets.every((d) => Number.isSafeInteger(d) && d >= 0) ||
    offsets[0] > offsets[1]
  )
    fail(file, `${where}.data_offsets`, `bad data_offsets ${JSON.stringify(offsets)}`, name);
  const [begin, end] = offsets as [number, number];
  if (end > dataLength)
    fail(
      file,
      dataStart + dataLength,
      `file ends at byte ${dataStart + dataLength}, but tensor ${name} needs bytes ${dataStart + begin}..${dataStart + end - 1}`,
      name,
    );
  const expected = shapeSize(shape as Shape) * itemSizeOf(dtype);
  if (end - begin !== expected)
    fail(
      file,
      `${where}.data_offsets`,
      `${end - begin} bytes for shape (${(shape as number[]).join(", ")}) of ${info.dtype as string}, which needs ${expected}`,
      name,
    );
  return { dtype, shape: shape as Shape, begin, end };
}

/**
 * Parses and checks a safetensors header: `headerBytes` is the JSON,
 * `dataLength` the bytes after it. The tensors must tile the data exactly.
 */
export function parseSafetensorsHeader(
  headerBytes: Uint8Array,
  dataLength: number,
  file = "<safetensors>",
): SafetensorsHeader {
  const dataStart = 8 + headerBytes.length;
  let header: unknown;
  try {
    header = JSON.parse(new TextDecoder("utf-8", { fatal: true }).decode(headerBytes));
  } catch (error) {
    fail(file, 8, `header is not valid UTF-8 JSON (${(error as Error).message})`);
  }
  if (typeof header !== "object" || header === null || Array.isArray(header))
    fail(file, 8, "header is not a JSON object");
  const entries = new Map<string, SafetensorsEntry>();
  let metadata: Record<string, string> = {};
  for (const [name, raw] of Object.entries(header as Record<string, unknown>)) {
    if (name === "__metadata__") {
      if (typeof raw !== "object" || raw === null || Array.isArray(raw))
        fail(file, "header.__metadata__", "__metadata__ is not an object", name);
      for (const [key, value] of Object.entries(raw)) {
        if (typeof value !== "string")
          fail(file, `header.__metadata__.${key}`, `metadata value is ${typeof value}, not a string`, key);
      }
      metadata = { ...(raw as Record<string, string>) };
      continue;
    }
    entries.set(name, parseEntry(name, raw, dataLength, dataStart, file));
  }
  // The tensors must tile the data: no gaps, no overlaps, nothing left over.
  const spans = [...entries].sort(([, a], [, b]) => a.begin - b.begin || a.end - b.end);
  let cursor = 0;
  for (const [name, { begin, end }] of spans) {
    if (begin !== cursor)
      fail(
        file,
        dataStart + cursor,
        `tensor ${name} starts at ${begin}, expected ${cursor} (gap or overlap)`,
        name,
      );
    cursor = end;
  }
  if (cursor !== dataLength)
    fail(file, dataStart + cursor, `${dataLength - cursor} bytes after the last tensor`);
  return { dataStart, entries, metadata };
}

/** The header length (first 8 bytes), checked against the file size. */
function headerLength(first8: Uint8Array, size: number, file: string): number {
  if (size < 8) fail(file, size, "file too short for a safetensors header length");
  const length = new DataView(first8.buffer, first8.byteOffset, 8).getBigUint64(0, true);
  if (length > BigInt(size - 8)) fail(file, 0, `header length ${length} exceeds the file`);
  return Number(length);
}

/** Decodes a safetensors file held in memory. */
export function parseSafetensors(bytes: Uint8Array, file = "<safetensors>"): Safetensors {
  const length = headerLength(bytes, bytes.length, file);
  const { dataStart, entries, metadata } = parseSafetensorsHeader(
    bytes.subarray(8, 8 + length),
    bytes.length - 8 - length,
    file,
  );
  const tensors = new Map<string, NpyArray>();
  for (const [name, { dtype, shape, begin, end }] of entries) {
    tensors.set(
      name,
      decodeNpyData(
        bytes.subarray(dataStart + begin, dataStart + end),
        dtype,
        shape,
        false,
        `${file}[${name}]`,
      ),
    );
  }
  return { tensors, metadata };
}

/** A safetensors file opened for streaming: the header is read, the data is not. */
export interface SafetensorsStream {
  readonly path: string;
  readonly header: SafetensorsHeader;
  /** Opens tensor `name` for streaming (stored data, read by offset). */
  tensor(name: string): ArrayStream;
  close(): void;
}

/** Opens a safetensors file for streaming; a file shorter than its header says fails here, naming the byte. */
export function openSafetensorsStream(path: string): SafetensorsStream {
  const file = new OpenFile(path);
  try {
    const length = headerLength(file.read(0, Math.min(8, file.size)), file.size, path);
    const header = parseSafetensorsHeader(file.read(8, length), file.size - 8 - length, path);
    return {
      path,
      header,
      tensor(name) {
        const entry = header.entries.get(name);
        if (!entry) throw new FormatError(`${path}: no tensor ${name}`, { file: path, field: name });
        const range = new StoredRange(
          file,
          header.dataStart + entry.begin,
          entry.end - entry.begin,
          `${path}[${name}]`,
        );
        return arrayStream(range, {
          dtype: entry.dtype,
          shape: entry.shape,
          itemSize: itemSizeOf(entry.dtype),
        });
      },
      close: () => file.close(),
    };
  } catch (error) {
    file.close();
    throw error;
  }
}

/** Reads and decodes a safetensors file. */
export function readSafetensors(path: string): Safetensors {
  const bytes = readFileBytes(path);
  return parseSafetensors(bytes, path);
}

/**
 * The first bytes of a safetensors file holding tensors of these dtypes and
 * shapes, in this order: the 8-byte length and the JSON header, space-padded
 * to 8 bytes. The data follows, each tensor's bytes in the same order.
 */
export function encodeSafetensorsHeader(
  tensors: readonly (readonly [string, { readonly dtype: NpyDtype; readonly shape: Shape }])[],
  metadata: Readonly<Record<string, string>> = {},
): Uint8Array {
  const header: Record<string, unknown> = {};
  if (Object.keys(metadata).length > 0) header["__metadata__"] = { ...metadata };
  let offset = 0;
  for (const [name, { dtype, shape }] of tensors) {
    const code = FROM_NPY[dtype];
    if (!code)
      throw new FormatError(
        `encodeSafetensors: tensor ${name} has dtype ${dtype}, which safetensors cannot hold`,
        {
          field: name,
          value: dtype,
        },
      );
    const length = shapeSize(shape) * itemSizeOf(dtype);
    header[name] = { dtype: code, shape: [...shape], data_offsets: [offset, offset + length] };
    offset += length;
  }
  let json = JSON.stringify(header);
  json += " ".repeat((8 - (Buffer.byteLength(json) % 8)) % 8);
  const headerBytes = new TextEncoder().encode(json);
  const out = new Uint8Array(8 + headerBytes.length);
  new DataView(out.buffer).setBigUint64(0, BigInt(headerBytes.length), true);
  out.set(headerBytes, 8);
  return out;
}

/** Encodes tensors (in the given order) and optional metadata; the header is space-padded to 8 bytes. */
export function encodeSafetensors(
  tensors: ReadonlyMap<string, NpyArray> | Readonly<Record<string, NpyArray>>,
  metadata: Readonly<Record<string, string>> = {},
): Uint8Array {
  const entries = tensors instanceof Map ? [...tensors.entries()] : Object.entries(tensors);
  for (const [name, array] of entries) {
    if (array.strings)
      throw new FormatError(
        `encodeSafetensors: tensor ${name} has dtype ${array.dtype}, which safetensors cannot hold`,
        {
          field: name,
          value: array.dtype,
        },
      );
  }
  const header = encodeSafetensorsHeader(entries, metadata);
  const bodies = entries.map(
    ([, array]) => new Uint8Array(array.data.buffer, array.data.byteOffset, array.data.byteLength),
  );
  const out = new Uint8Array(header.length + bodies.reduce((total, body) => total + body.length, 0));
  out.set(header, 0);
  let at = header.length;
  for (const body of bodies) {
    out.set(body, at);
    at += body.length;
  }
  return out;
}

/** Writes a safetensors file atomically. */
export function writeSafetensors(
  path: string,
  tensors: ReadonlyMap<string, NpyArray> | Readonly<Record<string, NpyArray>>,
  metadata: Readonly<Record<string, string>> = {},
): void {
  writeFileAtomic(path, encodeSafetensors(tensors, metadata));
}
