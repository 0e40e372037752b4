import type { Unpickler } from "./pickle-machine.js";
import { isPickleTuple, type PickleValue, tuple } from "./pickle-values.js";

/** What one opcode does to the machine (its arguments are read from the input by the handler). */
type OpcodeHandler = (vm: Unpickler) => void;
/** Opcodes of one kind, by their name in Python's `pickletools`: [byte, handler]. */
type OpcodeGroup = Readonly<Record<string, readonly [number, OpcodeHandler]>>;

const STOP = 0x2e;

/** Protocol and framing, the MARK stack (STOP is the loop's own exit, see `runPickle`). */
const FRAMING: OpcodeGroup = {
  PROTO: [
    0x80,
    (vm) => {
      const proto = vm.u8();
      if (proto > 5) vm.fail(`unsupported pickle protocol ${proto}`, vm.at, { value: proto });
    },
  ],
  FRAME: [0x95, (vm) => void vm.u64()], // an 8-byte length, then opcodes; purely a buffering hint
  MARK: [0x28, (vm) => vm.mark()],
  POP: [0x30, (vm) => vm.discard()],
  POP_MARK: [0x31, (vm) => void vm.popMark()],
  DUP: [0x32, (vm) => vm.push(vm.top())],
};

/** None, booleans, integers and floats. */
const NUMBERS: OpcodeGroup = {
  NONE: [0x4e, (vm) => vm.push(null)],
  NEWTRUE: [0x88, (vm) => vm.push(true)],
  NEWFALSE: [0x89, (vm) => vm.push(false)],
  INT: [0x49, textInt], // "01"/"00" are protocol-0 booleans
  BININT: [0x4a, (vm) => vm.push(vm.i32())],
  BININT1: [0x4b, (vm) => vm.push(vm.u8())],
  BININT2: [0x4d, (vm) => vm.push(vm.u16())],
  LONG: [0x4c, (vm) => vm.push(vm.decodeInt(vm.line("LONG"), "LONG"))],
  LONG1: [0x8a, (vm) => vm.push(vm.decodeLong(vm.take(vm.u8(), "LONG1")))],
  LONG4: [0x8b, (vm) => vm.push(vm.decodeLong(vm.take(nonNegative(vm, vm.i32(), "LONG4"), "LONG4")))],
  FLOAT: [0x46, textFloat],
  BINFLOAT: [0x47, (vm) => vm.push(vm.f64be("BINFLOAT"))],
};

/** Python 2 str, unicode str, bytes and buffers. */
const STRINGS: OpcodeGroup = {
  STRING: [0x53, (vm) => vm.push(vm.pyString(vm.unquote(vm.line("STRING"))))], // a quoted Python 2 str literal
  BINSTRING: [
    0x54,
    (vm) => vm.push(vm.pyString(vm.take(nonNegative(vm, vm.i32(), "BINSTRING"), "BINSTRING"))),
  ],
  SHORT_BINSTRING: [0x55, (vm) => vm.push(vm.pyString(vm.take(vm.u8(), "SHORT_BINSTRING")))],
  UNICODE: [0x56, (vm) => vm.push(vm.rawUnicodeEscape(vm.line("UNICODE")))],
  BINUNICODE: [0x58, (vm) => vm.push(vm.utf8(vm.take(vm.u32(), "BINUNICODE")))],
  SHORT_BINUNICODE: [0x8c, (vm) => vm.push(vm.utf8(vm.take(vm.u8(), "SHORT_BINUNICODE")))],
  BINUNICODE8: [0x8d, (vm) => vm.push(vm.utf8(vm.take(vm.u64(), "BINUNICODE8")))],
  BINBYTES: [0x42, (vm) => vm.push(Uint8Array.from(vm.take(vm.u32(), "BINBYTES")))],
  SHORT_BINBYTES: [0x43, (vm) => vm.push(Uint8Array.from(vm.take(vm.u8(), "SHORT_BINBYTES")))],
  BINBYTES8: [0x8e, (vm) => vm.push(Uint8Array.from(vm.take(vm.u64(), "BINBYTES8")))],
  BYTEARRAY8: [0x96, (vm) => vm.push(Uint8Array.from(vm.take(vm.u64(), "BYTEARRAY8")))],
  NEXT_BUFFER: [0x97, (vm) => vm.fail("out-of-band buffers (NEXT_BUFFER) are not supported")],
  READONLY_BUFFER: [0x98, (vm) => void vm.top()], // no effect on the value we keep
};

