import { describe, expect, it } from "vitest";
import { asm, assembleModule, OP, SIMD, sleb, TYPE, uleb } from "./assembler.js";
import { compileWasm, instantiateWasm } from "./webassembly.js";

describe("the descriptor kernel's assembler", () => {
  it("encodes LEB128 as the WebAssembly spec's examples", () => {
    expect(uleb(0)).toEqual([0]);
    expect(uleb(127)).toEqual([0x7f]);
    expect(uleb(128)).toEqual([0x80, 0x01]);
    expect(uleb(624485)).toEqual([0xe5, 0x8e, 0x26]);
    expect(sleb(-1)).toEqual([0x7f]);
    expect(sleb(63)).toEqual([0x3f]);
    expect(sleb(64)).toEqual([0xc0, 0x00]);
    expect(sleb(-123456)).toEqual([0xc0, 0xbb, 0x78]);
    expect(asm.f32(0.1)).toEqual([OP.f32Const, 0xcd, 0xcc, 0xcc, 0x3d]);
  });

  it("assembles a module that validates and runs: a loop, SIMD loads and adds, a float32 store", () => {
    // sum4(src, dst, n): dst[0] = the lanes of Σ_{i < n} (4 floats at src + 16·i), added lane 0 + 1 + 2 + 3.
    const { get, set, i32, simd, v128Load, f32Store, v128Zero } = asm;
    const [SRC, DST, N, I, ACC] = [0, 1, 2, 3, 4];
    const body = [
      ...[...v128Zero(), ...set(ACC), ...i32(0), ...set(I)],
      ...[OP.block, TYPE.void, OP.loop, TYPE.void],
      ...[...get(I), ...get(N), OP.i32GeU, OP.brIf, 1],
      ...[...get(ACC), ...get(SRC), ...v128Load(0), ...simd(SIMD.f32x4Add), ...set(ACC)],
      ...[...get(SRC), ...i32(16), OP.i32Add, ...set(SRC)],
      ...[...get(I), ...i32(1), OP.i32Add, ...set(I)],
      ...[OP.br, 0, OP.end, OP.end],
      ...[...get(DST), ...get(ACC), ...simd(SIMD.f32x4ExtractLane), 0],
      ...[1, 2, 3].flatMap((lane) => [...get(ACC), ...simd(SIMD.f32x4ExtractLane), lane, OP.f32Add]),
      ...f32Store(0),
    ];
    const bytes = assembleModule([
      {
        name: "sum4",
        params: 3,
        locals: [
          [1, TYPE.i32],
          [1, TYPE.v128],
        ],
        body,
      },
    ]);
    const module = compileWasm(bytes);
    expect(module).not.toBeNull();
    const instance = instantiateWasm(module!, 1024)!;
    const memory = new Float32Array(instance.memory.buffer);
    memory.set([1, 2, 3, 4, 10, 20, 30, 40], 0);
    (instance.exports.sum4 as (src: number, dst: number, n: number) => void)(0, 512, 2);
    expect(memory[128]).toBe(110);
    expect(compileWasm(Uint8Array.of(0, 0x61, 0x73, 0x6d, 9, 9, 9, 9))).toBeNull();
  });
});
