import { readFileBytes } from "./files.js";
import { Unpickler } from "./pickle-machine.js";
import { runPickle } from "./pickle-opcodes.js";
import type { PickleOptions, PickleValue } from "./pickle-values.js";

/**
 * A restricted Python pickle reader (protocols 0–5). It is a pickle virtual
 * machine that only builds plain values — None, bool, int, float, str, bytes,
 * list, tuple, dict, set — and, ONLY through an allow-list of named globals
 * supplied by the caller, reconstructed objects. It never runs code: every
 * GLOBAL / STACK_GLOBAL / INST / OBJ / REDUCE / NEWOBJ / BUILD that the
 * allow-list does not cover is a `FormatError` naming the file, the byte
 * offset of the opcode and the global's `module.name`.
 *
 * Value mapping:
 * - None → `null`, bool → `boolean`, float → `number`;
 * - int → `number` when it is a safe integer, else `bigint`;
 * - str → `string`; bytes / bytearray → `Uint8Array`;
 * - list → a mutable array; tuple → a frozen array (`isPickleTuple`);
 * - dict → `Map` (string and number keys look up by value);
 * - set / frozenset → `Set`.
 */

export type { PickleGlobalHandler, PickleOptions, PickleValue } from "./pickle-values.js";
export { isPickleTuple, PickleGlobal, PickleObject } from "./pickle-values.js";

/** Decodes a whole pickle held in memory. */
export function parsePickle(bytes: Uint8Array, options: PickleOptions = {}): PickleValue {
  return runPickle(new Unpickler(bytes, options));
}

/** Reads and decodes a pickle file. */
export function readPickle(path: string, options: Omit<PickleOptions, "file"> = {}): PickleValue {
  const bytes = readFileBytes(path);
  return parsePickle(bytes, { ...options, file: path });
}