/** Tuples, lists, dicts and sets. */
const CONTAINERS: OpcodeGroup = {
  EMPTY_TUPLE: [0x29, (vm) => vm.push(tuple([]))],
  TUPLE: [0x74, (vm) => vm.push(tuple(vm.popMark()))],
  TUPLE1: [0x85, (vm) => vm.push(tuple(popItems(vm, 1)))],
  TUPLE2: [0x86, (vm) => vm.push(tuple(popItems(vm, 2)))],
  TUPLE3: [0x87, (vm) => vm.push(tuple(popItems(vm, 3)))],
  EMPTY_LIST: [0x5d, (vm) => vm.push([])],
  LIST: [0x6c, (vm) => vm.push(vm.popMark())],
  APPEND: [0x61, (vm) => vm.append(...withTarget(vm, popItems(vm, 1)))],
  APPENDS: [0x65, (vm) => vm.append(...withTarget(vm, vm.popMark()))],
  EMPTY_DICT: [0x7d, (vm) => vm.push(new Map())],
  DICT: [0x64, dict],
  SETITEM: [0x73, (vm) => vm.setItems(...withTarget(vm, popItems(vm, 2)))],
  SETITEMS: [0x75, (vm) => vm.setItems(...withTarget(vm, vm.popMark()))],
  EMPTY_SET: [0x8f, (vm) => vm.push(new Set())],
  ADDITEMS: [0x90, (vm) => vm.addItems(...withTarget(vm, vm.popMark()))],
  FROZENSET: [0x91, (vm) => vm.push(Object.freeze(new Set(vm.popMark())))],
};

/** The memo, and persistent ids resolved by the caller. */
const MEMO: OpcodeGroup = {
  PUT: [0x70, (vm) => vm.memoPut(vm.memoIndex(vm.line("PUT")))],
  BINPUT: [0x71, (vm) => vm.memoPut(vm.u8())],
  LONG_BINPUT: [0x72, (vm) => vm.memoPut(vm.u32())],
  MEMOIZE: [0x94, (vm) => vm.memoize()],
  GET: [0x67, (vm) => vm.push(vm.memoGet(vm.memoIndex(vm.line("GET"))))],
  BINGET: [0x68, (vm) => vm.push(vm.memoGet(vm.u8()))],
  LONG_BINGET: [0x6a, (vm) => vm.push(vm.memoGet(vm.u32()))],
  PERSID: [0x50, (vm) => vm.push(vm.persistent(vm.line("PERSID")))],
  BINPERSID: [0x51, (vm) => vm.push(vm.persistent(vm.pop()))],
};

/** Globals and the objects they build: allow-list only. */
const GLOBALS: OpcodeGroup = {
  GLOBAL: [0x63, (vm) => vm.push(vm.findGlobal(vm.line("GLOBAL module"), vm.line("GLOBAL name")))],
  STACK_GLOBAL: [0x93, stackGlobal],
  INST: [0x69, inst], // module, name lines; args from the mark
  OBJ: [0x6f, obj], // class and args from the mark
  REDUCE: [0x52, (vm) => reduce(vm, "REDUCE")],
  NEWOBJ: [0x81, (vm) => reduce(vm, "NEWOBJ")], // cls.__new__(cls, *args)
  NEWOBJ_EX: [0x92, newObjEx], // keyword arguments are refused
  BUILD: [0x62, (vm) => vm.push(vm.build(...(popItems(vm, 2) as [PickleValue, PickleValue])))],
  EXT1: [0x82, extension],
  EXT2: [0x83, extension],
  EXT4: [0x84, extension],
};

/** Every opcode the reader knows (except STOP), indexed by its byte. */
const OPCODES: readonly (OpcodeHandler | undefined)[] = opcodeTable([
  FRAMING,
  NUMBERS,
  STRINGS,
  CONTAINERS,
  MEMO,
  GLOBALS,
]);

