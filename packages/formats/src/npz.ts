import { FormatError } from "@skeleton-cache/errors";
import { type Shape, shapeSize } from "@skeleton-cache/tensor";
import { Zip, ZipDeflate, ZipPassThrough } from "fflate";
import { createAtomicWriter, readFileBytes, writeFileAtomic } from "./files.js";
import {
  encodeNpyArray,
  encodeNpyHeader,
  itemSizeOf,
  type NpyArray,
  type NpyDtype,
  parseNpy,
} from "./npy.js";
import {
  type ArrayStream,
  type ByteRange,
  InflatedRange,
  npyStream,
  OpenFile,
  StoredRange,
} from "./stream.js";
import { encodeZip, listZip, readZipEntry, ZIP_EPOCH, type ZipEntry } from "./zip.js";

/**
 * NumPy .npz archives: a ZIP of `.npy` members (stored by `np.savez`,
 * deflated by `np.savez_compressed`). Keys are member names without `.npy`.
 * Object arrays (`allow_pickle`) are refused.
 */

/** Decodes every array of an .npz archive held in memory, in archive order. */
export function parseNpz(bytes: Uint8Array, file = "<npz>"): Map<string, NpyArray> {
  const arrays = new Map<string, NpyArray>();
  for (const entry of npyMembers(listZip(bytes, file), file)) {
    const data = readZipEntry(bytes, entry, file);
    arrays.set(entry.name.slice(0, -4), parseNpy(data, `${file}[${entry.name}]`));
  }
  return arrays;
}

/** The members, each checked to be a `.npy` array. */
function npyMembers(entries: readonly ZipEntry[], file: string): readonly ZipEntry[] {
  for (const entry of entries) {
    if (!entry.name.endsWith(".npy")) {
      throw new FormatError(
        `${file}: member ${entry.name} is not a .npy array (at byte ${entry.headerOffset})`,
        {
          file,
          field: entry.name,
          position: entry.headerOffset,
        },
      );
    }
  }
  return entries;
}

/** An .npz opened for streaming: the central directory is read, the arrays are not. */
export interface NpzStream {
  readonly path: string;
  /** Array names (members without `.npy`), in archive order. */
  readonly names: readonly string[];
  /** Opens array `name` for streaming (reads its .npy header); stored and deflated members alike. */
  array(name: string): ArrayStream;
  close(): void;
}

/** The bytes of one member: a stored range read by offset (CRC checked when read in order), or inflated as read. */
export function zipMemberRange(file: OpenFile, entry: ZipEntry): ByteRange {
  const name = `${file.path}[${entry.name}]`;
  return entry.method === 0
    ? new StoredRange(file, entry.dataOffset, entry.size, name, {
        expected: entry.crc32,
        position: entry.dataOffset,
      })
    : new InflatedRange(file, entry, name);
}

/** Opens an .npz for streaming. A truncated archive fails here (no end-of-central-directory record). */
export function openNpzStream(path: string): NpzStream {
  const file = new OpenFile(path);
  try {
    const members = new Map(
      npyMembers(listZip(file.asZipSource(), path), path).map((e) => [e.name.slice(0, -4), e]),
    );
    return {
      path,
      names: [...members.keys()],
      array(name) {
        const entry = members.get(name);
        if (!entry) throw new FormatError(`${path}: no array ${name}`, { file: path, field: name });
        return npyStream(zipMemberRange(file, entry));
      },
      close: () => file.close(),
    };
  } catch (error) {
    file.close();
    throw error;
  }
}

/** Reads and decodes an .npz file. */
export function readNpz(path: string): Map<string, NpyArray> {
  const bytes = readFileBytes(path);
  return parseNpz(bytes, path);
}

/** Encodes named arrays as an .npz archive (deterministic bytes; `compress` = savez_compressed). */
export function encodeNpz(
  arrays: ReadonlyMap<string, NpyArray> | Readonly<Record<string, NpyArray>>,
  options: { compress?: boolean } = {},
): Uint8Array {
  const entries = arrays instanceof Map ? [...arrays.entries()] : Object.entries(arrays);
  return encodeZip(
    entries.map(([name, array]) => ({ name: `${name}.npy`, data: encodeNpyArray(array) })),
    options,
  );
}

/** Writes an .npz file atomically. */
export function writeNpz(
  path: string,
  arrays: ReadonlyMap<string, NpyArray> | Readonly<Record<string, NpyArray>>,
  options: { compress?: boolean } = {},
): void {
  writeFileAtomic(path, encodeNpz(arrays, options));
}

/** An .npz written array by array, the large ones in pieces; nothing appears at the target until `commit()`. */
export interface NpzWriter {
  /** Adds a whole array. */
  add(name: string, array: NpyArray): void;
  /** Starts an array whose data bytes (C order, `shape` of `dtype`) are then given in pieces to `write`. */
  begin(name: string, dtype: NpyDtype, shape: Shape): { write(bytes: Uint8Array): void; end(): void };
  commit(): void;
  abort(): void;
}

/** fflate writes no ZIP64, so a member stays under 4 GiB. */
const ZIP_MEMBER_LIMIT = 0xfffffffe;

/**
 * Opens an .npz for writing in pieces through fflate's streaming `Zip`
 * (members dated like NumPy's; sizes and CRC-32 after each member's data),
 * so arrays larger than memory can be written; deterministic bytes.
 */
export function createNpzWriter(target: string, options: { compress?: boolean } = {}): NpzWriter {
  const writer = createAtomicWriter(target);
  let failure: Error | null = null;
  const zip = new Zip((error, data) => {
    if (error) failure = error;
    else writer.write(data);
  });
  const check = () => {
    if (failure) throw new FormatError(`${target}: ${failure.message}`, { file: target }, { cause: failure });
  };
  const member = (name: string, bytes: number) => {
    if (bytes > ZIP_MEMBER_LIMIT)
      throw new FormatError(
        `${target}: array ${name} takes ${bytes} bytes, more than an .npz member without ZIP64 holds (4 GiB)`,
        { file: target, field: name, value: bytes },
      );
    const file = options.compress
      ? new ZipDeflate(`${name}.npy`, { level: 6 })
      : new ZipPassThrough(`${name}.npy`);
    file.mtime = ZIP_EPOCH;
    zip.add(file);
    return file;
  };
  return {
    add(name, array) {
      const bytes = encodeNpyArray(array);
      member(name, bytes.length).push(bytes, true);
      check();
    },
    begin(name, dtype, shape) {
      const header = encodeNpyHeader(dtype, shape);
      const file = member(name, header.length + shapeSize(shape) * itemSizeOf(dtype));
      file.push(header);
      return {
        write: (bytes) => {
          file.push(bytes);
          check();
        },
        end: () => {
          file.push(new Uint8Array(0), true);
          check();
        },
      };
    },
    commit() {
      zip.end();
      check();
      writer.commit();
    },
    abort: () => writer.abort(),
  };
}
