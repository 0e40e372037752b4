import { FormatError } from "@skeleton-cache/errors";
import { readFileBytes } from "./files.js";

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

/** A global (class or function) referenced by the pickle, pushed as a value. */
export class PickleGlobal {
  constructor(
    readonly module: string,
    readonly name: string,
  ) {}
  get qualifiedName(): string {
    return `${this.module}.${this.name}`;
  }
}

/** An instance built by an allow-listed class without its own constructor logic. */
export class PickleObject {
  state: PickleValue | undefined;
  constructor(
    readonly className: string,
    readonly args: readonly PickleValue[],
  ) {
    this.state = undefined;
  }
}

/** Any value the reader can produce. */
export type PickleValue =
  | null
  | boolean
  | number
  | bigint
  | string
  | Uint8Array
  | PickleValue[]
  | readonly PickleValue[]
  | Map<PickleValue, PickleValue>
  | Set<PickleValue>
  | PickleGlobal
  | PickleObject
  | { readonly [key: string]: unknown };

/**
 * How one allow-listed global behaves:
 * - `true`: it may appear as a value (e.g. a storage type named inside a
 *   persistent id) but may not be called;
 * - a function: called by REDUCE / NEWOBJ / INST / OBJ with the arguments;
 * - an object with `construct` and optional `setState` (BUILD).
 */
export type PickleGlobalHandler =
  | true
  | ((args: readonly PickleValue[]) => PickleValue)
  | {
      readonly construct: (args: readonly PickleValue[]) => PickleValue;
      /** BUILD: applies `state` (like `__setstate__`) and returns the object to keep. */
      readonly setState?: (object: PickleValue, state: PickleValue) => PickleValue;
    };

export interface PickleOptions {
  /** Name used in error messages. */
  readonly file?: string;
  /** The allow-list, keyed by "module.name" (e.g. "collections.OrderedDict"). */
  readonly globals?: Readonly<Record<string, PickleGlobalHandler>>;
  /** Resolves a persistent id (PERSID / BINPERSID); without it they are refused. */
  readonly persistentLoad?: (pid: PickleValue) => PickleValue;
  /** How Python 2 `str` (STRING / BINSTRING / SHORT_BINSTRING) decodes: default "ascii", like Python. */
  readonly encoding?: "ascii" | "latin1" | "bytes";
}

/** True when `value` came from a pickled tuple. */
export function isPickleTuple(value: unknown): value is readonly PickleValue[] {
  return Array.isArray(value) && Object.isFrozen(value);
}

const MARK = Symbol("mark");
type StackItem = PickleValue | typeof MARK;

function tuple(items: PickleValue[]): readonly PickleValue[] {
  return Object.freeze(items);
}

const textDecoder = new TextDecoder("utf-8", { fatal: true });
const latin1Decoder = new TextDecoder("latin1");

/** Decodes a whole pickle held in memory. */
export function parsePickle(bytes: Uint8Array, options: PickleOptions = {}): PickleValue {
  return new Unpickler(bytes, options).load();
}

/** Reads and decodes a pickle file. */
export function readPickle(path: string, options: Omit<PickleOptions, "file"> = {}): PickleValue {
  const bytes = readFileBytes(path);
  return parsePickle(bytes, { ...options, file: path });
}

class Unpickler {
  private readonly bytes: Uint8Array;
  private readonly view: DataView;
  private readonly file: string;
  private readonly options: PickleOptions;
  private pos = 0;
  /** Offset of the opcode being executed, for messages. */
  private at = 0;
  private stack: StackItem[] = [];
  private readonly metaStack: StackItem[][] = [];
  private readonly memo = new Map<number, PickleValue>();
  /** Which allow-listed global built each object (for BUILD). */
  private readonly origin = new WeakMap<object, string>();

  constructor(bytes: Uint8Array, options: PickleOptions) {
    this.bytes = bytes;
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    this.file = options.file ?? "<pickle>";
    this.options = options;
  }

  private fail(message: string, position: number = this.at, extra: { value?: unknown } = {}): never {
    throw new FormatError(`${this.file}: ${message} (pickle byte ${position})`, {
      file: this.file,
      position,
      ...extra,
    });
  }

