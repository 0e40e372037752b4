import { FormatError } from "@skeleton-cache/errors";
import {
  PickleGlobal,
  type PickleGlobalHandler,
  PickleObject,
  type PickleOptions,
  type PickleValue,
} from "./pickle-values.js";

const MARK = Symbol("mark");
type StackItem = PickleValue | typeof MARK;

const textDecoder = new TextDecoder("utf-8", { fatal: true });
const latin1Decoder = new TextDecoder("latin1");

/**
 * The state of the pickle virtual machine — the input cursor, the stack with
 * its MARKs, the memo — and the operations the opcodes are built from. The
 * opcodes themselves are in `pickle-opcodes.ts`.
 */
export class Unpickler {
  private readonly bytes: Uint8Array;
  private readonly view: DataView;
  private readonly file: string;
  private readonly options: PickleOptions;
  private pos = 0;
  /** Offset of the opcode being executed, for messages. */
  at = 0;
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

  fail(message: string, position: number = this.at, extra: { value?: unknown } = {}): never {
    throw new FormatError(`${this.file}: ${message} (pickle byte ${position})`, {
      file: this.file,
      position,
      ...extra,
    });
  }

  /** Moves to the next opcode and returns it; undefined at the end of the input. */
  nextOpcode(): number | undefined {
    if (this.pos >= this.bytes.length) return undefined;
    this.at = this.pos;
    return this.bytes[this.pos++]!;
  }

  /** The input ended before STOP. */
  failWithoutStop(): never {
    return this.fail("truncated: the pickle ends without STOP", this.bytes.length);
  }

  private need(count: number, what: string): void {
    if (count < 0 || this.pos + count > this.bytes.length) {
      this.fail(
        `truncated: ${what} needs ${count} bytes at byte ${this.pos}, only ${this.bytes.length - this.pos} left`,
      );
    }
  }

  u8(): number {
    this.need(1, "a 1-byte argument");
    return this.bytes[this.pos++]!;
  }
  u16(): number {
    this.need(2, "a 2-byte argument");
    const v = this.view.getUint16(this.pos, true);
    this.pos += 2;
    return v;
  }
  u32(): number {
    this.need(4, "a 4-byte argument");
    const v = this.view.getUint32(this.pos, true);
    this.pos += 4;
    return v;
  }
  i32(): number {
    this.need(4, "a 4-byte argument");
    const v = this.view.getInt32(this.pos, true);
    this.pos += 4;
    return v;
  }
  u64(): number {
    this.need(8, "an 8-byte length");
    const v = this.view.getBigUint64(this.pos, true);
    this.pos += 8;
    if (v > BigInt(this.bytes.length)) this.fail(`length ${v} exceeds the data size ${this.bytes.length}`);
    return Number(v);
  }
  /** A big-endian float64 (BINFLOAT). */
  f64be(what: string): number {
    this.need(8, what);
    const v = this.view.getFloat64(this.pos, false);
    this.pos += 8;
    return v;
  }
  take(count: number, what: string): Uint8Array {
    this.need(count, what);
    const out = this.bytes.subarray(this.pos, this.pos + count);
    this.pos += count;
    return out;
  }
  /** Reads up to (not including) the next "\n". */
  line(what: string): string {
    const end = this.bytes.indexOf(0x0a, this.pos);
    if (end < 0) this.fail(`truncated: ${what} has no terminating newline`);
    const text = latin1Decoder.decode(this.bytes.subarray(this.pos, end));
    this.pos = end + 1;
    return text;
  }
  utf8(raw: Uint8Array): string {
    try {
      return textDecoder.decode(raw);
    } catch {
      return this.fail("string is not valid UTF-8");
    }
  }

