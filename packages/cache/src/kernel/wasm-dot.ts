/**
 * A WebAssembly SIMD kernel for the retrieval's dot products, assembled at
 * run time from the instruction list below (see `assembleModule` in the
 * tensor package: no toolchain, no shipped binary).
 *
 * dots(query, keys, out, slots, entries, stride):
 *   for slot in 0..slots:
 *     for entry in 0..entries:
 *       out[slot·entries + entry] = Σ_c query[slot·stride + c] · keys[(slot·entries + entry)·stride + c]
 * Pointers are byte offsets into the instance's memory; `stride` (floats) is
 * a multiple of 16. Four f32x4 accumulators per dot product: 16 lanes of
 * partial sums, added at the end.
 */
import {
  asm,
  assembleModule,
  compileWasm,
  instantiateWasm,
  OP,
  SIMD,
  TYPE,
  type WasmMemory,
} from "@skeleton-cache/tensor";

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
const L_QROW = 10; // byte address of this slot's query row
const L_KEY = 11; // byte address of the current key row
const L_ACC0 = 12; // four v128 accumulators: 12..15

function dotsBody(): number[] {
  const { get, set, i32, simd, v128Load, v128Zero } = asm;
  const body: number[] = [];
  const emit = (...parts: number[][]) => {
    for (const part of parts) body.push(...part);
  };
  emit(get(P_STRIDE), i32(2), [OP.i32Shl], set(L_ROW_BYTES));
  emit(i32(0), set(L_SLOT), get(P_KEYS), set(L_KEY));
  // for slot in 0..slots
  emit([OP.block, TYPE.void, OP.loop, TYPE.void]);
  emit(get(L_SLOT), get(P_SLOTS), [OP.i32GeU], [OP.brIf, 1]);
  emit(get(P_QUERY), get(L_SLOT), get(L_ROW_BYTES), [OP.i32Mul], [OP.i32Add], set(L_QROW));
  emit(i32(0), set(L_ENTRY));
  //   for entry in 0..entries
  emit([OP.block, TYPE.void, OP.loop, TYPE.void]);
  emit(get(L_ENTRY), get(P_ENTRIES), [OP.i32GeU], [OP.brIf, 1]);
  for (let a = 0; a < 4; a++) emit(v128Zero(), set(L_ACC0 + a));
  emit(i32(0), set(L_CHANNEL_BYTES));
  //     for channel in 0..stride, 16 floats (64 bytes) a turn
  emit([OP.block, TYPE.void, OP.loop, TYPE.void]);
  emit(get(L_CHANNEL_BYTES), get(L_ROW_BYTES), [OP.i32GeU], [OP.brIf, 1]);
  for (let a = 0; a < 4; a++) {
    // acc_a += query[qrow + cb + 16a] · key[key + cb + 16a]
    emit(get(L_ACC0 + a));
    emit(get(L_QROW), get(L_CHANNEL_BYTES), [OP.i32Add], v128Load(16 * a));
    emit(get(L_KEY), get(L_CHANNEL_BYTES), [OP.i32Add], v128Load(16 * a));
    emit(simd(SIMD.f32x4Mul), simd(SIMD.f32x4Add), set(L_ACC0 + a));
  }
  emit(get(L_CHANNEL_BYTES), i32(64), [OP.i32Add], set(L_CHANNEL_BYTES));
  emit([OP.br, 0, OP.end, OP.end]);
  //     the 16 lanes → out
  emit(get(L_ACC0), get(L_ACC0 + 1), simd(SIMD.f32x4Add), get(L_ACC0 + 2), simd(SIMD.f32x4Add));
  emit(get(L_ACC0 + 3), simd(SIMD.f32x4Add), set(L_ACC0));
  emit(get(P_OUT));
  emit(get(L_ACC0), simd(SIMD.f32x4ExtractLane), [0]);
  for (let lane = 1; lane < 4; lane++) emit(get(L_ACC0), simd(SIMD.f32x4ExtractLane), [lane], [OP.f32Add]);
  emit(asm.f32Store(0));
  emit(get(P_OUT), i32(4), [OP.i32Add], set(P_OUT));
  emit(get(L_KEY), get(L_ROW_BYTES), [OP.i32Add], set(L_KEY));
  emit(get(L_ENTRY), i32(1), [OP.i32Add], set(L_ENTRY));
  emit([OP.br, 0, OP.end, OP.end]);
  emit(get(L_SLOT), i32(1), [OP.i32Add], set(L_SLOT));
  emit([OP.br, 0, OP.end, OP.end]);
  return body;
}

/** The module's bytes: imports env.memory, exports `dots`. */
export function dotKernelModuleBytes(): Uint8Array {
  return assembleModule([
    {
      name: "dots",
      params: 6,
      locals: [
        [6, TYPE.i32],
        [4, TYPE.v128],
      ],
      body: dotsBody(),
    },
  ]);
}

let compiled: object | null | undefined;

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

/** Instantiates the kernel with `bytes` of memory, or returns null without WebAssembly SIMD. */
export function createDotKernel(bytes: number): DotKernel | null {
  if (compiled === undefined) compiled = compileWasm(dotKernelModuleBytes());
  if (!compiled) return null;
  const instance = instantiateWasm(compiled, bytes);
  if (!instance) return null;
  return { memory: instance.memory, dots: instance.exports.dots as DotKernel["dots"] };
}
