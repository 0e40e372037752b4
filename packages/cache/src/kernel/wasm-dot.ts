/**
 * A WebAssembly SIMD kernel for the retrieval's dot products, assembled here
 * from its instruction list (no toolchain, no binary download: the bytes
 * below are the source).
 *
 * dots(query, keys, out, slots, entries, stride):
 *   for slot in 0..slots:
 *     for entry in 0..entries:
 *       out[slot·entries + entry] = Σ_c query[slot·stride + c] · keys[(slot·entries + entry)·stride + c]
 * All pointers are byte offsets into the instance's memory; `stride` (floats)
 * is a multiple of 16. Four f32x4 accumulators per dot product: 16 lanes of
 * partial sums, added at the end.
 */

// Opcodes (WebAssembly core + SIMD proposal).
const OP = {
  block: 0x02,
  loop: 0x03,
  br: 0x0c,
  brIf: 0x0d,
  end: 0x0b,
  localGet: 0x20,
  localSet: 0x21,
  localTee: 0x22,
  i32Const: 0x41,
  i32Eqz: 0x45,
  i32GeU: 0x4f,
  i32Add: 0x6a,
  i32Mul: 0x6c,
  i32Shl: 0x74,
  f32Add: 0x92,
  f32Store: 0x38,
  simd: 0xfd,
} as const;
const SIMD = {
  v128Load: 0x00,
  v128Const: 0x0c,
  f32x4ExtractLane: 0x1f,
  f32x4Add: 0xe4,
  f32x4Mul: 0xe6,
} as const;
const VOID = 0x40;
const I32 = 0x7f;
const V128 = 0x7b;

