import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { FormatError } from "@skeleton-cache/errors";
import { dataPath, itWithData, parityDir, tempDir } from "@skeleton-cache/test-support";
import { describe, expect, it } from "vitest";
import {
  encodeNpy,
  encodeNpz,
  encodeSafetensors,
  encodeZip,
  listZip,
  type NpyArray,
  parseNpy,
  parseNpz,
  parseSafetensors,
  readNpy,
  readNpz,
  readTorch,
  writeNpz,
} from "./index.js";

const FIXTURES = fileURLToPath(new URL("../fixtures/", import.meta.url));
const PARITY = parityDir("u12-t13");

describe("npz", () => {
  it("reads NumPy's stored (savez) and deflated (savez_compressed) archives", () => {
    const f4 = readNpy(path.join(FIXTURES, "f4.npy"));
    const i8 = readNpy(path.join(FIXTURES, "i8.npy"));
    const stored = readNpz(path.join(FIXTURES, "stored.npz"));
    expect([...stored.keys()]).toEqual(["logits", "labels"]);
    expect(stored.get("logits")).toEqual(f4);
    expect(stored.get("labels")).toEqual(i8);
    expect(listZip(fs.readFileSync(path.join(FIXTURES, "deflated.npz"))).map((e) => e.method)).toEqual([
      8, 8, 8,
    ]);
    const deflated = readNpz(path.join(FIXTURES, "deflated.npz"));
    expect(deflated.get("logits")).toEqual(f4);
    expect(deflated.get("names")?.strings).toEqual(["walk", "sit", "\u00e9t\u00e9", "a"]);
  });

  it("round-trips stored and deflated archives, with byte-identical rewrites", () => {
    const original = parseNpz(fs.readFileSync(path.join(FIXTURES, "stored.npz")));
    const rewritten = encodeNpz(original);
    expect(parseNpz(rewritten)).toEqual(original);
    expect(Buffer.from(encodeNpz(parseNpz(rewritten))).equals(Buffer.from(rewritten))).toBe(true);
    const arrays = readNpz(path.join(FIXTURES, "deflated.npz"));
    const packed = encodeNpz(arrays, { compress: true });
    expect(parseNpz(packed)).toEqual(arrays);
    expect(Buffer.from(encodeNpz(arrays, { compress: true })).equals(Buffer.from(packed))).toBe(true);
    const target = path.join(tempDir("skc-npz-"), "a.npz");
    writeNpz(target, arrays);
    expect(readNpz(target)).toEqual(arrays);
  });

  it("refuses non-.npy members, CRC errors and object arrays", () => {
    const zip = encodeZip([{ name: "x.txt", data: Uint8Array.of(1) }]);
    expect(() => parseNpz(zip, "a.npz")).toThrow(/a\.npz: member x\.txt is not a \.npy array/);
    const good = encodeZip([{ name: "x.npy", data: encodeNpy(Float32Array.of(1, 2), [2]) }]);
    const bad = Uint8Array.from(good);
    bad[100] = bad[100]! ^ 0xff; // inside the stored data
    expect(() => parseNpz(bad, "a.npz")).toThrow(/a\.npz: member x\.npy: CRC-32 mismatch \(at byte \d+\)/);
    const object = encodeZip([{ name: "o.npy", data: fs.readFileSync(path.join(FIXTURES, "object.npy")) }]);
    expect(() => parseNpz(object, "o.npz")).toThrow(/o\.npz\[o\.npy\]: object arrays/);
    expect(() => parseNpz(Uint8Array.of(1, 2, 3), "n.npz")).toThrow(FormatError);
  });
});