  push(value: PickleValue): void {
    this.stack.push(value);
  }
  pop(): PickleValue {
    if (this.stack.length === 0) this.fail("stack underflow");
    const value = this.stack.pop()!;
    if (value === MARK) this.fail("unexpected MARK on the stack");
    return value;
  }
  top(): PickleValue {
    if (this.stack.length === 0) this.fail("stack underflow");
    const value = this.stack[this.stack.length - 1]!;
    if (value === MARK) this.fail("unexpected MARK on the stack");
    return value;
  }
  /** MARK: opens a new stack; the current one waits on the meta stack. */
  mark(): void {
    this.metaStack.push(this.stack);
    this.stack = [];
  }
  /** POP: drops the top item, or closes an empty marked stack. */
  discard(): void {
    if (this.stack.length === 0) {
      this.popMark();
    } else {
      this.stack.pop();
    }
  }
  /** STOP: the single value left on the stack, with nothing after it. */
  finish(): PickleValue {
    if (this.metaStack.length > 0) this.fail("STOP with an open MARK");
    if (this.stack.length !== 1) this.fail(`STOP with ${this.stack.length} items on the stack, expected 1`);
    if (this.pos !== this.bytes.length) {
      this.fail(`${this.bytes.length - this.pos} bytes of trailing data after STOP`, this.pos);
    }
    return this.pop();
  }
  popMark(): PickleValue[] {
    const items = this.stack;
    const previous = this.metaStack.pop();
    if (previous === undefined) this.fail("no MARK to pop to");
    this.stack = previous;
    for (const item of items) if (item === MARK) this.fail("unexpected MARK among marked items");
    return items as PickleValue[];
  }

  decodeInt(text: string, what: string): number | bigint {
    const t = text.trim().replace(/L$/, "");
    if (!/^[+-]?\d+$/.test(t)) this.fail(`bad ${what} literal ${JSON.stringify(text.slice(0, 40))}`);
    const big = BigInt(t);
    return normaliseInt(big);
  }

  decodeLong(raw: Uint8Array): number | bigint {
    if (raw.length === 0) return 0;
    let value = 0n;
    for (let byteIndex = raw.length - 1; byteIndex >= 0; byteIndex--)
      value = (value << 8n) | BigInt(raw[byteIndex]!);
    if (raw[raw.length - 1]! & 0x80) value -= 1n << BigInt(raw.length * 8);
    return normaliseInt(value);
  }

  pyString(raw: Uint8Array): string | Uint8Array {
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

  findGlobal(module: string, name: string): PickleGlobal {
    const qualified = `${module}.${name}`;
    if (this.handler(qualified) === undefined) {
      this.fail(`global ${qualified} is not allowed (the reader never runs code)`, this.at, {
        value: qualified,
      });
    }
    return new PickleGlobal(module, name);
  }

  call(callable: PickleValue, args: readonly PickleValue[], opcode: string): PickleValue {
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

  build(object: PickleValue, state: PickleValue): PickleValue {
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

  setItems(dict: PickleValue, items: PickleValue[]): void {
    if (!(dict instanceof Map)) this.fail("SETITEM(S) on a value that is not a dict");
    if (items.length % 2 !== 0) this.fail(`SETITEMS with an odd number (${items.length}) of keys and values`);
    for (let i = 0; i < items.length; i += 2) dict.set(items[i]!, items[i + 1]!);
  }

  append(list: PickleValue, items: PickleValue[]): void {
    if (!Array.isArray(list) || Object.isFrozen(list)) this.fail("APPEND(S) on a value that is not a list");
    for (const item of items) (list as PickleValue[]).push(item);
  }

  addItems(set: PickleValue, items: PickleValue[]): void {
    if (!(set instanceof Set) || Object.isFrozen(set)) this.fail("ADDITEMS on a value that is not a set");
    for (const item of items) set.add(item);
  }

  persistent(pid: PickleValue): PickleValue {
    const load = this.options.persistentLoad;
    if (!load) this.fail("persistent id found but no persistentLoad was given");
    try {
      return load(pid);
    } catch (error) {
      return this.fail(`persistent id could not be resolved: ${(error as Error).message}`);
    }
  }

  /** Stores the top of the stack under `index`. */
  memoPut(index: number): void {
    this.memo.set(index, this.top());
  }
  /** MEMOIZE: stores the top of the stack under the next free index. */
  memoize(): void {
    this.memo.set(this.memo.size, this.top());
  }
  memoGet(index: number): PickleValue {
    if (!this.memo.has(index)) this.fail(`memo key ${index} is not defined`, this.at, { value: index });
    return this.memo.get(index)!;
  }

  memoIndex(text: string): number {
    if (!/^\d+$/.test(text)) this.fail(`bad memo index ${JSON.stringify(text.slice(0, 40))}`);
    return Number(text);
  }

  /** Decodes a protocol-0 quoted string literal ('...' or "...") with Python escapes into bytes. */
  unquote(text: string): Uint8Array {
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
  rawUnicodeEscape(text: string): string {
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
