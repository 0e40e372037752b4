import fs from "node:fs";
import { crc32 } from "node:zlib";
import { FormatError } from "@skeleton-cache/errors";
import { type Shape, shapeSize } from "@skeleton-cache/tensor";
import { Inflate } from "fflate";
import {
  decodeNpyData,
  type NpyArray,
  type NpyDtype,
  type NpyHeader,
  parseNpyHeader,
  toFloat32,
} from "./npy.js";
import { checkInflatedSize, type ZipEntry, type ZipSource } from "./zip.js";

/**
 * Streaming reads of arrays stored in files: an array's rows (slices along
 * axis 0) are read in chunks from a byte offset straight into a caller's
 * float32 buffer, so files far larger than memory are walked in constant
 * memory and each byte is copied once, by the read itself (float64 arrays
 * pass through a scratch buffer and are converted). The bytes come from a
 * stored range of the file, or from a deflated ZIP member inflated chunk by
 * chunk (fflate's streaming `Inflate`, bounded memory). A range shorter than
 * its header promises fails when opened, and a file that shrinks while it is
 * read fails at the chunk that is short; both name the file and byte offset.
 */

function fail(file: string, position: number, message: string): never {
  throw new FormatError(`${file}: ${message} (at byte ${position})`, { file, position });
}

/** An open file whose handle the arrays read from it share. */
export class OpenFile {
  readonly size: number;
  private fd: number | undefined;

  constructor(readonly path: string) {
    try {
      this.fd = fs.openSync(path, "r");
      this.size = fs.fstatSync(this.fd).size;
    } catch (error) {
      if (this.fd !== undefined) fs.closeSync(this.fd);
      throw new FormatError(
        `${path}: cannot open (${(error as Error).message})`,
        { file: path },
        { cause: error },
      );
    }
  }

  /** Fills `target` with the bytes from `position`; a short read names the byte where the file ended. */
  readInto(target: Uint8Array, position: number, file = this.path): void {
    if (this.fd === undefined) throw new FormatError(`${file}: file is closed`, { file });
    let done = 0;
    while (done < target.length) {
      const n = fs.readSync(this.fd, target, done, target.length - done, position + done);
      if (n === 0)
        fail(
          file,
          position + done,
          `file ends while reading bytes ${position}..${position + target.length - 1}`,
        );
      done += n;
    }
  }

  /** `length` bytes from `position`, in a new buffer. */
  read(position: number, length: number): Uint8Array {
    const out = new Uint8Array(length);
    this.readInto(out, position);
    return out;
  }

  /** The file as a `ZipSource` (reads only what the ZIP listing asks for). */
  asZipSource(): ZipSource {
    return { size: this.size, read: (offset, length) => this.read(offset, length) };
  }

  close(): void {
    if (this.fd !== undefined) fs.closeSync(this.fd);
    this.fd = undefined;
  }
}

/** Bytes 0..length-1 of something inside a file (a .npy file, a ZIP member, a safetensors data block). */
export interface ByteRange {
  /** Names it in messages: the file, or `file[member]`. */
  readonly file: string;
  readonly length: number;
  /** Fills `target` with bytes `offset .. offset + target.length - 1` of the range. */
  readInto(target: Uint8Array, offset: number): void;
}

/** Checks a range lies inside its file (a truncated file fails here, before anything is read). */
function checkInside(file: OpenFile, start: number, length: number, name: string, what: string): void {
  if (start + length > file.size)
    fail(
      name,
      file.size,
      `file ends at byte ${file.size}, but ${what} needs bytes ${start}..${start + length - 1}`,
    );
}

/**
 * A stored range of a file. When it is a whole ZIP member (`crc` given), the
 * CRC-32 is computed over reads that arrive in order and checked when the
 * last byte has been read (reads that skip ahead give up the check).
 */
export class StoredRange implements ByteRange {
  private crcNext = 0;
  private crcValue = 0;

  constructor(
    private readonly source: OpenFile,
    private readonly start: number,
    readonly length: number,
    readonly file: string,
    private readonly crc?: { readonly expected: number; readonly position: number },
  ) {
    checkInside(source, start, length, file, "its data");
  }

  readInto(target: Uint8Array, offset: number): void {
    if (offset < 0 || offset + target.length > this.length)
      fail(
        this.file,
        this.start + offset,
        `read of ${target.length} bytes outside the ${this.length} of the data`,
      );
    this.source.readInto(target, this.start + offset, this.file);
    if (!this.crc || offset !== this.crcNext) return;
    this.crcValue = crc32(target, this.crcValue);
    this.crcNext += target.length;
    if (this.crcNext === this.length && this.crcValue >>> 0 !== this.crc.expected)
      fail(this.file, this.crc.position, "CRC-32 mismatch");
  }
}

