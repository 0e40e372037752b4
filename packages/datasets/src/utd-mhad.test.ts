import fs from "node:fs";
import path from "node:path";
import zlib from "node:zlib";
import { FormatError, ValueError } from "@skeleton-cache/errors";
import { dataPath, itWithData } from "@skeleton-cache/test-support";
import fc from "fast-check";
import { zlibSync } from "fflate";
import { describe, expect, it } from "vitest";
import { loadUtdMhad, parseMat, parseUtdMhadName, readMat, UtdMhadDataset } from "./index.js";

const UTD_DIR = `${dataPath("real/utd-mhad")}/`;

/** Builds a little-endian MAT v5 file holding one double matrix, optionally compressed. */
function buildMat(name: string, dims: number[], values: number[], compress: boolean): Uint8Array {
  const header = new Uint8Array(128).fill(0x20);
  header.set(new TextEncoder().encode("MATLAB 5.0 MAT-file, test"), 0);
  header.fill(0, 116, 124);
  header.set([0x00, 0x01, 0x49, 0x4d], 124); // version 0x0100, "IM"
  const parts: number[] = [];
  const u32 = (v: number) => parts.push(v & 0xff, (v >>> 8) & 0xff, (v >>> 16) & 0xff, v >>> 24);
  const pad = () => {
    while (parts.length % 8) parts.push(0);
  };
  // flags
  u32(6);
  u32(8);
  u32(6);
  u32(0);
  // dims
  u32(5);
  u32(dims.length * 4);
  for (const d of dims) u32(d);
  pad();
  // name (small element when <= 4 bytes)
  const nameBytes = [...new TextEncoder().encode(name)];
  if (nameBytes.length <= 4) {
    u32((nameBytes.length << 16) | 1);
    parts.push(...nameBytes);
    pad();
  } else {
    u32(1);
    u32(nameBytes.length);
    parts.push(...nameBytes);
    pad();
  }
  const dv = new DataView(new ArrayBuffer(values.length * 8));
  values.forEach((v, i) => {
    dv.setFloat64(i * 8, v, true);
  });
  u32(9);
  u32(values.length * 8);
  parts.push(...new Uint8Array(dv.buffer));
  pad();
  const body = Uint8Array.from(parts);
  const matrix = new Uint8Array(8 + body.length);
  new DataView(matrix.buffer).setUint32(0, 14, true);
  new DataView(matrix.buffer).setUint32(4, body.length, true);
  matrix.set(body, 8);
  let element = matrix;
  if (compress) {
    const z = zlibSync(matrix);
    element = new Uint8Array(8 + z.length);
    new DataView(element.buffer).setUint32(0, 15, true);
    new DataView(element.buffer).setUint32(4, z.length, true);
    element.set(z, 8);
  }
  const out = new Uint8Array(128 + element.length);
  out.set(header, 0);
  out.set(element, 128);
  return out;
}

describe("MAT v5 reader", () => {
  itWithData(
    ["real/utd-mhad"],
    "reads d_skel from real UTD-MHAD files (values checked against scipy.io.loadmat)",
    () => {
      // scipy: d_skel.shape, d[0,0,0], d[19,2,-1], d[5,1,3], d.sum()
      const golden: [string, number, number, number, number, number][] = [
        ["a1_s1_t1", 48, -0.045762646943330765, 2.9011144638061523, -0.08376605063676834, 2420.2002687272616],
        ["a27_s8_t3", 95, -0.06571241468191147, 2.9286627769470215, -0.07804281264543533, 4711.835077986994],
        ["a13_s4_t2", 76, -0.08131847530603409, 2.913991928100586, -0.163035050034523, 3741.5378811841365],
      ];
      for (const [name, frames, first, last, mid, sum] of golden) {
        const skel = readMat(`${UTD_DIR}${name}_skeleton.mat`).get("d_skel")!;
        expect(skel.className).toBe("double");
        expect(skel.dims).toEqual([20, 3, frames]);
        const at = (v: number, c: number, t: number) => skel.data[v + 20 * c + 60 * t]!;
        expect(at(0, 0, 0)).toBe(first);
        expect(at(19, 2, frames - 1)).toBe(last);
        expect(at(5, 1, 3)).toBe(mid);
        expect(skel.data.reduce((a, b) => a + b, 0)).toBeCloseTo(sum, 8);
      }
    },
  );

  it("reads uncompressed and compressed files, small-element names included", () => {
    const values = [1, 2, 3, 4, 5, 6];
    for (const compress of [false, true])
      for (const name of ["x", "long_name"]) {
        const vars = parseMat(buildMat(name, [2, 3], values, compress), "t.mat");
        expect(vars.get(name)?.dims).toEqual([2, 3]);
        expect(Array.from(vars.get(name)!.data)).toEqual(values);
      }
  });

  it("refuses what it cannot read, naming file and byte offset", () => {
    expect(() => parseMat(new Uint8Array(10), "a.mat")).toThrow(/a\.mat: .*too short.*at byte 10/);
    const bad = buildMat("x", [2, 3], [1, 2, 3, 4, 5, 6], false);
    bad[128 + 16] = 1; // class cell
    expect(() => parseMat(bad, "b.mat")).toThrow(/b\.mat: variable "x" has class cell.*at byte 136/);
    const hdf = buildMat("x", [1, 1], [1], false);
    hdf.set(new TextEncoder().encode("MATLAB 7.3 MAT-file"), 0);
    expect(() => parseMat(hdf, "c.mat")).toThrow(/HDF5/);
  });

  itWithData(
    ["real/utd-mhad"],
    "fuzz: mutated real files give a FormatError naming file and byte, or the same finite shape",
    () => {
      const bytes = fs.readFileSync(`${UTD_DIR}a2_s3_t2_skeleton.mat`);
      const mutation = fc.oneof(
        fc.record({ kind: fc.constant("truncate"), at: fc.nat(bytes.length - 1) }),
        fc.record({ kind: fc.constant("flip"), at: fc.nat(bytes.length - 1), bit: fc.nat(7) }),
        fc.record({ kind: fc.constant("size"), at: fc.constantFrom(132, 133, 134, 135), value: fc.nat(255) }),
      );
      fc.assert(
        fc.property(mutation, (m) => {
          const mutated = Uint8Array.from(m.kind === "truncate" ? bytes.subarray(0, m.at) : bytes);
          if (m.kind === "flip") mutated[m.at]! ^= 1 << m.bit;
          if (m.kind === "size") mutated[m.at] = m.value;
          try {
            const skel = parseMat(mutated, "fuzz.mat").get("d_skel");
            if (skel) expect(skel.data.length).toBe(skel.dims.reduce((a, b) => a * b, 1));
          } catch (error) {
            expect(error).toBeInstanceOf(FormatError);
            expect((error as FormatError).details.file).toBe("fuzz.mat");
            expect((error as FormatError).details.position).toBeDefined();
          }
        }),
        { numRuns: 300 },
      );
    },
  );
});

