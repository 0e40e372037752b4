import { FormatError } from "@skeleton-cache/errors";
import { type Shape, shapeSize } from "@skeleton-cache/tensor";
import { readFileBytes } from "./files.js";

/** NumPy dtypes this project reads and writes (little-endian, or byte-sized). */
export type NpyDtype =
  | "f4"
  | "f8"
  | "i1"
  | "i2"
  | "i4"
  | "i8"
  | "u1"
  | "u2"
  | "u4"
  | "u8"
  | "b1"
  | `U${number}`;

/** The typed array holding each numeric dtype's values. */
export type NpyData =
  | Float32Array
  | Float64Array
  | Int8Array
  | Int16Array
  | Int32Array
  | BigInt64Array
  | Uint8Array
  | Uint16Array
  | Uint32Array
  | BigUint64Array;

/** A decoded .npy array: values in C (row-major) order whatever the file's order. */
export interface NpyArray {
  readonly dtype: NpyDtype;
  readonly shape: Shape;
  /** Numeric data (bool as Uint8Array of 0/1); for `U` strings, `strings` holds the values. */
  readonly data: NpyData;
  readonly strings?: readonly string[];
}

const MAGIC = [0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59]; // \x93NUMPY

interface DtypeInfo {
  readonly size: number;
  make(buffer: ArrayBuffer, length: number): NpyData;
}

const NUMERIC: Record<string, DtypeInfo> = {
  f4: { size: 4, make: (b, n) => new Float32Array(b, 0, n) },
  f8: { size: 8, make: (b, n) => new Float64Array(b, 0, n) },
  i1: { size: 1, make: (b, n) => new Int8Array(b, 0, n) },
  i2: { size: 2, make: (b, n) => new Int16Array(b, 0, n) },
  i4: { size: 4, make: (b, n) => new Int32Array(b, 0, n) },
  i8: { size: 8, make: (b, n) => new BigInt64Array(b, 0, n) },
  u1: { size: 1, make: (b, n) => new Uint8Array(b, 0, n) },
  u2: { size: 2, make: (b, n) => new Uint16Array(b, 0, n) },
  u4: { size: 4, make: (b, n) => new Uint32Array(b, 0, n) },
  u8: { size: 8, make: (b, n) => new BigUint64Array(b, 0, n) },
  b1: { size: 1, make: (b, n) => new Uint8Array(b, 0, n) },
};

/** What the header of a .npy file says. */
export interface NpyHeader {
  readonly dtype: NpyDtype;
  readonly fortranOrder: boolean;
  readonly shape: Shape;
  /** Byte offset of the first data byte. */
  readonly dataOffset: number;
  /** Bytes per element. */
  readonly itemSize: number;
  readonly version: number;
}

function fail(file: string, position: number | string, message: string): never {
  throw new FormatError(`${file}: ${message} (at byte ${position})`, { file, position });
}

/** Parses the magic, version and header dict of a .npy file from its first bytes. */
export function parseNpyHeader(bytes: Uint8Array, file = "<npy>"): NpyHeader {
  if (bytes.length < 10) fail(file, bytes.length, "file too short for a .npy header");
  for (let i = 0; i < MAGIC.length; i++) {
    if (bytes[i] !== MAGIC[i]) fail(file, i, "not a .npy file (bad magic; expected \\x93NUMPY)");
  }
  const major = bytes[6]!;
  let headerLength: number;
  let headerStart: number;
  if (major === 1) {
    headerLength = bytes[8]! | (bytes[9]! << 8);
    headerStart = 10;
  } else if (major === 2 || major === 3) {
    if (bytes.length < 12) fail(file, bytes.length, "file too short for a v2/v3 .npy header");
    headerLength = (bytes[8]! | (bytes[9]! << 8) | (bytes[10]! << 16) | (bytes[11]! << 24)) >>> 0;
    headerStart = 12;
  } else {
    fail(file, 6, `unsupported .npy version ${major}.${bytes[7]}`);
  }
  const dataOffset = headerStart + headerLength;
  if (bytes.length < dataOffset)
    fail(file, bytes.length, `header says ${headerLength} bytes but the file ends`);
  const text = new TextDecoder(major === 3 ? "utf-8" : "latin1").decode(
    bytes.subarray(headerStart, dataOffset),
  );
  const descr = /'descr'\s*:\s*'([^']*)'/.exec(text);
  const fortran = /'fortran_order'\s*:\s*(True|False)/.exec(text);
  const shapeMatch = /'shape'\s*:\s*\(([^)]*)\)/.exec(text);
  if (!descr || !fortran || !shapeMatch)
    fail(file, headerStart, `malformed header dict: ${text.trim().slice(0, 120)}`);
  const shape: number[] = [];
  for (const part of shapeMatch[1]!.split(",")) {
    const trimmed = part.trim();
    if (trimmed === "") continue;
    // Decimal digits only (Python 2 may add an "L"), as numpy requires: no "1e3", "0x10" or "+4".
    const dim = /^\d+L?$/.test(trimmed) ? Number(trimmed.replace(/L$/, "")) : Number.NaN;
    if (!Number.isSafeInteger(dim) || dim < 0)
      fail(file, headerStart, `bad shape entry ${JSON.stringify(trimmed)}`);
    shape.push(dim);
  }
  const { dtype, itemSize } = parseDescr(descr[1]!, file, headerStart);
  if (!Number.isSafeInteger(shapeSize(shape) * itemSize))
    fail(file, headerStart, `shape (${shape.join(", ")}) is too large`);
  return { dtype, fortranOrder: fortran[1] === "True", shape, dataOffset, itemSize, version: major };
}