  private need(count: number, what: string): void {
    if (count < 0 || this.pos + count > this.bytes.length) {
      this.fail(
        `truncated: ${what} needs ${count} bytes at byte ${this.pos}, only ${this.bytes.length - this.pos} left`,
      );
    }
  }

  private u8(): number {
    this.need(1, "a 1-byte argument");
    return this.bytes[this.pos++]!;
  }
  private u16(): number {
    this.need(2, "a 2-byte argument");
    const v = this.view.getUint16(this.pos, true);
    this.pos += 2;
    return v;
  }
  private u32(): number {
    this.need(4, "a 4-byte argument");
    const v = this.view.getUint32(this.pos, true);
    this.pos += 4;
    return v;
  }
  private i32(): number {
    this.need(4, "a 4-byte argument");
    const v = this.view.getInt32(this.pos, true);
    this.pos += 4;
    return v;
  }
  private u64(): number {
    this.need(8, "an 8-byte length");
    const v = this.view.getBigUint64(this.pos, true);
    this.pos += 8;
    if (v > BigInt(this.bytes.length)) this.fail(`length ${v} exceeds the data size ${this.bytes.length}`);
    return Number(v);
  }
  private take(count: number, what: string): Uint8Array {
    this.need(count, what);
    const out = this.bytes.subarray(this.pos, this.pos + count);
    this.pos += count;
    return out;
  }
  /** Reads up to (not including) the next "\n". */
  private line(what: string): string {
    const end = this.bytes.indexOf(0x0a, this.pos);
    if (end < 0) this.fail(`truncated: ${what} has no terminating newline`);
    const text = latin1Decoder.decode(this.bytes.subarray(this.pos, end));
    this.pos = end + 1;
    return text;
  }
  private utf8(raw: Uint8Array): string {
    try {
      return textDecoder.decode(raw);
    } catch {
      return this.fail("string is not valid UTF-8");
    }
  }

  private push(value: PickleValue): void {
    this.stack.push(value);
  }
  private pop(): PickleValue {
    if (this.stack.length === 0) this.fail("stack underflow");
    const value = this.stack.pop()!;
    if (value === MARK) this.fail("unexpected MARK on the stack");
    return value;
  }
  private top(): PickleValue {
    if (this.stack.length === 0) this.fail("stack underflow");
    const value = this.stack[this.stack.length - 1]!;
    if (value === MARK) this.fail("unexpected MARK on the stack");
    return value;
  }
  private popMark(): PickleValue[] {
    const items = this.stack;
    const previous = this.metaStack.pop();
    if (previous === undefined) this.fail("no MARK to pop to");
    this.stack = previous;
    for (const item of items) if (item === MARK) this.fail("unexpected MARK among marked items");
    return items as PickleValue[];
  }

  private decodeInt(text: string, what: string): number | bigint {
    const t = text.trim().replace(/L$/, "");
    if (!/^[+-]?\d+$/.test(t)) this.fail(`bad ${what} literal ${JSON.stringify(text.slice(0, 40))}`);
    const big = BigInt(t);
    return normaliseInt(big);
  }

  private decodeLong(raw: Uint8Array): number | bigint {
    if (raw.length === 0) return 0;
    let value = 0n;
    for (let byteIndex = raw.length - 1; byteIndex >= 0; byteIndex--)
      value = (value << 8n) | BigInt(raw[byteIndex]!);
    if (raw[raw.length - 1]! & 0x80) value -= 1n << BigInt(raw.length * 8);
    return normaliseInt(value);
  }

  private pyString(raw: Uint8Array): string | Uint8Array {
    const encoding = this.options.encoding ?? "ascii";
    if (encoding === "bytes") return Uint8Array.from(raw);
    if (encoding === "ascii") {
      for (let i = 0; i < raw.length; i++) {
        if (raw[i]! > 0x7f) this.fail(`Python 2 str holds non-ASCII byte 0x${raw[i]!.toString(16)}`);
      }
    }
    return latin1Decoder.decode(raw);
  }

  private handler(qualified: string): PickleGlobalHandler | undefined {
    const globals = this.options.globals;
    if (!globals || !Object.hasOwn(globals, qualified)) return undefined;
    return globals[qualified];
  }

