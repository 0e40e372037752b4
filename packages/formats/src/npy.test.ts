import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { FormatError } from "@skeleton-cache/errors";
import { parityDir, tempDir } from "@skeleton-cache/test-support";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  encodeNpy,
  encodeNpyArray,
  encodeNpyHeader,
  encodeNpyStrings,
  openNpy,
  parseNpy,
  parseNpyHeader,
  readNpy,
  toFloat32,
  toIntArray,
} from "./index.js";

const FIXTURES = fileURLToPath(new URL("../fixtures/", import.meta.url));

const fixture = (name: string) => path.join(FIXTURES, name);
const TMP = tempDir("skc-npy-");

describe("readNpy on NumPy-written files", () => {
  it("reads every dtype the field writes", () => {
    const f4 = readNpy(fixture("f4.npy"));
    expect(f4.dtype).toBe("f4");
    expect(f4.shape).toEqual([2, 3]);
    expect(Array.from(f4.data as Float32Array)).toEqual([0.5, -1.25, 3, Math.fround(1e-3), 2, -0]);
    const f8 = readNpy(fixture("f8.npy"));
    expect(Array.from(f8.data as Float64Array)).toEqual([1 / 3, -2.5, 1e300]);
    const i8 = readNpy(fixture("i8.npy"));
    expect(Array.from(i8.data as BigInt64Array)).toEqual([-(2n ** 40n), -1n, 0n, 5n]);
    expect(Array.from(toIntArray(readNpy(fixture("i4.npy"))))).toEqual([-7, 8, 2 ** 31 - 1, -(2 ** 31)]);
    expect(() => toIntArray(i8, "i8.npy")).toThrow(/i8\.npy: element 0 is -1099511627776/);
    const i4 = readNpy(fixture("i4.npy"));
    expect(i4.shape).toEqual([2, 2]);
    expect(Array.from(i4.data as Int32Array)).toEqual([-7, 8, 2 ** 31 - 1, -(2 ** 31)]);
    expect(Array.from(readNpy(fixture("u1.npy")).data as Uint8Array)).toEqual([0, 1, 255]);
    const b1 = readNpy(fixture("b1.npy"));
    expect(b1.dtype).toBe("b1");
    expect(Array.from(b1.data as Uint8Array)).toEqual([1, 0, 0, 1]);
    const u5 = readNpy(fixture("U5.npy"));
    expect(u5.dtype).toBe("U4");
    expect(u5.strings).toEqual(["walk", "sit", "\u00e9t\u00e9", "a"]);
    const scalar = readNpy(fixture("scalar.npy"));
    expect(scalar.shape).toEqual([]);
    expect(Array.from(scalar.data as Float64Array)).toEqual([3.5]);
  });

  it("reorders Fortran-order data to C order", () => {
    const array = readNpy(fixture("f4_fortran.npy"));
    expect(parseNpyHeader(fs.readFileSync(fixture("f4_fortran.npy"))).fortranOrder).toBe(true);
    expect(array.shape).toEqual([2, 3, 4]);
    expect(Array.from(array.data as Float32Array)).toEqual(Array.from({ length: 24 }, (_, i) => i));
  });

  it("reads header versions 1, 2 and 3 alike", () => {
    const v1 = readNpy(fixture("f4.npy"));
    for (const version of [2, 3]) {
      const bytes = fs.readFileSync(fixture(`f4_v${version}.npy`));
      expect(parseNpyHeader(bytes).version).toBe(version);
      expect(parseNpy(bytes)).toEqual(v1);
    }
  });

  it("refuses object arrays, naming the file", () => {
    expect(() => readNpy(fixture("object.npy"))).toThrow(
      /object\.npy: object arrays \(dtype 'O'\) are refused/,
    );
  });

  it("re-encodes NumPy's files byte for byte", () => {
    for (const name of ["f4", "f8", "i8", "i4", "u1", "b1", "U5", "scalar"]) {
      const bytes = fs.readFileSync(fixture(`${name}.npy`));
      expect(Buffer.from(encodeNpyArray(parseNpy(bytes))).equals(bytes), name).toBe(true);
    }
  });
});

describe("header shapes", () => {
  it("accepts only decimal dimensions, as numpy does", () => {
    const good = encodeNpyHeader("f4", [1000, 3]);
    const text = new TextDecoder("latin1").decode(good);
    for (const bad of ["1e3", "0x10", "+4", "1.5"]) {
      const header = new Uint8Array(
        Buffer.from(text.replace("(1000, 3)", `(${bad}, 3)`.padEnd(9)), "latin1"),
      );
      expect(() => parseNpyHeader(header, "bad.npy")).toThrow(/bad\.npy: bad shape entry/);
    }
  });
});

