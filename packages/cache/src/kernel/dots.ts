/**
 * The retrieval's dot-product kernel: `dots.wat`, compiled to WebAssembly at
 * build time (`tooling/scripts/build-wat.mjs` writes `dots.generated.ts`), so
 * nothing is compiled or downloaded at run time.
 */
import { moduleBytes } from "./dots.generated.js";

/** The parts of the WebAssembly JS API used here (the ES library types have none; descriptors keeps the same few lines). */
interface WasmApi {
  validate(bytes: Uint8Array): boolean;
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object, imports: object) => { readonly exports: Record<string, unknown> };
  Memory: new (descriptor: { initial: number; maximum: number }) => { readonly buffer: ArrayBuffer };
}
const api = (globalThis as unknown as { WebAssembly?: WasmApi }).WebAssembly;

let compiled: object | null | undefined;

/** A kernel instance over its own memory. */
export interface DotKernel {
  readonly memory: { readonly buffer: ArrayBuffer };
  /** See dots.wat: pointers are byte offsets into `memory`, `stride` a multiple of 16 floats. */
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
  if (compiled === undefined) {
    try {
      compiled = api?.validate(moduleBytes) ? new api.Module(moduleBytes) : null;
    } catch {
      compiled = null;
    }
  }
  if (!compiled || !api) return null;
  const pages = Math.max(1, Math.ceil(bytes / 65536));
  const memory = new api.Memory({ initial: pages, maximum: pages });
  const instance = new api.Instance(compiled, { env: { memory } });
  return { memory, dots: instance.exports.dots as DotKernel["dots"] };
}