function parseDescr(descr: string, file: string, position: number): { dtype: NpyDtype; itemSize: number } {
  if (descr === "|O" || descr.endsWith("O")) {
    fail(
      file,
      position,
      "object arrays (dtype 'O') are refused: they need pickle; save plain numeric arrays",
    );
  }
  const match = /^([<>|=]?)([a-zA-Z])(\d+)$/.exec(descr);
  if (!match) fail(file, position, `unsupported dtype descr '${descr}'`);
  const [, order, kind, sizeText] = match;
  const size = Number(sizeText);
  if (order === ">" && size > 1) fail(file, position, `big-endian dtype '${descr}' is not supported`);
  if (kind === "U") return { dtype: `U${size}`, itemSize: size * 4 };
  const key = kind === "?" || (kind === "b" && size === 1 && descr.includes("b1")) ? "b1" : `${kind}${size}`;
  if (kind === "b" && size === 1) return { dtype: "b1", itemSize: 1 };
  if (!(key in NUMERIC)) fail(file, position, `unsupported dtype descr '${descr}'`);
  return { dtype: key as NpyDtype, itemSize: size };
}

/** Reorders Fortran-order element data to C order (elementwise, by item size). */
function fortranToC(src: Uint8Array, shape: Shape, itemSize: number): Uint8Array<ArrayBuffer> {
  const count = shapeSize(shape);
  const out = new Uint8Array(count * itemSize);
  const rank = shape.length;
  const index = new Array<number>(rank).fill(0);
  // Fortran strides (in elements): first axis fastest.
  const fStrides = new Array<number>(rank);
  let stride = 1;
  for (let axis = 0; axis < rank; axis++) {
    fStrides[axis] = stride;
    stride *= shape[axis]!;
  }
  for (let flatC = 0; flatC < count; flatC++) {
    let flatF = 0;
    for (let axis = 0; axis < rank; axis++) flatF += index[axis]! * fStrides[axis]!;
    out.set(src.subarray(flatF * itemSize, flatF * itemSize + itemSize), flatC * itemSize);
    for (let axis = rank - 1; axis >= 0; axis--) {
      index[axis]!++;
      if (index[axis]! < shape[axis]!) break;
      index[axis] = 0;
    }
  }
  return out;
}

/**
 * Decodes the raw element bytes of an array (little-endian, the given order)
 * into an `NpyArray` in C order. `raw` must hold exactly the array's bytes.
 */
