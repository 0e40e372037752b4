import { FormatError } from "@skeleton-cache/errors";
import { readFileBytes } from "@skeleton-cache/formats";
import { Unzlib } from "fflate";

/** MATLAB array classes this reader returns (numeric, real, dense). */
export type MatClass =
  | "double"
  | "single"
  | "int8"
  | "uint8"
  | "int16"
  | "uint16"
  | "int32"
  | "uint32"
  | "int64"
  | "uint64";

/** One numeric variable of a MAT file; `data` holds its values in MATLAB's column-major order. */
export interface MatArray {
  readonly name: string;
  readonly className: MatClass;
  readonly dims: readonly number[];
  readonly logical: boolean;
  readonly data: Float64Array;
}

// mxClass ids (MAT-File Format, table 1-3).
const CLASS_NAMES: Record<number, MatClass | string> = {
  1: "cell",
  2: "struct",
  3: "object",
  4: "char",
  5: "sparse",
  6: "double",
  7: "single",
  8: "int8",
  9: "uint8",
  10: "int16",
  11: "uint16",
  12: "int32",
  13: "uint32",
  14: "int64",
  15: "uint64",
};
const NUMERIC_CLASSES = new Set([6, 7, 8, 9, 10, 11, 12, 13, 14, 15]);

// MAT data types (table 1-1): element size in bytes.
const MI_INT8 = 1;
const MI_UINT32 = 6;
const MI_INT32 = 5;
const MI_MATRIX = 14;
const MI_COMPRESSED = 15;
const TYPE_SIZE: Record<number, number> = { 1: 1, 2: 1, 3: 2, 4: 2, 5: 4, 6: 4, 7: 4, 9: 8, 12: 8, 13: 8 };

/** Largest inflated element accepted (guards against a corrupt length asking for gigabytes). */
const MAX_INFLATED = 1 << 28;

/**
 * Inflates a zlib stream (an miCOMPRESSED element) with fflate, 64 KiB of
 * input at a time so a corrupt stream cannot ask for more than
 * MAX_INFLATED bytes, then checks its Adler-32 trailer (fflate skips it;
 * the check is hand-written because fflate does not export one).
 */
function inflateZlib(data: Uint8Array): Uint8Array {
  const chunks: Uint8Array[] = [];
  let total = 0;
  const inflater = new Unzlib((chunk) => {
    total += chunk.length;
    if (total > MAX_INFLATED) throw new Error(`inflates to more than ${MAX_INFLATED} bytes`);
    chunks.push(chunk);
  });
  const step = 1 << 16;
  for (let at = 0; at < data.length || at === 0; at += step)
    inflater.push(data.subarray(at, at + step), at + step >= data.length);
  const out = new Uint8Array(total);
  let offset = 0;
  for (const chunk of chunks) {
    out.set(chunk, offset);
    offset += chunk.length;
  }
  let a = 1;
  let b = 0;
  for (let i = 0; i < out.length; i++) {
    a = (a + out[i]!) % 65521;
    b = (b + a) % 65521;
  }
  const expected = new DataView(data.buffer, data.byteOffset + data.length - 4, 4).getUint32(0, false);
  if (((b << 16) | a) >>> 0 !== expected) throw new Error("Adler-32 checksum mismatch");
  return out;
}

interface Tag {
  readonly type: number;
  readonly size: number;
  /** Offset of the element's data. */
  readonly data: number;
  /** Offset of the next element. */
  readonly next: number;
}

class MatReader {
  private readonly view: DataView;
  constructor(
    readonly bytes: Uint8Array,
    readonly file: string,
    readonly little: boolean,
    /** Where `bytes` sits, for messages: "" for the file, or " inside the compressed element at byte N". */
    readonly where: string,
  ) {
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }

  fail(offset: number, message: string): never {
    throw new FormatError(`${this.file}: ${message} (at byte ${offset}${this.where})`, {
      file: this.file,
      position: this.where ? `${offset}${this.where}` : offset,
    });
  }