function uleb(value: number): number[] {
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

function sleb(value: number): number[] {
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

function section(id: number, body: number[]): number[] {
  return [id, ...uleb(body.length), ...body];
}

function name(text: string): number[] {
  const bytes = [...new TextEncoder().encode(text)];
  return [...uleb(bytes.length), ...bytes];
}

// Parameters and locals of `dots`.
const P_QUERY = 0;
const P_KEYS = 1;
const P_OUT = 2;
const P_SLOTS = 3;
const P_ENTRIES = 4;
const P_STRIDE = 5;
const L_SLOT = 6;
const L_ENTRY = 7;
const L_CHANNEL_BYTES = 8; // byte offset inside a row
const L_ROW_BYTES = 9; // stride · 4
const L_QROW = 10; // byte address of the query row of this slot
const L_KEY = 11; // byte address of the current key row
const L_ACC0 = 12; // four v128 accumulators: 12..15

const get = (local: number) => [OP.localGet, ...uleb(local)];
const set = (local: number) => [OP.localSet, ...uleb(local)];
const i32 = (value: number) => [OP.i32Const, ...sleb(value)];
const simd = (op: number) => [OP.simd, ...uleb(op)];
const load = (offset: number) => [...simd(SIMD.v128Load), 4, ...uleb(offset)]; // align 2^4

function dotsBody(): number[] {
  const zero = [...simd(SIMD.v128Const), ...new Array(16).fill(0)];
  const body: number[] = [];
  const emit = (...parts: number[][]) => {
    for (const part of parts) body.push(...part);
  };
  // rowBytes = stride << 2
  emit(get(P_STRIDE), i32(2), [OP.i32Shl], set(L_ROW_BYTES));
  emit(i32(0), set(L_SLOT), get(P_KEYS), set(L_KEY));
  // for slot in 0..slots
  emit([OP.block, VOID, OP.loop, VOID]);
  emit(get(L_SLOT), get(P_SLOTS), [OP.i32GeU], [OP.brIf, 1]);
  emit(get(P_QUERY), get(L_SLOT), get(L_ROW_BYTES), [OP.i32Mul], [OP.i32Add], set(L_QROW));
  emit(i32(0), set(L_ENTRY));
  //   for entry in 0..entries
  emit([OP.block, VOID, OP.loop, VOID]);
  emit(get(L_ENTRY), get(P_ENTRIES), [OP.i32GeU], [OP.brIf, 1]);
  for (let a = 0; a < 4; a++) emit(zero, set(L_ACC0 + a));
  emit(i32(0), set(L_CHANNEL_BYTES));
  //     for channel in 0..stride step 16 (64 bytes)
  emit([OP.block, VOID, OP.loop, VOID]);
  emit(get(L_CHANNEL_BYTES), get(L_ROW_BYTES), [OP.i32GeU], [OP.brIf, 1]);
  for (let a = 0; a < 4; a++) {
    // acc_a += query[qrow + cb + 16a] * key[key + cb + 16a]
    emit(get(L_ACC0 + a));
    emit(get(L_QROW), get(L_CHANNEL_BYTES), [OP.i32Add], load(16 * a));
    emit(get(L_KEY), get(L_CHANNEL_BYTES), [OP.i32Add], load(16 * a));
    emit(simd(SIMD.f32x4Mul), simd(SIMD.f32x4Add), set(L_ACC0 + a));
  }
  emit(get(L_CHANNEL_BYTES), i32(64), [OP.i32Add], set(L_CHANNEL_BYTES));
  emit([OP.br, 0, OP.end, OP.end]);
  //     horizontal sum of the 16 lanes → out
  emit(get(L_ACC0), get(L_ACC0 + 1), simd(SIMD.f32x4Add), get(L_ACC0 + 2), simd(SIMD.f32x4Add));
  emit(get(L_ACC0 + 3), simd(SIMD.f32x4Add), set(L_ACC0));
  emit(get(P_OUT));
  emit(get(L_ACC0), simd(SIMD.f32x4ExtractLane), [0]);
  emit(get(L_ACC0), simd(SIMD.f32x4ExtractLane), [1], [OP.f32Add]);
  emit(get(L_ACC0), simd(SIMD.f32x4ExtractLane), [2], [OP.f32Add]);
  emit(get(L_ACC0), simd(SIMD.f32x4ExtractLane), [3], [OP.f32Add]);
  emit([OP.f32Store, 2, 0]);
  emit(get(P_OUT), i32(4), [OP.i32Add], set(P_OUT));
  emit(get(L_KEY), get(L_ROW_BYTES), [OP.i32Add], set(L_KEY));
  emit(get(L_ENTRY), i32(1), [OP.i32Add], set(L_ENTRY));
  emit([OP.br, 0, OP.end, OP.end]);
  emit(get(L_SLOT), i32(1), [OP.i32Add], set(L_SLOT));
  emit([OP.br, 0, OP.end, OP.end]);
  emit([OP.end]);
  const locals = [2, ...uleb(6), I32, ...uleb(4), V128];
  const code = [...locals, ...body];
  return [...uleb(code.length), ...code];
}

/** The module's bytes: imports env.memory, exports `dots`. */
export function dotKernelModuleBytes(): Uint8Array {
  const magic = [0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00];
  const type = section(1, [1, 0x60, 6, I32, I32, I32, I32, I32, I32, 0]);
  const imports = section(2, [1, ...name("env"), ...name("memory"), 0x02, 0x00, ...uleb(1)]);
  const functions = section(3, [1, 0]);
  const exports = section(7, [1, ...name("dots"), 0x00, 0]);
  const code = section(10, [1, ...dotsBody()]);
  return new Uint8Array([...magic, ...type, ...imports, ...functions, ...exports, ...code]);
}

/** The parts of the WebAssembly JS API used here (typed locally: the ES lib has no WebAssembly types). */
interface WasmMemory {
  readonly buffer: ArrayBuffer;
}
interface WasmApi {
  validate(bytes: Uint8Array): boolean;
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object, imports: object) => { readonly exports: Record<string, unknown> };
  Memory: new (descriptor: { initial: number; maximum: number }) => WasmMemory;
}
const wasmApi = (globalThis as unknown as { WebAssembly?: WasmApi }).WebAssembly;

let compiled: object | null | undefined;

/** The compiled module, or null where WebAssembly SIMD is unavailable. */
export function dotKernelModule(): object | null {
  if (compiled !== undefined) return compiled;
  try {
    const bytes = dotKernelModuleBytes();
    compiled = wasmApi?.validate(bytes) ? new wasmApi.Module(bytes) : null;
  } catch {
    compiled = null;
  }
  return compiled;
}

/** A kernel instance over its own memory. */
export interface DotKernel {
  readonly memory: WasmMemory;
  dots(
    queryByte: number,
    keysByte: number,
    outByte: number,
    slots: number,
    entries: number,
    stride: number,
  ): void;
}

/** Instantiates the kernel with `bytes` of memory, or returns null without SIMD support. */
export function createDotKernel(bytes: number): DotKernel | null {
  const module = dotKernelModule();
  if (!module || !wasmApi) return null;
  const pages = Math.max(1, Math.ceil(bytes / 65536));
  const memory = new wasmApi.Memory({ initial: pages, maximum: pages });
  const instance = new wasmApi.Instance(module, { env: { memory } });
  const dots = instance.exports.dots as DotKernel["dots"];
  return { memory, dots };
}
