/**
 * The parts of the WebAssembly JS API the kernel uses, typed here because the
 * ES library types have none (the cache package keeps the same few lines).
 */
export interface WasmMemory {
  readonly buffer: ArrayBuffer;
}
interface WasmApi {
  validate(bytes: Uint8Array): boolean;
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object, imports: object) => { readonly exports: Record<string, unknown> };
  Memory: new (descriptor: { initial: number; maximum: number }) => WasmMemory;
}
const api = (globalThis as unknown as { WebAssembly?: WasmApi }).WebAssembly;

/** Compiles module bytes, or returns null where WebAssembly (with SIMD) is unavailable. */
export function compileWasm(bytes: Uint8Array): object | null {
  try {
    return api?.validate(bytes) ? new api.Module(bytes) : null;
  } catch {
    return null;
  }
}

/** Instantiates a compiled module over a fresh memory of at least `bytes` bytes (never grown). */
export function instantiateWasm(
  module: object,
  bytes: number,
): { memory: WasmMemory; exports: Record<string, unknown> } | null {
  if (!api) return null;
  const pages = Math.max(1, Math.ceil(bytes / 65536));
  const memory = new api.Memory({ initial: pages, maximum: pages });
  const instance = new api.Instance(module, { env: { memory } });
  return { memory, exports: instance.exports };
}