describe("UTD-MHAD", () => {
  itWithData(["real/utd-mhad"], "lists the whole folder (861 files) and loads samples", () => {
    const ds = new UtdMhadDataset(UTD_DIR);
    const list = ds.list();
    expect(list).toHaveLength(861);
    expect(list[0]).toMatchObject({ name: "a1_s1_t1", action: 1, label: 0, subject: 1, replication: 1 });
    expect(list[0]!.className).toBe("swipe left");
    expect(new Set(list.map((s) => s.action)).size).toBe(27);
    for (const name of ["a1_s1_t1", "a9_s5_t3", "a27_s8_t3"]) {
      const seq = ds.load(name);
      expect(seq.layout).toBe("kinect-v1-20");
      expect(seq.shape[1]).toBe(1);
      expect(seq.shape[2]).toBe(20);
      expect(seq.shape[0]).toBeGreaterThan(30);
      expect(seq.joints.every(Number.isFinite)).toBe(true);
      // Kinect v1 metres: x, y within ±2 m, depth z between 1 and 5 m
      for (let i = 0; i < seq.joints.length; i += 3) {
        expect(Math.abs(seq.joints[i]!)).toBeLessThan(2);
        expect(Math.abs(seq.joints[i + 1]!)).toBeLessThan(2);
        expect(seq.joints[i + 2]).toBeGreaterThan(1);
        expect(seq.joints[i + 2]).toBeLessThan(5);
      }
    }
    const seq = loadUtdMhad(`${UTD_DIR}a1_s1_t1_skeleton.mat`);
    expect(seq.shape).toEqual([48, 1, 20, 3]);
    expect(seq.joints[0]).toBe(Math.fround(-0.045762646943330765));
    expect(() => ds.load("a1_s9_t1")).toThrow(ValueError);
  });

  it("parses file names", () => {
    expect(parseUtdMhadName("/x/a12_s3_t4_skeleton.mat")).toEqual({
      name: "a12_s3_t4",
      action: 12,
      subject: 3,
      trial: 4,
    });
    expect(() => parseUtdMhadName("a28_s1_t1_skeleton.mat")).toThrow(ValueError);
    expect(() => parseUtdMhadName("foo.mat")).toThrow(ValueError);
  });
});

describe("MAT inflation through fflate", () => {
  itWithData(
    ["real/utd-mhad/a1_s1_t1_skeleton.mat"],
    "gives every real UTD-MHAD file the bytes node:zlib inflates",
    () => {
      const dir = dataPath("real/utd-mhad");
      const files = fs.readdirSync(dir).filter((name) => name.endsWith(".mat"));
      expect(files.length).toBeGreaterThan(800);
      for (const name of files) {
        const bytes = fs.readFileSync(path.join(dir, name));
        const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
        expect(view.getUint32(128, true), name).toBe(15); // one miCOMPRESSED element after the header
        const size = view.getUint32(132, true);
        // The reference: the same file with its element inflated by node:zlib (used only here, as a witness).
        const plain = Buffer.concat([
          bytes.subarray(0, 128),
          zlib.inflateSync(bytes.subarray(136, 136 + size)),
        ]);
        const fromFflate = parseMat(bytes, name).get("d_skel")!;
        const fromZlib = parseMat(plain, name).get("d_skel")!;
        expect(fromFflate.dims).toEqual(fromZlib.dims);
        expect(Buffer.from(fromFflate.data.buffer).equals(Buffer.from(fromZlib.data.buffer)), name).toBe(
          true,
        );
      }
    },
  );

  it("refuses a compressed element whose Adler-32 trailer is wrong", () => {
    const bytes = buildMat("x", [2, 3], [1, 2, 3, 4, 5, 6], true);
    bytes[bytes.length - 1] = bytes[bytes.length - 1]! ^ 1;
    expect(() => parseMat(bytes, "z.mat")).toThrow(/z\.mat: compressed element does not inflate \(Adler-32/);
  });
});