export function decodeNpyData(
  raw: Uint8Array,
  dtype: NpyDtype,
  shape: Shape,
  fortranOrder = false,
  file = "<npy>",
): NpyArray {
  const itemSize = itemSizeOf(dtype);
  const count = shapeSize(shape);
  if (raw.length !== count * itemSize) {
    fail(
      file,
      raw.length,
      `data has ${raw.length} bytes, shape (${shape.join(", ")}) of ${dtype} needs ${count * itemSize}`,
    );
  }
  // Copy into a fresh, aligned buffer (a Node Buffer may be a view into a shared pool).
  let copy = new Uint8Array(raw.length);
  copy.set(raw);
  if (fortranOrder && shape.length > 1) copy = fortranToC(copy, shape, itemSize);
  if (dtype.startsWith("U")) {
    const chars = itemSize / 4;
    const view = new DataView(copy.buffer, copy.byteOffset, copy.byteLength);
    const strings: string[] = [];
    for (let elementIndex = 0; elementIndex < count; elementIndex++) {
      let s = "";
      for (let charIndex = 0; charIndex < chars; charIndex++) {
        const code = view.getUint32((elementIndex * chars + charIndex) * 4, true);
        if (code === 0) break;
        if (code > 0x10ffff)
          fail(
            file,
            (elementIndex * chars + charIndex) * 4,
            `string element ${elementIndex} holds code ${code}`,
          );
        s += String.fromCodePoint(code);
      }
      strings.push(s);
    }
    return { dtype, shape: [...shape], data: new Uint8Array(0), strings };
  }
  if (dtype === "b1") {
    for (let elementIndex = 0; elementIndex < count; elementIndex++) {
      if (copy[elementIndex]! > 1)
        fail(file, elementIndex, `bool element ${elementIndex} is ${copy[elementIndex]}, not 0 or 1`);
    }
  }
  const info = NUMERIC[dtype]!;
  return { dtype, shape: [...shape], data: info.make(copy.buffer as ArrayBuffer, count) };
}

/** Bytes per element of a dtype. */
export function itemSizeOf(dtype: NpyDtype): number {
  if (dtype.startsWith("U")) return Number(dtype.slice(1)) * 4;
  const info = NUMERIC[dtype];
  if (!info) throw new FormatError(`unknown dtype ${dtype}`, { value: dtype });
  return info.size;
}

/** Decodes a whole .npy file held in memory. */
export function parseNpy(bytes: Uint8Array, file = "<npy>"): NpyArray {
  const header = parseNpyHeader(bytes, file);
  const count = shapeSize(header.shape);
  const byteLength = count * header.itemSize;
  const available = bytes.length - header.dataOffset;
  if (available < byteLength) {
    fail(
      file,
      bytes.length,
      `data truncated: shape (${header.shape.join(", ")}) needs ${byteLength} bytes, file has ${available}`,
    );
  }
  if (available > byteLength) {
    fail(
      file,
      header.dataOffset + byteLength,
      `${available - byteLength} bytes after the data of shape (${header.shape.join(", ")}); the header and the data disagree`,
    );
  }
  return decodeNpyData(
    bytes.subarray(header.dataOffset, header.dataOffset + byteLength),
    header.dtype,
    header.shape,
    header.fortranOrder,
    file,
  );
}

/** Reads and decodes a .npy file. */
export function readNpy(path: string): NpyArray {
  const bytes = readFileBytes(path);
  return parseNpy(bytes, path);
}

/** Values of a numeric array as float32 (int64 converted exactly where representable). */
export function toFloat32(array: NpyArray, file = "<npy>"): Float32Array {
  const { data } = array;
  if (array.strings) throw new FormatError(`${file}: string array cannot be read as numbers`, { file });
  if (data instanceof Float32Array) return data;
  const out = new Float32Array(data.length);
  for (let i = 0; i < data.length; i++) out[i] = Number(data[i]!);
  return out;
}

/** Values of an integer array as plain numbers (throws past 2^53). */
export function toIntArray(array: NpyArray, file = "<npy>"): Int32Array {
  const { data } = array;
  if (array.strings) throw new FormatError(`${file}: string array cannot be read as integers`, { file });
  const out = new Int32Array(data.length);
  for (let i = 0; i < data.length; i++) {
    const v = Number(data[i]!);
    if (!Number.isInteger(v) || v > 2147483647 || v < -2147483648) {
      throw new FormatError(`${file}: element ${i} is ${v}, not a 32-bit integer`, {
        file,
        position: i,
        value: v,
      });
    }
    out[i] = v;
  }
  return out;
}

const DESCR: Record<string, string> = {
  f4: "<f4",
  f8: "<f8",
  i1: "|i1",
  i2: "<i2",
  i4: "<i4",
  i8: "<i8",
  u1: "|u1",
  u2: "<u2",
  u4: "<u4",
  u8: "<u8",
  b1: "|b1",
};

