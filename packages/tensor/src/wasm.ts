/**
 * A very small WebAssembly assembler: opcode constants, LEB128, sections and
 * a typed view of the WebAssembly JS API. Kernels (the cache's dot products,
 * descriptor extraction) are written as instruction lists and assembled at
 * run time, so no compiled binary is shipped or downloaded: their source is
 * the TypeScript that emits them.
 */

/** Core opcodes used by the kernels. */
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
  i32Shl: 0x74,
  f32Add: 0x92,
  simd: 0xfd,
} as const;

/** SIMD (0xfd-prefixed) opcodes used by the kernels. */
export const SIMD = {
  v128Load: 0x00,
  v128Store: 0x0b,
  v128Const: 0x0c,
  f32x4ExtractLane: 0x1f,
  f32x4Add: 0xe4,
  f32x4Mul: 0xe6,
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

/** Instruction helpers returning byte lists. */
export const asm = {
  get: (local: number): number[] => [OP.localGet, ...uleb(local)],
  set: (local: number): number[] => [OP.localSet, ...uleb(local)],
  i32: (value: number): number[] => [OP.i32Const, ...sleb(value)],
  simd: (op: number): number[] => [OP.simd, ...uleb(op)],
  /** v128.load with a byte offset immediate (alignment hint 1 byte: any address works). */
  v128Load: (offset: number): number[] => [OP.simd, ...uleb(SIMD.v128Load), 0, ...uleb(offset)],
  v128Store: (offset: number): number[] => [OP.simd, ...uleb(SIMD.v128Store), 0, ...uleb(offset)],
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

/** The parts of the WebAssembly JS API used here (typed locally: the ES lib has no WebAssembly types). */
export interface WasmMemory {
  readonly buffer: ArrayBuffer;
}
interface WasmApi {
  validate(bytes: Uint8Array): boolean;
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object, imports: object) => { readonly exports: Record<string, unknown> };
  Memory: new (descriptor: { initial: number; maximum: number }) => WasmMemory;
}
const wasmApi = (globalThis as unknown as { WebAssembly?: WasmApi }).WebAssembly;

/** Compiles module bytes, or returns null where WebAssembly (with SIMD) is unavailable. */
export function compileWasm(bytes: Uint8Array): object | null {
  try {
    return wasmApi?.validate(bytes) ? new wasmApi.Module(bytes) : null;
  } catch {
    return null;
  }
}

/** Instantiates a compiled module over a fresh memory of at least `bytes` bytes. */
export function instantiateWasm(
  module: object,
  bytes: number,
): { memory: WasmMemory; exports: Record<string, unknown> } | null {
  if (!wasmApi) return null;
  const pages = Math.max(1, Math.ceil(bytes / 65536));
  const memory = new wasmApi.Memory({ initial: pages, maximum: pages });
  const instance = new wasmApi.Instance(module, { env: { memory } });
  return { memory, exports: instance.exports };
}