describe("safetensors", () => {
  const tensors = new Map<string, NpyArray>([
    ["f32", parseNpy(encodeNpy(Float32Array.of(1, 2, 3, 4, 5, 6), [2, 3]))],
    ["f64", parseNpy(encodeNpy(Float64Array.of(-0.5), [1]))],
    ["i64", parseNpy(encodeNpy(BigInt64Array.of(-3n, 2n ** 40n), [2]))],
    ["i32", parseNpy(encodeNpy(Int32Array.of(7), []))],
    ["u8", parseNpy(encodeNpy(Uint8Array.of(0, 255), [2]))],
    ["bool", parseNpy(encodeNpy(Uint8Array.of(1, 0, 1), [3], "b1"))],
  ]);

  it("round-trips every dtype with metadata, deterministically", () => {
    const bytes = encodeSafetensors(tensors, { format: "pt", note: "x" });
    const headerLength = Number(new DataView(bytes.buffer).getBigUint64(0, true));
    expect(headerLength % 8).toBe(0);
    const back = parseSafetensors(bytes);
    expect(back.metadata).toEqual({ format: "pt", note: "x" });
    expect(back.tensors).toEqual(tensors);
    expect(Buffer.from(encodeSafetensors(back.tensors, back.metadata)).equals(Buffer.from(bytes))).toBe(true);
  });

  it("parses a hand-written file", () => {
    const header = '{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"__metadata__":{"k":"v"}}';
    const json = new TextEncoder().encode(header);
    const bytes = new Uint8Array(8 + json.length + 8);
    new DataView(bytes.buffer).setBigUint64(0, BigInt(json.length), true);
    bytes.set(json, 8);
    new DataView(bytes.buffer).setFloat32(8 + json.length, 1.5, true);
    new DataView(bytes.buffer).setFloat32(8 + json.length + 4, -2, true);
    const parsed = parseSafetensors(bytes, "h.safetensors");
    expect(Array.from(parsed.tensors.get("a")!.data as Float32Array)).toEqual([1.5, -2]);
    expect(parsed.metadata).toEqual({ k: "v" });
    // Wrong byte count for the shape, gaps and unknown dtypes are refused with the field.
    const wrong = new TextEncoder().encode(header.replace("[2]", "[3]"));
    const w = new Uint8Array(8 + wrong.length + 8);
    new DataView(w.buffer).setBigUint64(0, BigInt(wrong.length), true);
    w.set(wrong, 8);
    expect(() => parseSafetensors(w, "h.safetensors")).toThrow(
      /h\.safetensors: 8 bytes for shape \(3\) of F32, which needs 12 \(at header\.a\.data_offsets\)/,
    );
    const half = new TextEncoder().encode(header.replace("F32", "F16"));
    const h = new Uint8Array(8 + half.length + 8);
    new DataView(h.buffer).setBigUint64(0, BigInt(half.length), true);
    h.set(half, 8);
    expect(() => parseSafetensors(h, "h.safetensors")).toThrow(
      /unsupported dtype "F16" \(at header\.a\.dtype\)/,
    );
    expect(() => parseSafetensors(bytes.subarray(0, bytes.length - 1), "h.safetensors")).toThrow(FormatError);
  });
});

describe("PyTorch zip .pt", () => {
  it("reads the authors' encoder_outputs.pt (schema v2) and matches the .npy files", () => {
    const value = readTorch(path.join(PARITY, "encoder_outputs.pt")) as Map<string, unknown>;
    expect(value.get("schema_version")).toBe(2);
    expect(value.get("num_unseen")).toBe(12);
    expect(value.get("unseen_class_indices")).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11]);
    expect((value.get("slot_order") as string[])[7]).toBe("global");
    for (const [key, npy] of [
      ["skeleton_features", "features.npy"],
      ["logits", "logits.npy"],
      ["labels", "labels.npy"],
    ] as const) {
      const tensor = value.get(key) as NpyArray;
      const reference = readNpy(path.join(PARITY, npy));
      expect(tensor.dtype, key).toBe(reference.dtype);
      expect(tensor.shape, key).toEqual(reference.shape);
      expect(Buffer.from(tensor.data.buffer).equals(Buffer.from(reference.data.buffer)), key).toBe(true);
    }
  });

  const CHECKPOINT = "real/checkpoints/2001_EfficientGCN-B0_ntu-xsub.pth.tar";
  itWithData(
    [CHECKPOINT],
    "reads a real training checkpoint (state_dict of OrderedDicts, numpy values inside)",
    () => {
      const checkpoint = readTorch(dataPath(CHECKPOINT)) as Map<string, unknown>;
      expect(checkpoint.get("epoch")).toBe(66);
      const model = checkpoint.get("model") as Map<string, NpyArray>;
      expect(model.size).toBe(398);
      const weight = model.get("input_branches.0.init_bn.weight")!;
      expect(weight.dtype).toBe("f4");
      expect(weight.shape.length).toBe(1);
      const best = checkpoint.get("best_state") as Map<string, unknown>;
      expect(best.get("acc_top1")).toBeCloseTo(0.899, 3);
    },
  );

  it("honours storage offsets and strides (transposed view)", () => {
    // Hand-built archive: a 2x3 float storage, and a tensor that views it transposed (stride (1, 3)) from offset 0.
    const storage = new Uint8Array(Float32Array.of(0, 1, 2, 3, 4, 5).buffer);
    const pkl = Buffer.concat([
      Buffer.from([0x80, 2]),
      Buffer.from("ctorch._utils\n_rebuild_tensor_v2\n(", "latin1"),
      Buffer.from(
        "(X\x07\x00\x00\x00storagectorch\nFloatStorage\nX\x01\x00\x00\x000X\x03\x00\x00\x00cpuK\x06tQ",
        "latin1",
      ),
      Buffer.from("K\x01K\x02K\x02\x86K\x01K\x03\x86\x89ccollections\nOrderedDict\n)RtR.", "latin1"),
    ]);
    const zip = encodeZip([
      { name: "t/data.pkl", data: pkl },
      { name: "t/data/0", data: storage },
    ]);
    const dir = tempDir("skc-pt-");
    fs.writeFileSync(path.join(dir, "t.pt"), zip);
    const tensor = readTorch(path.join(dir, "t.pt")) as unknown as NpyArray;
    // offset 1, size (2, 2), stride (1, 3): [[s1, s4], [s2, s5]]
    expect(tensor.shape).toEqual([2, 2]);
    expect(Array.from(tensor.data as Float32Array)).toEqual([1, 4, 2, 5]);
  });
});