/** Runs the machine's opcodes up to STOP and returns the value left on the stack. */
export function runPickle(vm: Unpickler): PickleValue {
  for (let op = vm.nextOpcode(); op !== undefined; op = vm.nextOpcode()) {
    if (op === STOP) return vm.finish();
    const handler = OPCODES[op];
    if (handler === undefined) {
      vm.fail(`unknown opcode 0x${op.toString(16).padStart(2, "0")}`, vm.at, { value: op });
    }
    handler(vm);
  }
  return vm.failWithoutStop();
}

function opcodeTable(groups: readonly OpcodeGroup[]): (OpcodeHandler | undefined)[] {
  const table = new Array<OpcodeHandler | undefined>(256).fill(undefined);
  for (const group of groups) for (const [code, handler] of Object.values(group)) table[code] = handler;
  return table;
}

/** Pops the top `count` items, returned in stack order (deepest first). */
function popItems(vm: Unpickler, count: number): PickleValue[] {
  const items = new Array<PickleValue>(count);
  for (let i = count - 1; i >= 0; i--) items[i] = vm.pop();
  return items;
}

/** The container under the popped items (left on the stack), then the items. */
function withTarget(vm: Unpickler, items: PickleValue[]): [PickleValue, PickleValue[]] {
  return [vm.top(), items];
}

function nonNegative(vm: Unpickler, length: number, opcode: string): number {
  if (length < 0) vm.fail(`${opcode} with negative length ${length}`);
  return length;
}

function textInt(vm: Unpickler): void {
  const text = vm.line("INT");
  if (text === "01") vm.push(true);
  else if (text === "00") vm.push(false);
  else vm.push(vm.decodeInt(text, "INT"));
}

function textFloat(vm: Unpickler): void {
  const text = vm.line("FLOAT").trim();
  const value = parsePythonFloat(text);
  if (value === undefined) vm.fail(`bad FLOAT literal ${JSON.stringify(text.slice(0, 40))}`);
  vm.push(value);
}

function dict(vm: Unpickler): void {
  const dict = new Map<PickleValue, PickleValue>();
  vm.setItems(dict, vm.popMark());
  vm.push(dict);
}

function stackGlobal(vm: Unpickler): void {
  const [module, name] = popItems(vm, 2);
  if (typeof module !== "string" || typeof name !== "string") vm.fail("STACK_GLOBAL needs two strings");
  vm.push(vm.findGlobal(module, name));
}

function inst(vm: Unpickler): void {
  const module = vm.line("INST module");
  const name = vm.line("INST name");
  const callable = vm.findGlobal(module, name);
  vm.push(vm.call(callable, vm.popMark(), "INST"));
}

function obj(vm: Unpickler): void {
  const items = vm.popMark();
  if (items.length === 0) vm.fail("OBJ with no class");
  vm.push(vm.call(items[0]!, items.slice(1), "OBJ"));
}

/** REDUCE / NEWOBJ: a callable and a tuple of arguments. */
function reduce(vm: Unpickler, opcode: "REDUCE" | "NEWOBJ"): void {
  const [callable, args] = popItems(vm, 2) as [PickleValue, PickleValue];
  if (!isPickleTuple(args)) vm.fail(`${opcode} arguments are not a tuple`);
  vm.push(vm.call(callable, args, opcode));
}

function newObjEx(vm: Unpickler): void {
  const [cls, args, kwargs] = popItems(vm, 3) as [PickleValue, PickleValue, PickleValue];
  if (!isPickleTuple(args)) vm.fail("NEWOBJ_EX arguments are not a tuple");
  if (!(kwargs instanceof Map) || kwargs.size > 0)
    vm.fail("NEWOBJ_EX with keyword arguments is not supported");
  vm.push(vm.call(cls, args, "NEWOBJ_EX"));
}

function extension(vm: Unpickler): void {
  vm.fail("extension registry codes (EXT1/EXT2/EXT4) are not supported");
}

/** Python's float literals, with nan and inf spelled as `repr` writes them. */
function parsePythonFloat(text: string): number | undefined {
  const lower = text.toLowerCase();
  if (lower === "nan" || lower === "+nan" || lower === "-nan") return Number.NaN;
  if (lower === "inf" || lower === "+inf" || lower === "infinity") return Number.POSITIVE_INFINITY;
  if (lower === "-inf" || lower === "-infinity") return Number.NEGATIVE_INFINITY;
  if (!/^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(text)) return undefined;
  return Number(text);
}