  private findGlobal(module: string, name: string): PickleGlobal {
    const qualified = `${module}.${name}`;
    if (this.handler(qualified) === undefined) {
      this.fail(`global ${qualified} is not allowed (the reader never runs code)`, this.at, {
        value: qualified,
      });
    }
    return new PickleGlobal(module, name);
  }

  private call(callable: PickleValue, args: readonly PickleValue[], opcode: string): PickleValue {
    if (!(callable instanceof PickleGlobal)) {
      this.fail(`${opcode} on a value that is not an allowed global`);
    }
    const qualified = callable.qualifiedName;
    const handler = this.handler(qualified);
    if (handler === undefined || handler === true) {
      this.fail(`${opcode} of global ${qualified} is not allowed`, this.at, { value: qualified });
    }
    let result: PickleValue;
    try {
      result = typeof handler === "function" ? handler(args) : handler.construct(args);
    } catch (error) {
      this.fail(`${opcode} of ${qualified} failed: ${(error as Error).message}`);
    }
    if (typeof result === "object" && result !== null) this.origin.set(result, qualified);
    return result;
  }

  private build(object: PickleValue, state: PickleValue): PickleValue {
    const qualified = typeof object === "object" && object !== null ? this.origin.get(object) : undefined;
    const handler = qualified === undefined ? undefined : this.handler(qualified);
    if (handler !== undefined && typeof handler === "object" && handler.setState) {
      try {
        return handler.setState(object, state);
      } catch (error) {
        this.fail(`BUILD of ${qualified} failed: ${(error as Error).message}`);
      }
    }
    if (object instanceof PickleObject) {
      object.state = state;
      return object;
    }
    return this.fail(`BUILD on ${qualified ?? "a plain value"} is not allowed`, this.at, {
      value: qualified,
    });
  }

  private setItems(dict: PickleValue, items: PickleValue[]): void {
    if (!(dict instanceof Map)) this.fail("SETITEM(S) on a value that is not a dict");
    if (items.length % 2 !== 0) this.fail(`SETITEMS with an odd number (${items.length}) of keys and values`);
    for (let i = 0; i < items.length; i += 2) dict.set(items[i]!, items[i + 1]!);
  }

  private append(list: PickleValue, items: PickleValue[]): void {
    if (!Array.isArray(list) || Object.isFrozen(list)) this.fail("APPEND(S) on a value that is not a list");
    for (const item of items) (list as PickleValue[]).push(item);
  }

  private persistent(pid: PickleValue): PickleValue {
    const load = this.options.persistentLoad;
    if (!load) this.fail("persistent id found but no persistentLoad was given");
    try {
      return load(pid);
    } catch (error) {
      return this.fail(`persistent id could not be resolved: ${(error as Error).message}`);
    }
  }

  private memoGet(index: number): PickleValue {
    if (!this.memo.has(index)) this.fail(`memo key ${index} is not defined`, this.at, { value: index });
    return this.memo.get(index)!;
  }

