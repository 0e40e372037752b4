/**
 * The small WebAssembly assembler behind the descriptor kernel (private to
 * this package). It stays because the kernel is specialised at run time to
 * (T, V, phases, body parts): the same kernel written once as WebAssembly
 * text with loops over them ran 1.35–1.8× slower (bench/results.md, "Kernels").
 * Opcodes, LEB128, sections and a typed view of the WebAssembly JS API.
 */

/** Core opcodes the kernel uses. */
export const OP = {
  block: 0x02,
  loop: 0x03,
  br: 0x0c,
  brIf: 0x0d,
  end: 0x0b,
  localGet: 0x20,
  localSet: 0x21,
  f32Load: 0x2a,
  f32Store: 0x38,
  i32Const: 0x41,
  f32Const: 0x43,
  i32GeU: 0x4f,
  i32Add: 0x6a,
  i32Mul: 0x6c,
  f32Add: 0x92,
  f32Mul: 0x94,
  simd: 0xfd,
} as const;

/** SIMD (0xfd-prefixed) opcodes the kernel uses. */
export const SIMD = {
  v128Load: 0x00,
  v128Const: 0x0c,
  f32x4ExtractLane: 0x1f,
  f32x4Add: 0xe4,
} as const;

/** Value and block types. */
export const TYPE = { void: 0x40, i32: 0x7f, f32: 0x7d, v128: 0x7b, func: 0x60 } as const;

/** Unsigned LEB128. */
export function uleb(value: number): number[] {
  const out: number[] = [];
  let rest = value >>> 0;
  do {
    let byte = rest & 0x7f;
    rest >>>= 7;
    if (rest !== 0) byte |= 0x80;
    out.push(byte);
  } while (rest !== 0);
  return out;
}

/** Signed LEB128 (32-bit). */
export function sleb(value: number): number[] {
  const out: number[] = [];
  let rest = value | 0;
  for (;;) {
    const byte = rest & 0x7f;
    rest >>= 7;
    const done = (rest === 0 && (byte & 0x40) === 0) || (rest === -1 && (byte & 0x40) !== 0);
    out.push(done ? byte : byte | 0x80);
    if (done) return out;
  }
}

/** Little-endian bytes of a float32 constant. */
function f32Bytes(value: number): number[] {
  const bytes = new Uint8Array(4);
  new DataView(bytes.buffer).setFloat32(0, value, true);
  return [...bytes];
}

/** Instruction helpers returning byte lists. */
export const asm = {
  get: (local: number): number[] => [OP.localGet, ...uleb(local)],
  set: (local: number): number[] => [OP.localSet, ...uleb(local)],
  i32: (value: number): number[] => [OP.i32Const, ...sleb(value)],
  /** f32.const, the value rounded to float32. */
  f32: (value: number): number[] => [OP.f32Const, ...f32Bytes(value)],
  simd: (op: number): number[] => [OP.simd, ...uleb(op)],
  /** v128.load with a byte offset immediate (alignment hint 1 byte: any address works). */
  v128Load: (offset: number): number[] => [OP.simd, ...uleb(SIMD.v128Load), 0, ...uleb(offset)],
  f32Load: (offset: number): number[] => [OP.f32Load, 0, ...uleb(offset)],
  f32Store: (offset: number): number[] => [OP.f32Store, 0, ...uleb(offset)],
  v128Zero: (): number[] => [OP.simd, ...uleb(SIMD.v128Const), ...new Array<number>(16).fill(0)],
  f32Zero: (): number[] => [OP.f32Const, 0, 0, 0, 0],
};

function section(id: number, body: number[]): number[] {
  return [id, ...uleb(body.length), ...body];
}

function encodeName(text: string): number[] {
  const bytes = [...new TextEncoder().encode(text)];
  return [...uleb(bytes.length), ...bytes];
}

/** One exported function: its i32 parameter count, extra locals and body. */
export interface WasmFunction {
  readonly name: string;
  readonly params: number;
  /** Groups of extra locals: [count, type]. */
  readonly locals: readonly (readonly [number, number])[];
  /** Instructions, without the final `end`. */
  readonly body: readonly number[];
}

/** A module that imports `env.memory` and exports the given functions (i32 params, no results). */
export function assembleModule(functions: readonly WasmFunction[]): Uint8Array {
  const magic = [0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00];
  const types: number[] = [functions.length];
  for (const fn of functions)
    types.push(TYPE.func, ...uleb(fn.params), ...new Array<number>(fn.params).fill(TYPE.i32), 0);
  const imports = [1, ...encodeName("env"), ...encodeName("memory"), 0x02, 0x00, ...uleb(1)];
  const declarations = [functions.length, ...functions.map((_, index) => index)];
  const exports: number[] = [functions.length];
  functions.forEach((fn, index) => {
    exports.push(...encodeName(fn.name), 0x00, ...uleb(index));
  });
  const code: number[] = [functions.length];
  for (const fn of functions) {
    const locals: number[] = [...uleb(fn.locals.length)];
    for (const [count, type] of fn.locals) locals.push(...uleb(count), type);
    const body = [...locals, ...fn.body, OP.end];
    code.push(...uleb(body.length), ...body);
  }
  return new Uint8Array([
    ...magic,
    ...section(1, types),
    ...section(2, imports),
    ...section(3, declarations),
    ...section(7, exports),
    ...section(10, code),
  ]);
}