  u32(offset: number): number {
    return this.view.getUint32(offset, this.little);
  }

  tag(offset: number, end: number): Tag {
    if (end - offset < 8) this.fail(offset, `truncated data element tag (${end - offset} bytes left)`);
    const first = this.u32(offset);
    if (first >>> 16 !== 0) {
      // Small data element: size in the upper 16 bits, type in the lower, data in the next 4 bytes.
      const size = first >>> 16;
      if (size > 4) this.fail(offset, `small data element claims ${size} bytes (at most 4)`);
      return { type: first & 0xffff, size, data: offset + 4, next: offset + 8 };
    }
    const type = first;
    const size = this.u32(offset + 4);
    const data = offset + 8;
    if (size > end - data)
      this.fail(offset, `element of type ${type} claims ${size} bytes but ${end - data} remain`);
    // Compressed elements are not padded; the others end on an 8-byte boundary.
    const next = type === MI_COMPRESSED ? data + size : Math.min(end, data + Math.ceil(size / 8) * 8);
    return { type, size, data, next };
  }

  numeric(tag: Tag, count: number, what: string): Float64Array {
    const itemSize = TYPE_SIZE[tag.type];
    if (itemSize === undefined) this.fail(tag.data - 8, `${what}: unsupported data type ${tag.type}`);
    if (tag.size !== count * itemSize)
      this.fail(tag.data - 8, `${what}: ${tag.size} bytes do not hold ${count} values of ${itemSize} bytes`);
    const out = new Float64Array(count);
    const v = this.view;
    const le = this.little;
    for (let i = 0, at = tag.data; i < count; i++, at += itemSize) {
      switch (tag.type) {
        case 1:
          out[i] = v.getInt8(at);
          break;
        case 2:
          out[i] = v.getUint8(at);
          break;
        case 3:
          out[i] = v.getInt16(at, le);
          break;
        case 4:
          out[i] = v.getUint16(at, le);
          break;
        case 5:
          out[i] = v.getInt32(at, le);
          break;
        case 6:
          out[i] = v.getUint32(at, le);
          break;
        case 7:
          out[i] = v.getFloat32(at, le);
          break;
        case 9:
          out[i] = v.getFloat64(at, le);
          break;
        case 12:
          out[i] = Number(v.getBigInt64(at, le));
          break;
        default:
          out[i] = Number(v.getBigUint64(at, le));
      }
    }
    return out;
  }

  /** Parses one miMATRIX element's contents [start, end). */
  matrix(start: number, end: number): MatArray | undefined {
    if (start === end) return undefined; // an empty miMATRIX: nothing stored
    const flagsTag = this.tag(start, end);
    if (flagsTag.type !== MI_UINT32 || flagsTag.size !== 8)
      this.fail(
        start,
        `array flags must be 8 bytes of miUINT32, found type ${flagsTag.type}, ${flagsTag.size} bytes`,
      );
    const flags = this.u32(flagsTag.data);
    const classId = flags & 0xff;
    const complex = (flags & 0x800) !== 0;
    const logical = (flags & 0x200) !== 0;
    const dimsTag = this.tag(flagsTag.next, end);
    if (dimsTag.type !== MI_INT32 || dimsTag.size % 4 !== 0 || dimsTag.size < 8)
      this.fail(
        flagsTag.next,
        `dimensions must be at least 2 miINT32 values, found type ${dimsTag.type}, ${dimsTag.size} bytes`,
      );
    const dims: number[] = [];
    for (let at = dimsTag.data; at < dimsTag.data + dimsTag.size; at += 4) {
      const d = this.view.getInt32(at, this.little);
      if (d < 0) this.fail(at, `negative dimension ${d}`);
      dims.push(d);
    }
    const nameTag = this.tag(dimsTag.next, end);
    if (nameTag.type !== MI_INT8)
      this.fail(dimsTag.next, `array name must be miINT8, found type ${nameTag.type}`);
    const name = new TextDecoder("latin1").decode(
      this.bytes.subarray(nameTag.data, nameTag.data + nameTag.size),
    );
    const className = CLASS_NAMES[classId];
    if (!NUMERIC_CLASSES.has(classId))
      this.fail(
        start,
        `variable ${JSON.stringify(name)} has class ${className ?? classId}; only real numeric arrays are supported`,
      );
    if (complex)
      this.fail(start, `variable ${JSON.stringify(name)} is complex; only real arrays are supported`);
    let count = 1;
    for (const d of dims) count *= d;
    const realTag = this.tag(nameTag.next, end);
    const data = this.numeric(realTag, count, `variable ${JSON.stringify(name)} real part`);
    return { name, className: className as MatClass, dims, logical, data };
  }