function dtypeOf(data: NpyData): NpyDtype {
  if (data instanceof Float32Array) return "f4";
  if (data instanceof Float64Array) return "f8";
  if (data instanceof Int8Array) return "i1";
  if (data instanceof Int16Array) return "i2";
  if (data instanceof Int32Array) return "i4";
  if (data instanceof BigInt64Array) return "i8";
  if (data instanceof Uint16Array) return "u2";
  if (data instanceof Uint32Array) return "u4";
  if (data instanceof BigUint64Array) return "u8";
  return "u1";
}

/** Encodes the header (v1, or v2 when the dict does not fit) for an array of this dtype and shape. */
export function encodeNpyHeader(dtype: NpyDtype, shape: Shape): Uint8Array {
  const descr = dtype.startsWith("U") ? `<${dtype}` : DESCR[dtype]!;
  const shapeText = shape.length === 1 ? `(${shape[0]},)` : `(${shape.join(", ")})`;
  let dict = `{'descr': '${descr}', 'fortran_order': False, 'shape': ${shapeText}, }`;
  let version = 1;
  let prefix = 10;
  if (dict.length + prefix + 1 > 65535) {
    version = 2;
    prefix = 12;
  }
  const total = Math.ceil((prefix + dict.length + 1) / 64) * 64;
  dict = dict + " ".repeat(total - prefix - dict.length - 1) + "\n";
  const out = new Uint8Array(total);
  out.set(MAGIC, 0);
  out[6] = version;
  out[7] = 0;
  if (version === 1) {
    out[8] = dict.length & 0xff;
    out[9] = dict.length >> 8;
  } else {
    new DataView(out.buffer).setUint32(8, dict.length, true);
  }
  for (let i = 0; i < dict.length; i++) out[prefix + i] = dict.charCodeAt(i);
  return out;
}

/** Encodes a numeric array as a .npy file (C order). Pass `dtype: "b1"` to write a Uint8Array as bool. */
export function encodeNpy(data: NpyData, shape: Shape, dtype: NpyDtype = dtypeOf(data)): Uint8Array {
  if (shapeSize(shape) !== data.length) {
    throw new FormatError(`encodeNpy: ${data.length} values do not fill shape (${shape.join(", ")})`, {
      value: data.length,
      expected: shapeSize(shape),
    });
  }
  const header = encodeNpyHeader(dtype, shape);
  const body = new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
  const out = new Uint8Array(header.length + body.length);
  out.set(header, 0);
  out.set(body, header.length);
  return out;
}

/** Encodes strings as a little-endian `<U{width}` .npy file (width = longest string in code points, at least 1). */
export function encodeNpyStrings(
  strings: readonly string[],
  shape: Shape = [strings.length],
  width?: number,
): Uint8Array {
  if (shapeSize(shape) !== strings.length) {
    throw new FormatError(
      `encodeNpyStrings: ${strings.length} strings do not fill shape (${shape.join(", ")})`,
      {
        value: strings.length,
        expected: shapeSize(shape),
      },
    );
  }
  const codePoints = strings.map((s) => Array.from(s, (c) => c.codePointAt(0)!));
  const longest = codePoints.reduce((m, cps) => Math.max(m, cps.length), 1);
  const chars = width ?? longest;
  if (chars < longest) {
    throw new FormatError(
      `encodeNpyStrings: width ${chars} is shorter than the longest string (${longest})`,
      {
        value: chars,
        expected: longest,
      },
    );
  }
  const header = encodeNpyHeader(`U${chars}`, shape);
  const out = new Uint8Array(header.length + strings.length * chars * 4);
  out.set(header, 0);
  const view = new DataView(out.buffer);
  for (let elementIndex = 0; elementIndex < codePoints.length; elementIndex++) {
    const cps = codePoints[elementIndex]!;
    for (let charIndex = 0; charIndex < cps.length; charIndex++) {
      view.setUint32(header.length + (elementIndex * chars + charIndex) * 4, cps[charIndex]!, true);
    }
  }
  return out;
}

/** Encodes a decoded array (numeric or strings) back to .npy bytes. */
export function encodeNpyArray(array: NpyArray): Uint8Array {
  if (array.strings) return encodeNpyStrings(array.strings, array.shape, Number(array.dtype.slice(1)));
  return encodeNpy(array.data, array.shape, array.dtype);
}