/** Compressed bytes pushed to the inflater at a time: bounds the output one push can produce (≈ 1032×). */
const INFLATE_INPUT_CHUNK = 16 * 1024;

/**
 * A deflated ZIP member, inflated chunk by chunk as it is read (in order; an
 * earlier offset restarts the inflater), its CRC-32 checked at the end.
 * Memory: the pending output of one 16 KiB input push.
 */
export class InflatedRange implements ByteRange {
  readonly length: number;
  private inflater!: Inflate;
  private pending: Uint8Array[] = [];
  private pendingOffset = 0;
  /** Range offset of the first pending byte. */
  private position = 0;
  private produced = 0;
  private compressedRead = 0;
  private crcValue = 0;
  private finished = false;

  constructor(
    private readonly source: OpenFile,
    private readonly entry: ZipEntry,
    readonly file: string,
  ) {
    checkInflatedSize(entry, file);
    checkInside(source, entry.dataOffset, entry.compressedSize, file, "its compressed data");
    this.length = entry.size;
    this.restart();
  }

  private restart(): void {
    this.inflater = new Inflate((chunk) => {
      if (chunk.length === 0) return;
      this.pending.push(chunk);
      this.produced += chunk.length;
      this.crcValue = crc32(chunk, this.crcValue);
    });
    this.pending = [];
    this.pendingOffset = 0;
    this.position = 0;
    this.produced = 0;
    this.compressedRead = 0;
    this.crcValue = 0;
    this.finished = false;
  }

  /** Inflates the next input chunk; false when the input is spent. */
  private pump(): boolean {
    const { entry } = this;
    if (this.finished) return false;
    const length = Math.min(INFLATE_INPUT_CHUNK, entry.compressedSize - this.compressedRead);
    const input = this.source.read(entry.dataOffset + this.compressedRead, length);
    this.compressedRead += length;
    const last = this.compressedRead === entry.compressedSize;
    try {
      this.inflater.push(input, last);
    } catch (error) {
      fail(
        this.file,
        entry.dataOffset + this.compressedRead - length,
        `deflate data is corrupt or cut short (${(error as Error).message})`,
      );
    }
    if (this.produced > entry.size)
      fail(this.file, entry.dataOffset, `inflates to more than the ${entry.size} bytes its header says`);
    if (last) {
      this.finished = true;
      if (this.produced !== entry.size)
        fail(
          this.file,
          entry.dataOffset + entry.compressedSize,
          `inflates to ${this.produced} bytes, expected ${entry.size}`,
        );
      if (this.crcValue >>> 0 !== entry.crc32) fail(this.file, entry.dataOffset, "CRC-32 mismatch");
    }
    return true;
  }

  readInto(target: Uint8Array, offset: number): void {
    if (offset < 0 || offset + target.length > this.length)
      fail(
        this.file,
        this.entry.dataOffset,
        `read of ${target.length} bytes at ${offset} outside the ${this.length} inflated`,
      );
    if (offset < this.position) this.restart();
    let skip = offset - this.position;
    let written = 0;
    while (written < target.length) {
      const chunk = this.pending[0];
      if (!chunk) {
        if (!this.pump())
          fail(this.file, this.entry.dataOffset + this.compressedRead, "deflate data ends early");
        continue;
      }
      const available = chunk.length - this.pendingOffset;
      const take = skip > 0 ? Math.min(skip, available) : Math.min(target.length - written, available);
      if (skip > 0) skip -= take;
      else {
        target.set(chunk.subarray(this.pendingOffset, this.pendingOffset + take), written);
        written += take;
      }
      this.pendingOffset += take;
      this.position += take;
      if (this.pendingOffset === chunk.length) {
        this.pending.shift();
        this.pendingOffset = 0;
      }
    }
  }
}

/** A sub-range of a range (e.g. a .npy member's data after its header). */
export function subRange(range: ByteRange, start: number, length: number, file = range.file): ByteRange {
  if (start + length > range.length)
    fail(file, start, `${length} bytes from ${start} run past the ${range.length} available`);
  return { file, length, readInto: (target, offset) => range.readInto(target, start + offset) };
}

/**
 * An array whose rows (slices along axis 0) are read on demand. Reading the
 * rows of a stream in order touches each byte once; float32 data is read
 * straight into the caller's buffer.
 */
