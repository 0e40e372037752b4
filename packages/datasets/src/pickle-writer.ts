import { ValueError } from "@skeleton-cache/errors";

/**
 * The minimal pickle writer ST-GCN label files need: protocol 2 bytes for a
 * tuple (list of str, list of int), opcode for opcode what Python 3's
 * `pickle.dumps((names, labels), protocol=2)` writes (BINUNICODE strings,
 * BININT1/BININT2/BININT ints, MARK…APPENDS batches of 1000, BINPUT /
 * LONG_BINPUT memo, TUPLE2).
 */
export function encodeStgcnLabels(names: readonly string[], labels: readonly number[]): Uint8Array {
  if (names.length !== labels.length)
    throw new ValueError(`encodeStgcnLabels: ${names.length} names but ${labels.length} labels`, {
      field: "labels",
      value: labels.length,
      expected: names.length,
    });
  const chunks: Uint8Array[] = [];
  let memo = 0;
  const bytes = (...values: number[]) => chunks.push(Uint8Array.from(values));
  const u32 = (value: number) => {
    const b = new Uint8Array(4);
    new DataView(b.buffer).setUint32(0, value, true);
    return b;
  };
  const put = () => {
    if (memo < 256)
      bytes(0x71, memo); // BINPUT
    else chunks.push(Uint8Array.of(0x72), u32(memo)); // LONG_BINPUT
    memo++;
  };
  const saveStr = (value: string) => {
    const utf8 = new TextEncoder().encode(value);
    chunks.push(Uint8Array.of(0x58), u32(utf8.length), utf8); // BINUNICODE
    put();
  };
  const saveInt = (value: number, index: number) => {
    if (!Number.isInteger(value) || value < -0x80000000 || value > 0x7fffffff)
      throw new ValueError(`encodeStgcnLabels: label ${index} is ${value}, not a 32-bit integer`, {
        field: "labels",
        position: index,
        value,
      });
    if (value >= 0 && value <= 0xff)
      bytes(0x4b, value); // BININT1
    else if (value >= 0 && value <= 0xffff)
      bytes(0x4d, value & 0xff, value >> 8); // BININT2
    else {
      const b = new Uint8Array(5);
      b[0] = 0x4a; // BININT
      new DataView(b.buffer).setInt32(1, value, true);
      chunks.push(b);
    }
  };
  const saveList = <T>(items: readonly T[], save: (item: T, index: number) => void) => {
    bytes(0x5d); // EMPTY_LIST
    put();
    // pickle's _batch_appends: batches of 1000; MARK … APPENDS, or a lone APPEND.
    for (let start = 0; ; start += 1000) {
      const n = Math.min(1000, items.length - start);
      if (n > 1) {
        bytes(0x28); // MARK
        for (let i = start; i < start + n; i++) save(items[i]!, i);
        bytes(0x65); // APPENDS
      } else if (n === 1) {
        save(items[start]!, start);
        bytes(0x61); // APPEND
      }
      if (n < 1000) break;
    }
  };
  bytes(0x80, 2); // PROTO 2
  saveList(names, saveStr);
  saveList(labels, saveInt);
  bytes(0x86); // TUPLE2
  put();
  bytes(0x2e); // STOP
  let total = 0;
  for (const c of chunks) total += c.length;
  const out = new Uint8Array(total);
  let offset = 0;
  for (const c of chunks) {
    out.set(c, offset);
    offset += c.length;
  }
  return out;
}