  load(): PickleValue {
    const bytes = this.bytes;
    while (this.pos < bytes.length) {
      this.at = this.pos;
      const op = bytes[this.pos++]!;
      switch (op) {
        // --- control, protocol 2+ framing
        case 0x80: {
          const proto = this.u8();
          if (proto > 5) this.fail(`unsupported pickle protocol ${proto}`, this.at, { value: proto });
          break;
        }
        case 0x95: // FRAME: an 8-byte length, then opcodes; purely a buffering hint.
          this.u64();
          break;
        case 0x2e: {
          // STOP
          if (this.metaStack.length > 0) this.fail("STOP with an open MARK");
          if (this.stack.length !== 1)
            this.fail(`STOP with ${this.stack.length} items on the stack, expected 1`);
          if (this.pos !== bytes.length) {
            this.fail(`${bytes.length - this.pos} bytes of trailing data after STOP`, this.pos);
          }
          return this.pop();
        }
        case 0x28: // MARK
          this.metaStack.push(this.stack);
          this.stack = [];
          break;
        case 0x30: // POP
          if (this.stack.length === 0) {
            this.popMark();
          } else {
            this.stack.pop();
          }
          break;
        case 0x31: // POP_MARK
          this.popMark();
          break;
        case 0x32: // DUP
          this.push(this.top());
          break;
        // --- numbers
        case 0x4e: // NONE
          this.push(null);
          break;
        case 0x88: // NEWTRUE
          this.push(true);
          break;
        case 0x89: // NEWFALSE
          this.push(false);
          break;
        case 0x49: {
          // INT (text): "01"/"00" are protocol-0 booleans
          const text = this.line("INT");
          if (text === "01") this.push(true);
          else if (text === "00") this.push(false);
          else this.push(this.decodeInt(text, "INT"));
          break;
        }
        case 0x4a: // BININT
          this.push(this.i32());
          break;
        case 0x4b: // BININT1
          this.push(this.u8());
          break;
        case 0x4d: // BININT2
          this.push(this.u16());
          break;
        case 0x4c: // LONG (text)
          this.push(this.decodeInt(this.line("LONG"), "LONG"));
          break;
        case 0x8a: {
          // LONG1
          const n = this.u8();
          this.push(this.decodeLong(this.take(n, "LONG1")));
          break;
        }
        case 0x8b: {
          // LONG4
          const n = this.i32();
          if (n < 0) this.fail(`LONG4 with negative length ${n}`);
          this.push(this.decodeLong(this.take(n, "LONG4")));
          break;
        }
        case 0x46: {
          // FLOAT (text)
          const text = this.line("FLOAT").trim();
          const value = parsePythonFloat(text);
          if (value === undefined) this.fail(`bad FLOAT literal ${JSON.stringify(text.slice(0, 40))}`);
          this.push(value);
          break;
        }
        case 0x47: {
          // BINFLOAT: big-endian float64
          this.need(8, "BINFLOAT");
          this.push(this.view.getFloat64(this.pos, false));
          this.pos += 8;
          break;
        }
        // --- strings and bytes
        case 0x53: {
          // STRING: a quoted Python 2 str literal
          const text = this.line("STRING");
          this.push(this.pyString(this.unquote(text)));
          break;
        }
        case 0x54: {
          // BINSTRING
          const n = this.i32();
          if (n < 0) this.fail(`BINSTRING with negative length ${n}`);
          this.push(this.pyString(this.take(n, "BINSTRING")));
          break;
        }
        case 0x55: // SHORT_BINSTRING
          this.push(this.pyString(this.take(this.u8(), "SHORT_BINSTRING")));
          break;
        case 0x56: // UNICODE (raw-unicode-escape text)
          this.push(this.rawUnicodeEscape(this.line("UNICODE")));
          break;
        case 0x58: // BINUNICODE
          this.push(this.utf8(this.take(this.u32(), "BINUNICODE")));
          break;
        case 0x8c: // SHORT_BINUNICODE
          this.push(this.utf8(this.take(this.u8(), "SHORT_BINUNICODE")));
          break;
        case 0x8d: // BINUNICODE8
          this.push(this.utf8(this.take(this.u64(), "BINUNICODE8")));
          break;
        case 0x42: // BINBYTES
          this.push(Uint8Array.from(this.take(this.u32(), "BINBYTES")));
          break;
        case 0x43: // SHORT_BINBYTES
          this.push(Uint8Array.from(this.take(this.u8(), "SHORT_BINBYTES")));
          break;
        case 0x8e: // BINBYTES8
          this.push(Uint8Array.from(this.take(this.u64(), "BINBYTES8")));
          break;
        case 0x96: // BYTEARRAY8
          this.push(Uint8Array.from(this.take(this.u64(), "BYTEARRAY8")));
          break;
        case 0x97: // NEXT_BUFFER
          this.fail("out-of-band buffers (NEXT_BUFFER) are not supported");
          break;
        case 0x98: // READONLY_BUFFER: no effect on the value we keep
          this.top();
          break;
        // --- containers
        case 0x29: // EMPTY_TUPLE
          this.push(tuple([]));
          break;
        case 0x74: // TUPLE
          this.push(tuple(this.popMark()));
          break;
        case 0x85: // TUPLE1
          this.push(tuple([this.pop()]));
          break;
        case 0x86: {
          // TUPLE2
          const b = this.pop();
          const a = this.pop();
          this.push(tuple([a, b]));
          break;
        }
        case 0x87: {
          // TUPLE3
          const c = this.pop();
          const b = this.pop();
          const a = this.pop();
          this.push(tuple([a, b, c]));
          break;
        }
        case 0x5d: // EMPTY_LIST
          this.push([]);
          break;
        case 0x6c: // LIST
          this.push(this.popMark());
          break;
        case 0x61: {
          // APPEND
          const item = this.pop();
          this.append(this.top(), [item]);
          break;
        }
        case 0x65: {
          // APPENDS
          const items = this.popMark();
          this.append(this.top(), items);
          break;
        }
        case 0x7d: // EMPTY_DICT
          this.push(new Map());
          break;
        case 0x64: {
          // DICT
          const dict = new Map<PickleValue, PickleValue>();
          this.setItems(dict, this.popMark());
          this.push(dict);
          break;
        }
        case 0x73: {
          // SETITEM
          const value = this.pop();
          const key = this.pop();
          this.setItems(this.top(), [key, value]);
          break;
        }
        case 0x75: {
          // SETITEMS
          const items = this.popMark();
          this.setItems(this.top(), items);
          break;
        }
        case 0x8f: // EMPTY_SET
          this.push(new Set());
          break;
        case 0x90: {
          // ADDITEMS
          const items = this.popMark();
          const set = this.top();
          if (!(set instanceof Set) || Object.isFrozen(set))
            this.fail("ADDITEMS on a value that is not a set");
          for (const item of items) set.add(item);
          break;
        }
        case 0x91: // FROZENSET
          this.push(Object.freeze(new Set(this.popMark())));
          break;
        // --- memo
        case 0x70: // PUT
          this.memo.set(this.memoIndex(this.line("PUT")), this.top());
          break;
        case 0x71: // BINPUT
          this.memo.set(this.u8(), this.top());
          break;
        case 0x72: // LONG_BINPUT
          this.memo.set(this.u32(), this.top());
          break;
        case 0x94: // MEMOIZE
          this.memo.set(this.memo.size, this.top());
          break;
        case 0x67: // GET
          this.push(this.memoGet(this.memoIndex(this.line("GET"))));
          break;
        case 0x68: // BINGET
          this.push(this.memoGet(this.u8()));
          break;
        case 0x6a: // LONG_BINGET
          this.push(this.memoGet(this.u32()));
          break;
        // --- persistent ids
        case 0x50: // PERSID
          this.push(this.persistent(this.line("PERSID")));
          break;
        case 0x51: // BINPERSID
          this.push(this.persistent(this.pop()));
          break;
        // --- globals and objects: allow-list only
        case 0x63: {
          // GLOBAL
          const module = this.line("GLOBAL module");
          const name = this.line("GLOBAL name");
          this.push(this.findGlobal(module, name));
          break;
        }
        case 0x93: {
          // STACK_GLOBAL
          const name = this.pop();
          const module = this.pop();
          if (typeof module !== "string" || typeof name !== "string")
            this.fail("STACK_GLOBAL needs two strings");
          this.push(this.findGlobal(module, name));
          break;
        }
        case 0x69: {
          // INST: module, name lines; args from the mark
          const module = this.line("INST module");
          const name = this.line("INST name");
          const callable = this.findGlobal(module, name);
          this.push(this.call(callable, this.popMark(), "INST"));
          break;
        }
        case 0x6f: {
          // OBJ: class and args from the mark
          const items = this.popMark();
          if (items.length === 0) this.fail("OBJ with no class");
          this.push(this.call(items[0]!, items.slice(1), "OBJ"));
          break;
        }
        case 0x52: {
          // REDUCE
          const args = this.pop();
          const callable = this.pop();
          if (!isPickleTuple(args)) this.fail("REDUCE arguments are not a tuple");
          this.push(this.call(callable, args, "REDUCE"));
          break;
        }
        case 0x81: {
          // NEWOBJ: cls.__new__(cls, *args)
          const args = this.pop();
          const cls = this.pop();
          if (!isPickleTuple(args)) this.fail("NEWOBJ arguments are not a tuple");
          this.push(this.call(cls, args, "NEWOBJ"));
          break;
        }
        case 0x92: {
          // NEWOBJ_EX: keyword arguments are refused
          const kwargs = this.pop();
          const args = this.pop();
          const cls = this.pop();
          if (!isPickleTuple(args)) this.fail("NEWOBJ_EX arguments are not a tuple");
          if (!(kwargs instanceof Map) || kwargs.size > 0)
            this.fail("NEWOBJ_EX with keyword arguments is not supported");
          this.push(this.call(cls, args, "NEWOBJ_EX"));
          break;
        }
        case 0x62: {
          // BUILD
          const state = this.pop();
          const object = this.pop();
          this.push(this.build(object, state));
          break;
        }
        case 0x82:
        case 0x83:
        case 0x84:
          this.fail("extension registry codes (EXT1/EXT2/EXT4) are not supported");
          break;
        default:
          this.fail(`unknown opcode 0x${op.toString(16).padStart(2, "0")}`, this.at, { value: op });
      }
    }
    return this.fail("truncated: the pickle ends without STOP", this.bytes.length);
  }