export interface ArrayStream {
  /** Names the array in messages: the file, or `file[member]`. */
  readonly file: string;
  readonly dtype: NpyDtype;
  readonly shape: Shape;
  /** Rows along axis 0 (1 for a 0-d array). */
  readonly rows: number;
  /** Elements per row. */
  readonly rowSize: number;
  /**
   * Rows `start .. start + count - 1` as float32 into `target` from
   * `targetOffset` (f4 read in place; f8 converted). C order only.
   */
  readRows(start: number, count: number, target: Float32Array, targetOffset?: number): void;
  /** Rows `start .. start + count - 1` decoded, any dtype (shape `[count, ...shape.slice(1)]`). C order only. */
  readRowArray(start: number, count: number): NpyArray;
  /** The whole array, decoded (for small arrays: logits, labels, ids). */
  readAll(): NpyArray;
}

const FLOAT_STREAM_DTYPES = new Set(["f4", "f8"]);

/** An `ArrayStream` over the data bytes of an array of `dtype` and `shape` (C or Fortran order). */
export function arrayStream(
  data: ByteRange,
  header: {
    readonly dtype: NpyDtype;
    readonly shape: Shape;
    readonly itemSize: number;
    readonly fortranOrder?: boolean;
  },
): ArrayStream {
  const { dtype, shape, itemSize } = header;
  const fortranOrder = header.fortranOrder === true && shape.length > 1;
  const file = data.file;
  const needed = checkDataLength(data, header);
  const rows = shape.length === 0 ? 1 : shape[0]!;
  const rowSize = shape.length === 0 ? 1 : shapeSize(shape.slice(1));
  const checkRows = (start: number, count: number): void =>
    checkRowRange({ file, rows, fortranOrder }, start, count);
  const readFloats = floatReader(data, dtype);
  return {
    file,
    dtype,
    shape,
    rows,
    rowSize,
    readRows(start, count, target, targetOffset = 0) {
      if (!FLOAT_STREAM_DTYPES.has(dtype))
        fail(file, 0, `${dtype} data cannot be streamed as float32 (f4 or f8 only)`);
      checkRows(start, count);
      const elements = count * rowSize;
      checkTargetFits(file, elements, target, targetOffset);
      readFloats(start * rowSize * itemSize, elements, target, targetOffset);
    },
    readRowArray(start, count) {
      checkRows(start, count);
      const raw = new Uint8Array(count * rowSize * itemSize);
      data.readInto(raw, start * rowSize * itemSize);
      return decodeNpyData(raw, dtype, [count, ...shape.slice(1)], false, file);
    },
    readAll() {
      const raw = new Uint8Array(needed);
      data.readInto(raw, 0);
      return decodeNpyData(raw, dtype, shape, fortranOrder, file);
    },
  };
}

/** The data size the shape and dtype need; a range of any other size fails. */
function checkDataLength(
  data: ByteRange,
  header: { readonly dtype: NpyDtype; readonly shape: Shape; readonly itemSize: number },
): number {
  const { dtype, shape, itemSize } = header;
  const needed = shapeSize(shape) * itemSize;
  if (data.length !== needed)
    fail(
      data.file,
      data.length,
      `data holds ${data.length} bytes, shape (${shape.join(", ")}) of ${dtype} needs ${needed}`,
    );
  return needed;
}

/** Rows `start .. start + count - 1` must exist, and the array must be in C order. */
function checkRowRange(
  array: { readonly file: string; readonly rows: number; readonly fortranOrder: boolean },
  start: number,
  count: number,
): void {
  const { file, rows } = array;
  if (array.fortranOrder) fail(file, 0, "Fortran-order arrays cannot be streamed by rows; read them whole");
  if (!Number.isInteger(start) || !Number.isInteger(count) || start < 0 || count < 0 || start + count > rows)
    throw new FormatError(
      `${file}: rows ${start}..${start + count - 1} are out of range (the array has ${rows})`,
      {
        file,
        position: start,
        value: count,
        expected: rows,
      },
    );
}

function checkTargetFits(file: string, elements: number, target: Float32Array, targetOffset: number): void {
  if (targetOffset < 0 || targetOffset + elements > target.length)
    throw new FormatError(`${file}: ${elements} values do not fit the target from ${targetOffset}`, {
      file,
      value: target.length,
      expected: targetOffset + elements,
    });
}

/**
 * Reads `elements` float values from byte `offset` of `data` into `target`:
 * f4 straight into the target's bytes, f8 through a reused float64 scratch.
 */
function floatReader(
  data: ByteRange,
  dtype: NpyDtype,
): (offset: number, elements: number, target: Float32Array, targetOffset: number) => void {
  let scratch = new Float64Array(0);
  return (offset, elements, target, targetOffset) => {
    if (dtype === "f4") {
      data.readInto(
        new Uint8Array(target.buffer, target.byteOffset + 4 * targetOffset, 4 * elements),
        offset,
      );
      return;
    }
    if (scratch.length < elements) scratch = new Float64Array(elements);
    data.readInto(new Uint8Array(scratch.buffer, 0, 8 * elements), offset);
    for (let i = 0; i < elements; i++) target[targetOffset + i] = scratch[i]!;
  };
}

