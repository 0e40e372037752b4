import { FormatError } from "@skeleton-cache/errors";
import { deflateSync, inflateSync } from "fflate";

/**
 * A small ZIP reader/writer for .npz and PyTorch .pt archives: stored and
 * deflated members, ZIP64 sizes and offsets on read, CRC-32 checked. Every
 * defect is a `FormatError` naming the file and the byte offset.
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

const CRC_TABLE = (() => {
  const table = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let bit = 0; bit < 8; bit++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    table[n] = c >>> 0;
  }
  return table;
})();

/** CRC-32 (the ZIP / PNG polynomial). */
export function crc32(bytes: Uint8Array): number {
  let crc = 0xffffffff;
  for (let i = 0; i < bytes.length; i++) crc = CRC_TABLE[(crc ^ bytes[i]!) & 0xff]! ^ (crc >>> 8);
  return (crc ^ 0xffffffff) >>> 0;
}

function fail(file: string, position: number, message: string): never {
  throw new FormatError(`${file}: ${message} (at byte ${position})`, { file, position });
}

const utf8 = new TextDecoder("utf-8", { fatal: true });

/** Lists the members of a ZIP archive held in memory (from its central directory). */
export function listZip(bytes: Uint8Array, file = "<zip>"): ZipEntry[] {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  // End of central directory: 22 bytes + comment (≤ 65535), scanned from the end.
  let eocd = -1;
  for (let at = bytes.length - 22; at >= Math.max(0, bytes.length - 22 - 65535); at--) {
    if (view.getUint32(at, true) === 0x06054b50 && at + 22 + view.getUint16(at + 20, true) === bytes.length) {
      eocd = at;
      break;
    }
  }
  if (eocd < 0) fail(file, bytes.length, "not a ZIP archive (no end-of-central-directory record)");
  let count = view.getUint16(eocd + 10, true);
  let dirSize = view.getUint32(eocd + 12, true);
  let dirOffset = view.getUint32(eocd + 16, true);
  if (count === 0xffff || dirSize === 0xffffffff || dirOffset === 0xffffffff) {
    // ZIP64: the locator sits just before the EOCD.
    const locator = eocd - 20;
    if (locator < 0 || view.getUint32(locator, true) !== 0x07064b50)
      fail(file, eocd, "ZIP64 locator missing");
    const record = safeNumber(view.getBigUint64(locator + 8, true), file, locator + 8);
    if (record + 56 > bytes.length || view.getUint32(record, true) !== 0x06064b50)
      fail(file, record, "ZIP64 end-of-central-directory record missing");
    count = safeNumber(view.getBigUint64(record + 32, true), file, record + 32);
    dirSize = safeNumber(view.getBigUint64(record + 40, true), file, record + 40);
    dirOffset = safeNumber(view.getBigUint64(record + 48, true), file, record + 48);
  }
  if (dirOffset + dirSize > bytes.length)
    fail(file, eocd + 16, `central directory at ${dirOffset} runs past the end`);
  const entries: ZipEntry[] = [];
  const names = new Set<string>();
  let at = dirOffset;
  for (let index = 0; index < count; index++) {
    if (at + 46 > dirOffset + dirSize || view.getUint32(at, true) !== 0x02014b50)
      fail(file, at, `central directory entry ${index} is corrupt`);
    const flags = view.getUint16(at + 8, true);
    const method = view.getUint16(at + 10, true);
    const crc = view.getUint32(at + 16, true);
    let compressedSize = view.getUint32(at + 20, true);
    let size = view.getUint32(at + 24, true);
    const nameLength = view.getUint16(at + 28, true);
    const extraLength = view.getUint16(at + 30, true);
    const commentLength = view.getUint16(at + 32, true);
    let headerOffset = view.getUint32(at + 42, true);
    const end = at + 46 + nameLength + extraLength + commentLength;
    if (end > dirOffset + dirSize) fail(file, at, `central directory entry ${index} runs past the directory`);
    if (flags & 1) fail(file, at, `member ${index} is encrypted`);
    let name: string;
    try {
      name = utf8.decode(bytes.subarray(at + 46, at + 46 + nameLength));
    } catch {
      fail(file, at + 46, `member ${index} has a name that is not UTF-8`);
    }
    // ZIP64 extended information (header id 1): the fields that were 0xFFFFFFFF, in order.
    let extra = at + 46 + nameLength;
    const extraEnd = extra + extraLength;
    while (extra + 4 <= extraEnd) {
      const id = view.getUint16(extra, true);
      const length = view.getUint16(extra + 2, true);
      if (extra + 4 + length > extraEnd) fail(file, extra, `member ${name}: extra field runs past its entry`);
      if (id === 1) {
        let field = extra + 4;
        const next = (): number => {
          if (field + 8 > extra + 4 + length) fail(file, field, `member ${name}: ZIP64 field too short`);
          const value = safeNumber(view.getBigUint64(field, true), file, field);
          field += 8;
          return value;
        };
        if (size === 0xffffffff) size = next();
        if (compressedSize === 0xffffffff) compressedSize = next();
        if (headerOffset === 0xffffffff) headerOffset = next();
      }
      extra += 4 + length;
    }
    if (method !== 0 && method !== 8) fail(file, at + 10, `member ${name} uses compression method ${method}`);
    if (names.has(name)) fail(file, at, `member ${name} appears twice`);
    names.add(name);
    if (headerOffset + 30 > bytes.length || view.getUint32(headerOffset, true) !== 0x04034b50)
      fail(file, headerOffset, `member ${name}: local header missing`);
    const dataOffset =
      headerOffset + 30 + view.getUint16(headerOffset + 26, true) + view.getUint16(headerOffset + 28, true);
    if (dataOffset + compressedSize > bytes.length)
      fail(file, dataOffset, `member ${name}: ${compressedSize} bytes of data run past the end`);
    if (method === 0 && compressedSize !== size)
      fail(file, at + 20, `member ${name} is stored but its sizes differ (${compressedSize} vs ${size})`);
    entries.push({ name, method, compressedSize, size, crc32: crc, headerOffset, dataOffset });
    at = end;
  }
  return entries;
}