  /** Top-level elements of [start, end). */
  elements(start: number, end: number, out: Map<string, MatArray>): void {
    let offset = start;
    while (offset < end) {
      if (end - offset < 8 && this.bytes.subarray(offset, end).every((b) => b === 0)) break; // trailing padding
      const tag = this.tag(offset, end);
      if (tag.type === MI_COMPRESSED) {
        let inflated: Uint8Array;
        try {
          inflated = inflateZlib(this.bytes.subarray(tag.data, tag.data + tag.size));
        } catch (error) {
          this.fail(offset, `compressed element does not inflate (${(error as Error).message})`);
        }
        const inner = new MatReader(
          inflated,
          this.file,
          this.little,
          ` inside the compressed element at byte ${offset}`,
        );
        inner.elements(0, inflated.length, out);
      } else if (tag.type === MI_MATRIX) {
        const array = this.matrix(tag.data, tag.data + tag.size);
        if (array) out.set(array.name, array);
      } else {
        this.fail(offset, `unexpected top-level data element of type ${tag.type}`);
      }
      offset = tag.next;
    }
  }
}

/**
 * Reads a MATLAB v5 MAT file (the format of `save -v6` / `-v7`): a 128-byte
 * header, then data elements — miMATRIX (array flags, dimensions, name, real
 * part) and miCOMPRESSED (zlib) — in either byte order, small-element format
 * included. Returns the real numeric variables by name. Cell, struct, char,
 * sparse and complex arrays and v7.3 (HDF5) files are refused with a
 * FormatError naming the file and byte offset.
 */
export function parseMat(bytes: Uint8Array, file = "<mat>"): Map<string, MatArray> {
  if (bytes.length < 128)
    throw new FormatError(
      `${file}: ${bytes.length} bytes, too short for a MAT-file header (at byte ${bytes.length})`,
      {
        file,
        position: bytes.length,
      },
    );
  const text = new TextDecoder("latin1").decode(bytes.subarray(0, 116));
  if (text.startsWith("MATLAB 7.3"))
    throw new FormatError(`${file}: MAT v7.3 (HDF5) files are not supported; save with -v7 (at byte 0)`, {
      file,
      position: 0,
    });
  if (!text.startsWith("MATLAB 5.0 MAT-file"))
    throw new FormatError(
      `${file}: not a MATLAB v5 MAT file (header text ${JSON.stringify(text.slice(0, 20))}) (at byte 0)`,
      {
        file,
        position: 0,
      },
    );
  const endian = String.fromCharCode(bytes[126]!, bytes[127]!);
  if (endian !== "IM" && endian !== "MI")
    throw new FormatError(`${file}: bad endian indicator ${JSON.stringify(endian)} (at byte 126)`, {
      file,
      position: 126,
      value: endian,
    });
  const reader = new MatReader(bytes, file, endian === "IM", "");
  const out = new Map<string, MatArray>();
  reader.elements(128, bytes.length, out);
  return out;
}

/** Reads a MAT v5 file from disk (see parseMat). */
export function readMat(file: string): Map<string, MatArray> {
  const bytes = readFileBytes(file, "MAT file");
  return parseMat(bytes, file);
}