describe("encodeNpy / parseNpy", () => {
  it("round-trips float32 arrays of any shape (property)", () => {
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: 0, max: 4 }), { minLength: 1, maxLength: 4 }),
        fc.integer({ min: 0, max: 1000 }),
        (shape, seed) => {
          const n = shape.reduce((a, b) => a * b, 1);
          const data = Float32Array.from({ length: n }, (_, i) => Math.fround(Math.sin(seed + i) * 100));
          const back = parseNpy(encodeNpy(data, shape));
          expect(back.shape).toEqual(shape);
          expect(back.data).toEqual(data);
        },
      ),
      { numRuns: 50 },
    );
  });

  it("writes a v2 header when the dict does not fit 64 KiB", () => {
    const shape = Array.from({ length: 25_000 }, () => 1);
    const header = encodeNpyHeader("f4", shape);
    expect(header[6]).toBe(2);
    expect(header.length % 64).toBe(0);
    const back = parseNpy(encodeNpy(Float32Array.of(2), shape));
    expect(back.shape.length).toBe(25_000);
  });

  it("round-trips strings and bool", () => {
    const strings = parseNpy(encodeNpyStrings(["a", "snow \u2603", ""]));
    expect(strings.strings).toEqual(["a", "snow \u2603", ""]);
    const bool = parseNpy(encodeNpy(Uint8Array.of(1, 0), [2], "b1"));
    expect(bool.dtype).toBe("b1");
    expect(Array.from(toFloat32(bool))).toEqual([1, 0]);
  });

  it("rejects a header that disagrees with the data length, with the position", () => {
    const good = encodeNpy(Float32Array.of(1, 2, 3), [3]);
    expect(() => parseNpy(good.subarray(0, good.length - 1), "t.npy")).toThrow(
      /t\.npy: data truncated.*needs 12 bytes/,
    );
    const extra = new Uint8Array(good.length + 4);
    extra.set(good);
    expect(() => parseNpy(extra, "t.npy")).toThrow(/4 bytes after the data/);
    expect(() => parseNpy(Uint8Array.of(1, 2, 3), "t.npy")).toThrow(FormatError);
  });
});

describe("openNpy (streaming)", () => {
  const FEATURES = path.join(parityDir("u12-t13"), "features.npy");

  it("reads samples and ranges equal to slices of the whole array", () => {
    const whole = readNpy(FEATURES);
    const file = openNpy(FEATURES);
    try {
      expect(file.shape).toEqual(whole.shape);
      expect(file.length).toBe(180);
      expect(file.sampleShape).toEqual([32, 13, 25]);
      const per = file.sampleSize;
      for (const index of [0, 1, 97, 179]) {
        const sample = file.readSample(index);
        expect(sample.shape).toEqual([32, 13, 25]);
        expect(sample.data).toEqual((whole.data as Float32Array).slice(index * per, (index + 1) * per));
      }
      const range = file.readSamples(10, 5);
      expect(range.shape).toEqual([5, 32, 13, 25]);
      expect(range.data).toEqual((whole.data as Float32Array).slice(10 * per, 15 * per));
      const out = new Float32Array(per);
      expect(file.readSampleFloat32(3, out)).toBe(out);
      expect(out).toEqual((whole.data as Float32Array).slice(3 * per, 4 * per));
      expect(() => file.readSample(180)).toThrow(/rows 180\.\.180 are out of range \(the array has 180\)/);
      expect(() => file.readSamples(-1, 1)).toThrow(FormatError);
    } finally {
      file.close();
    }
    expect(() => file.readSample(0)).toThrow(/closed/);
  });

  it("refuses a file whose size disagrees with its header", () => {
    const target = path.join(TMP, "short.npy");
    const bytes = encodeNpy(Float32Array.of(1, 2, 3, 4), [2, 2]);
    fs.writeFileSync(target, bytes.subarray(0, bytes.length - 2));
    expect(() => openNpy(target)).toThrow(
      /short\.npy: holds 142 bytes but the header \(shape \(2, 2\), f4\) needs 144 \(at byte 142\)/,
    );
  });

  it("streams a 20 GB sparse file without reading it whole (RSS growth < 200 MB)", () => {
    // 100,000 samples of (8, 256, 25) float32 = 204,800 bytes each: 20.48 GB in all.
    const shape = [100_000, 8, 256, 25];
    const header = encodeNpyHeader("f4", shape);
    const target = path.join(TMP, "huge.npy");
    const fd = fs.openSync(target, "w");
    const sampleBytes = 8 * 256 * 25 * 4;
    const total = header.length + shape[0]! * sampleBytes;
    try {
      fs.writeSync(fd, header, 0, header.length, 0);
      fs.ftruncateSync(fd, total);
      // Mark one sample deep inside the file.
      const marker = Float32Array.of(42.5, -1);
      fs.writeSync(fd, new Uint8Array(marker.buffer), 0, 8, header.length + 77_777 * sampleBytes);
    } finally {
      fs.closeSync(fd);
    }
    expect(fs.statSync(target).size).toBe(total);
    const before = process.memoryUsage().rss;
    const file = openNpy(target);
    try {
      expect(file.shape).toEqual(shape);
      let checksum = 0;
      for (let index = 0; index < shape[0]!; index += 997) checksum += file.readSampleFloat32(index)[0]!;
      expect(checksum).toBe(0);
      const marked = file.readSampleFloat32(77_777);
      expect(marked[0]).toBe(42.5);
      expect(marked[1]).toBe(-1);
      expect(file.readSampleFloat32(shape[0]! - 1).length).toBe(8 * 256 * 25);
    } finally {
      file.close();
      fs.rmSync(target);
    }
    const growth = process.memoryUsage().rss - before;
    expect(growth).toBeLessThan(200 * 1024 * 1024);
  });
});