/** Reads and parses the header of a .npy held in `range` (v1–v3), in order, leaving the data unread. */
export function readNpyHeader(range: ByteRange): NpyHeader {
  const prefix = new Uint8Array(Math.min(12, range.length));
  range.readInto(prefix, 0);
  let end = prefix.length;
  if (prefix.length >= 10 && prefix[6] === 1) end = 10 + (prefix[8]! | (prefix[9]! << 8));
  else if (prefix.length >= 12 && (prefix[6] === 2 || prefix[6] === 3))
    end = 12 + new DataView(prefix.buffer).getUint32(8, true);
  const bytes = new Uint8Array(Math.max(prefix.length, Math.min(end, range.length)));
  bytes.set(prefix);
  if (bytes.length > prefix.length) range.readInto(bytes.subarray(prefix.length), prefix.length);
  return parseNpyHeader(bytes, range.file);
}

/** An `ArrayStream` over a .npy held in `range`: its header, then exactly its data. */
export function npyStream(range: ByteRange): ArrayStream {
  const header = readNpyHeader(range);
  const needed = shapeSize(header.shape) * header.itemSize;
  const available = range.length - header.dataOffset;
  if (available !== needed)
    fail(
      range.file,
      range.length,
      `holds ${range.length} bytes but the header (shape (${header.shape.join(", ")}), ${header.dtype}) needs ${header.dataOffset + needed}`,
    );
  return arrayStream(subRange(range, header.dataOffset, needed), header);
}

/** A .npy file opened for streaming: only its header is read; `close()` releases the file. */
export interface NpyStream extends ArrayStream {
  close(): void;
}

/** Opens a .npy file for streaming (header v1–v3); a file shorter than its header says fails here. */
export function openNpyStream(path: string): NpyStream {
  const file = new OpenFile(path);
  try {
    const stream = npyStream(new StoredRange(file, 0, file.size, path));
    return Object.assign(stream, { close: () => file.close() });
  } catch (error) {
    file.close();
    throw error;
  }
}

/**
 * A .npy file opened for streaming by sample (slices along axis 0): only the
 * header is read up front, so files far larger than memory can be walked.
 */
export interface NpyFile {
  readonly path: string;
  readonly header: NpyHeader;
  readonly dtype: NpyDtype;
  readonly shape: Shape;
  /** Number of samples: the size of axis 0. */
  readonly length: number;
  /** Shape of one sample: `shape.slice(1)`. */
  readonly sampleShape: Shape;
  /** Elements in one sample. */
  readonly sampleSize: number;
  /** Sample `index` (shape `sampleShape`). */
  readSample(index: number): NpyArray;
  /** Samples `start .. start + count - 1` (shape `[count, ...sampleShape]`). */
  readSamples(start: number, count: number): NpyArray;
  /** Sample `index` as float32 values (f4 or f8 files), written into `out` when given. */
  readSampleFloat32(index: number, out?: Float32Array): Float32Array;
  close(): void;
}

/** Opens a .npy file for streaming by sample (C order, rank ≥ 1). */
export function openNpy(path: string): NpyFile {
  const file = new OpenFile(path);
  try {
    const range = new StoredRange(file, 0, file.size, path);
    const header = readNpyHeader(range);
    if (header.shape.length === 0) fail(path, 0, "a 0-d array has no samples to stream");
    if (header.fortranOrder && header.shape.length > 1)
      fail(path, 0, "Fortran-order arrays cannot be streamed by sample; load them with readNpy");
    const stream = npyStream(range);
    const sampleShape = header.shape.slice(1);
    return {
      path,
      header,
      dtype: header.dtype,
      shape: header.shape,
      length: stream.rows,
      sampleShape,
      sampleSize: stream.rowSize,
      readSamples: (start, count) => stream.readRowArray(start, count),
      readSample: (index) => ({ ...stream.readRowArray(index, 1), shape: sampleShape }),
      readSampleFloat32(index, out) {
        const target = out ?? new Float32Array(stream.rowSize);
        if (target.length !== stream.rowSize)
          throw new FormatError(
            `${path}: output holds ${target.length} values, a sample has ${stream.rowSize}`,
            {
              file: path,
              value: target.length,
              expected: stream.rowSize,
            },
          );
        if (FLOAT_STREAM_DTYPES.has(header.dtype)) stream.readRows(index, 1, target);
        else target.set(toFloat32(stream.readRowArray(index, 1), path));
        return target;
      },
      close: () => file.close(),
    };
  } catch (error) {
    file.close();
    throw error;
  }
}
