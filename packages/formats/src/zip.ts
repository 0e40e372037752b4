import { crc32 } from "node:zlib";
import { FormatError } from "@skeleton-cache/errors";
import { inflateSync, zipSync } from "fflate";

/**
 * ZIP archives (.npz, PyTorch .pt) through fflate: it writes them
 * (`zipSync`) and inflates their members. What fflate lacks is listed here
 * by hand: reading the central directory for each member's data offset and
 * CRC-32 (fflate's readers hold the whole archive in memory and do not check
 * CRCs), so stored members can be read by byte offset straight from a file
 * and every member is checked. CRC-32 is Node's zlib checksum (no inflater).
 * Every defect is a `FormatError` naming the file and the byte offset.
 */

/** One member of an archive, located by the central directory. */
export interface ZipEntry {
  readonly name: string;
  /** 0 = stored, 8 = deflated. */
  readonly method: number;
  readonly compressedSize: number;
  readonly size: number;
  readonly crc32: number;
  /** Offset of the member's local header. */
  readonly headerOffset: number;
  /** Offset of the member's (compressed) data. */
  readonly dataOffset: number;
}

/** Random access to an archive's bytes: held in memory, or read from a file on demand. */
export interface ZipSource {
  readonly size: number;
  /** `length` bytes from `offset` (the caller has checked the range lies inside `size`). */
  read(offset: number, length: number): Uint8Array;
}

/** Fails with a FormatError naming the file and the byte offset. */
export function zipFail(file: string, position: number, message: string): never {
  throw new FormatError(`${file}: ${message} (at byte ${position})`, { file, position });
}

const utf8 = new TextDecoder("utf-8", { fatal: true });