function safeNumber(value: bigint, file: string, position: number): number {
  if (value > BigInt(Number.MAX_SAFE_INTEGER)) fail(file, position, `ZIP64 value ${value} is too large`);
  return Number(value);
}

/** The uncompressed bytes of one member, CRC-checked. */
export function readZipEntry(bytes: Uint8Array, entry: ZipEntry, file = "<zip>"): Uint8Array {
  const raw = bytes.subarray(entry.dataOffset, entry.dataOffset + entry.compressedSize);
  let data: Uint8Array;
  if (entry.method === 0) {
    data = raw;
  } else {
    // DEFLATE expands at most about 1032:1; a larger claimed size is a corrupt header, not a reason to allocate.
    if (entry.size > entry.compressedSize * 1032 + 1024)
      fail(
        file,
        entry.headerOffset,
        `member ${entry.name} claims ${entry.size} bytes from ${entry.compressedSize} compressed`,
      );
    try {
      data = inflateSync(raw, { out: new Uint8Array(entry.size) });
    } catch (error) {
      fail(
        file,
        entry.dataOffset,
        `member ${entry.name}: deflate data is corrupt (${(error as Error).message})`,
      );
    }
    if (data.length !== entry.size)
      fail(
        file,
        entry.dataOffset,
        `member ${entry.name} inflates to ${data.length} bytes, expected ${entry.size}`,
      );
  }
  if (crc32(data) !== entry.crc32) fail(file, entry.dataOffset, `member ${entry.name}: CRC-32 mismatch`);
  return data;
}

/** One member to write. */
export interface ZipInput {
  readonly name: string;
  readonly data: Uint8Array;
}

/**
 * Writes a ZIP archive (members in the given order, date fixed at
 * 1980-01-01 00:00 like NumPy), so equal inputs give equal bytes.
 */
export function encodeZip(members: readonly ZipInput[], options: { compress?: boolean } = {}): Uint8Array {
  const encoder = new TextEncoder();
  const locals: Uint8Array[] = [];
  const central: Uint8Array[] = [];
  let offset = 0;
  for (const member of members) {
    const name = encoder.encode(member.name);
    const body = options.compress ? deflateSync(member.data, { level: 6 }) : member.data;
    const crc = crc32(member.data);
    if (member.data.length > 0xfffffffe || offset > 0xfffffffe)
      throw new FormatError(`encodeZip: member ${member.name} is too large for a ZIP without ZIP64`, {
        field: member.name,
        value: member.data.length,
      });
    const method = options.compress ? 8 : 0;
    const local = new Uint8Array(30 + name.length);
    const lv = new DataView(local.buffer);
    lv.setUint32(0, 0x04034b50, true);
    lv.setUint16(4, 20, true); // version needed
    lv.setUint16(6, 0x0800, true); // UTF-8 names
    lv.setUint16(8, method, true);
    lv.setUint16(10, 0, true); // time 00:00
    lv.setUint16(12, 0x21, true); // date 1980-01-01
    lv.setUint32(14, crc, true);
    lv.setUint32(18, body.length, true);
    lv.setUint32(22, member.data.length, true);
    lv.setUint16(26, name.length, true);
    local.set(name, 30);
    const entry = new Uint8Array(46 + name.length);
    const cv = new DataView(entry.buffer);
    cv.setUint32(0, 0x02014b50, true);
    cv.setUint16(4, 20, true);
    cv.setUint16(6, 20, true);
    cv.setUint16(8, 0x0800, true);
    cv.setUint16(10, method, true);
    cv.setUint16(14, 0x21, true);
    cv.setUint32(16, crc, true);
    cv.setUint32(20, body.length, true);
    cv.setUint32(24, member.data.length, true);
    cv.setUint16(28, name.length, true);
    cv.setUint32(42, offset, true);
    entry.set(name, 46);
    locals.push(local, body);
    central.push(entry);
    offset += local.length + body.length;
  }
  const dirSize = central.reduce((s, c) => s + c.length, 0);
  const eocd = new Uint8Array(22);
  const ev = new DataView(eocd.buffer);
  ev.setUint32(0, 0x06054b50, true);
  ev.setUint16(8, members.length, true);
  ev.setUint16(10, members.length, true);
  ev.setUint32(12, dirSize, true);
  ev.setUint32(16, offset, true);
  const out = new Uint8Array(offset + dirSize + 22);
  let at = 0;
  for (const part of [...locals, ...central, eocd]) {
    out.set(part, at);
    at += part.length;
  }
  return out;
}