  private memoIndex(text: string): number {
    if (!/^\d+$/.test(text)) this.fail(`bad memo index ${JSON.stringify(text.slice(0, 40))}`);
    return Number(text);
  }

  /** Decodes a protocol-0 quoted string literal ('...' or "...") with Python escapes into bytes. */
  private unquote(text: string): Uint8Array {
    const quote = text[0];
    if (text.length < 2 || (quote !== "'" && quote !== '"') || text[text.length - 1] !== quote) {
      this.fail(`STRING argument is not a quoted literal: ${JSON.stringify(text.slice(0, 40))}`);
    }
    const body = text.slice(1, -1);
    const out: number[] = [];
    for (let i = 0; i < body.length; i++) {
      const ch = body.charCodeAt(i);
      if (ch !== 0x5c) {
        out.push(ch & 0xff);
        continue;
      }
      const next = body[++i];
      const simple: Record<string, number> = {
        n: 10,
        t: 9,
        r: 13,
        "\\": 92,
        "'": 39,
        '"': 34,
        a: 7,
        b: 8,
        f: 12,
        v: 11,
        "0": 0,
      };
      if (next === "x") {
        const hex = body.slice(i + 1, i + 3);
        if (!/^[0-9a-fA-F]{2}$/.test(hex)) this.fail(`bad \\x escape in STRING`);
        out.push(Number.parseInt(hex, 16));
        i += 2;
      } else if (next !== undefined && /[0-7]/.test(next)) {
        const oct = /^[0-7]{1,3}/.exec(body.slice(i))![0];
        out.push(Number.parseInt(oct, 8) & 0xff);
        i += oct.length - 1;
      } else if (next !== undefined && next in simple) {
        out.push(simple[next]!);
      } else {
        this.fail(`bad escape \\${next ?? ""} in STRING`);
      }
    }
    return Uint8Array.from(out);
  }

  /** Decodes Python's raw-unicode-escape: \uXXXX and \UXXXXXXXX escapes, other bytes latin-1. */
  private rawUnicodeEscape(text: string): string {
    return text.replace(/\\u([0-9a-fA-F]{4})|\\U([0-9a-fA-F]{8})/g, (_m, short?: string, long?: string) => {
      const code = Number.parseInt(short ?? long!, 16);
      if (code > 0x10ffff) this.fail(`bad code point U+${code.toString(16)} in UNICODE`);
      return String.fromCodePoint(code);
    });
  }
}

function normaliseInt(value: bigint): number | bigint {
  if (value >= BigInt(Number.MIN_SAFE_INTEGER) && value <= BigInt(Number.MAX_SAFE_INTEGER))
    return Number(value);
  return value;
}

function parsePythonFloat(text: string): number | undefined {
  const lower = text.toLowerCase();
  if (lower === "nan" || lower === "+nan" || lower === "-nan") return Number.NaN;
  if (lower === "inf" || lower === "+inf" || lower === "infinity") return Number.POSITIVE_INFINITY;
  if (lower === "-inf" || lower === "-infinity") return Number.NEGATIVE_INFINITY;
  if (!/^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(text)) return undefined;
  return Number(text);
}