function view(bytes: Uint8Array): DataView {
  return new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

function safeNumber(value: bigint, file: string, position: number): number {
  if (value > BigInt(Number.MAX_SAFE_INTEGER)) zipFail(file, position, `ZIP64 value ${value} is too large`);
  return Number(value);
}

/** Where the central directory lies and how many entries it holds (EOCD, ZIP64 when flagged). */
function centralDirectory(source: ZipSource, file: string): { count: number; offset: number; size: number } {
  // End of central directory: 22 bytes + comment (≤ 65535), scanned from the end.
  const tailLength = Math.min(source.size, 22 + 65535 + 20);
  const tailStart = source.size - tailLength;
  const tail = source.read(tailStart, tailLength);
  const tv = view(tail);
  let eocd = -1;
  for (let at = tail.length - 22; at >= 0; at--) {
    if (tv.getUint32(at, true) === 0x06054b50 && at + 22 + tv.getUint16(at + 20, true) === tail.length) {
      eocd = at;
      break;
    }
  }
  if (eocd < 0) zipFail(file, source.size, "not a ZIP archive (no end-of-central-directory record)");
  let count = tv.getUint16(eocd + 10, true);
  let size = tv.getUint32(eocd + 12, true);
  let offset = tv.getUint32(eocd + 16, true);
  if (count === 0xffff || size === 0xffffffff || offset === 0xffffffff) {
    // ZIP64: the locator sits just before the EOCD and points at the ZIP64 record.
    const locator = eocd - 20;
    if (locator < 0 || tv.getUint32(locator, true) !== 0x07064b50)
      zipFail(file, tailStart + eocd, "ZIP64 locator missing");
    const record = safeNumber(tv.getBigUint64(locator + 8, true), file, tailStart + locator + 8);
    if (record + 56 > source.size) zipFail(file, record, "ZIP64 end-of-central-directory record missing");
    const rv = view(source.read(record, 56));
    if (rv.getUint32(0, true) !== 0x06064b50)
      zipFail(file, record, "ZIP64 end-of-central-directory record missing");
    count = safeNumber(rv.getBigUint64(32, true), file, record + 32);
    size = safeNumber(rv.getBigUint64(40, true), file, record + 40);
    offset = safeNumber(rv.getBigUint64(48, true), file, record + 48);
  }
  if (offset + size > source.size)
    zipFail(file, tailStart + eocd + 16, `central directory at ${offset} runs past the end`);
  return { count, offset, size };
}

/** The ZIP64 extra field (id 1) replaces, in order, the sizes and offset that read 0xFFFFFFFF. */
function zip64Fields(
  dir: DataView,
  at: number,
  end: number,
  sizes: { size: number; compressedSize: number; headerOffset: number },
  file: string,
  base: number,
): void {
  while (at + 4 <= end) {
    const id = dir.getUint16(at, true);
    const length = dir.getUint16(at + 2, true);
    if (at + 4 + length > end) zipFail(file, base + at, "extra field runs past its entry");
    if (id === 1) {
      let field = at + 4;
      const next = (): number => {
        if (field + 8 > at + 4 + length) zipFail(file, base + field, "ZIP64 field too short");
        const value = safeNumber(dir.getBigUint64(field, true), file, base + field);
        field += 8;
        return value;
      };
      if (sizes.size === 0xffffffff) sizes.size = next();
      if (sizes.compressedSize === 0xffffffff) sizes.compressedSize = next();
      if (sizes.headerOffset === 0xffffffff) sizes.headerOffset = next();
    }
    at += 4 + length;
  }
}

/** Lists the members of an archive from its central directory, each with its data offset. */
export function listZip(source: ZipSource | Uint8Array, file = "<zip>"): ZipEntry[] {
  const src = source instanceof Uint8Array ? bytesSource(source) : source;
  const directory = centralDirectory(src, file);
  const dirBytes = src.read(directory.offset, directory.size);
  const dir = view(dirBytes);
  const entries: ZipEntry[] = [];
  const names = new Set<string>();
  let at = 0;
  for (let index = 0; index < directory.count; index++) {
    const where = directory.offset + at;
    if (at + 46 > dirBytes.length || dir.getUint32(at, true) !== 0x02014b50)
      zipFail(file, where, `central directory entry ${index} is corrupt`);
    const method = dir.getUint16(at + 10, true);
    const nameLength = dir.getUint16(at + 28, true);
    const extraLength = dir.getUint16(at + 30, true);
    const end = at + 46 + nameLength + extraLength + dir.getUint16(at + 32, true);
    if (end > dirBytes.length)
      zipFail(file, where, `central directory entry ${index} runs past the directory`);
    if (dir.getUint16(at + 8, true) & 1) zipFail(file, where, `member ${index} is encrypted`);
    let name: string;
    try {
      name = utf8.decode(dirBytes.subarray(at + 46, at + 46 + nameLength));
    } catch {
      zipFail(file, where + 46, `member ${index} has a name that is not UTF-8`);
    }
    const sizes = {
      compressedSize: dir.getUint32(at + 20, true),
      size: dir.getUint32(at + 24, true),
      headerOffset: dir.getUint32(at + 42, true),
    };
    zip64Fields(dir, at + 46 + nameLength, at + 46 + nameLength + extraLength, sizes, file, directory.offset);
    if (method !== 0 && method !== 8)
      zipFail(file, where + 10, `member ${name} uses compression method ${method}`);
    if (names.has(name)) zipFail(file, where, `member ${name} appears twice`);
    names.add(name);
    const { size, compressedSize, headerOffset } = sizes;
    if (headerOffset + 30 > src.size) zipFail(file, headerOffset, `member ${name}: local header missing`);
    const local = view(src.read(headerOffset, 30));
    if (local.getUint32(0, true) !== 0x04034b50)
      zipFail(file, headerOffset, `member ${name}: local header missing`);
    const dataOffset = headerOffset + 30 + local.getUint16(26, true) + local.getUint16(28, true);
    if (dataOffset + compressedSize > src.size)
      zipFail(file, dataOffset, `member ${name}: ${compressedSize} bytes of data run past the end`);
    if (method === 0 && compressedSize !== size)
      zipFail(
        file,
        where + 20,
        `member ${name} is stored but its sizes differ (${compressedSize} vs ${size})`,
      );
    entries.push({
      name,
      method,
      compressedSize,
      size,
      crc32: dir.getUint32(at + 16, true),
      headerOffset,
      dataOffset,
    });
    at = end;
  }
  return entries;
}

/** An archive held in memory as a `ZipSource`. */
export function bytesSource(bytes: Uint8Array): ZipSource {
  return { size: bytes.length, read: (offset, length) => bytes.subarray(offset, offset + length) };
}

/** DEFLATE expands at most about 1032:1; a larger claimed size is a corrupt header, not a reason to allocate. */
export function checkInflatedSize(entry: ZipEntry, file: string): void {
  if (entry.size > entry.compressedSize * 1032 + 1024)
    zipFail(
      file,
      entry.headerOffset,
      `member ${entry.name} claims ${entry.size} bytes from ${entry.compressedSize} compressed`,
    );
}

/** The uncompressed bytes of one member (inflated by fflate), CRC-checked. */
export function readZipEntry(source: ZipSource | Uint8Array, entry: ZipEntry, file = "<zip>"): Uint8Array {
  const src = source instanceof Uint8Array ? bytesSource(source) : source;
  const raw = src.read(entry.dataOffset, entry.compressedSize);
  let data: Uint8Array;
  if (entry.method === 0) {
    data = raw;
  } else {
    checkInflatedSize(entry, file);
    try {
      data = inflateSync(raw, { out: new Uint8Array(entry.size) });
    } catch (error) {
      zipFail(
        file,
        entry.dataOffset,
        `member ${entry.name}: deflate data is corrupt (${(error as Error).message})`,
      );
    }
    if (data.length !== entry.size)
      zipFail(
        file,
        entry.dataOffset,
        `member ${entry.name} inflates to ${data.length} bytes, expected ${entry.size}`,
      );
  }
  if (crc32(data) >>> 0 !== entry.crc32)
    zipFail(file, entry.dataOffset, `member ${entry.name}: CRC-32 mismatch`);
  return data;
}

/** One member to write. */
export interface ZipInput {
  readonly name: string;
  readonly data: Uint8Array;
}

/** NumPy's member date: 1980-01-01 00:00 (local time, as ZIP dates are). */
export const ZIP_EPOCH = new Date(1980, 0, 1, 0, 0, 0);

/**
 * Writes a ZIP archive through fflate (members in the given order, dated
 * 1980-01-01 00:00 like NumPy's), so equal inputs give equal bytes.
 */
export function encodeZip(members: readonly ZipInput[], options: { compress?: boolean } = {}): Uint8Array {
  const files: Record<string, Uint8Array> = {};
  for (const member of members) {
    // A plain object keeps insertion order except for integer-like keys, which JavaScript sorts first.
    if (/^(0|[1-9]\d*)$/.test(member.name) || member.name in files)
      throw new FormatError(
        `encodeZip: member name ${JSON.stringify(member.name)} is a duplicate or an integer`,
        {
          field: member.name,
        },
      );
    if (member.data.length > 0xfffffffe)
      throw new FormatError(`encodeZip: member ${member.name} is too large for a ZIP without ZIP64`, {
        field: member.name,
        value: member.data.length,
      });
    files[member.name] = member.data;
  }
  return zipSync(files, { level: options.compress ? 6 : 0, mtime: ZIP_EPOCH });
}
