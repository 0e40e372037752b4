import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { FormatError } from "@skeleton-cache/errors";
import { seededRandom } from "@skeleton-cache/tensor";
import { parityDir, tempDir } from "@skeleton-cache/test-support";
import { Zip, ZipDeflate } from "fflate";
import { describe, expect, it } from "vitest";
import {
  encodeNpy,
  encodeNpyHeader,
  encodeNpz,
  encodeSafetensors,
  encodeZip,
  type NpyArray,
  openNpyStream,
  openNpzStream,
  openSafetensorsStream,
  openTorchStream,
  parseNpy,
  readNpy,
  readNpz,
  readTorch,
  TorchTensorRef,
  toFloat32,
} from "./index.js";

/** This package's committed fixtures. */
const FIXTURES = fileURLToPath(new URL("../fixtures/", import.meta.url));
function randomArray(shape: number[], seed: number, dtype: "f4" | "f8" = "f4"): NpyArray {
  const random = seededRandom(seed);
  const count = shape.reduce((a, b) => a * b, 1);
  const data = dtype === "f4" ? new Float32Array(count) : new Float64Array(count);
  for (let i = 0; i < count; i++) data[i] = random.normal();
  return { dtype, shape, data };
}

/** Reads every row of a stream in chunks of `rows` into one float32 buffer, at an offset. */
function readInChunks(
  stream: {
    rows: number;
    rowSize: number;
    readRows: (s: number, c: number, t: Float32Array, o?: number) => void;
  },
  rows: number,
): Float32Array {
  const out = new Float32Array(3 + stream.rows * stream.rowSize);
  for (let start = 0; start < stream.rows; start += rows) {
    const count = Math.min(rows, stream.rows - start);
    stream.readRows(start, count, out, 3 + start * stream.rowSize);
  }
  return out.subarray(3);
}

describe("streaming .npy", () => {
  it("reads rows in chunks straight into a float32 buffer (v1, v2, v3 headers; f8 converted)", () => {
    for (const name of ["f4.npy", "f4_v2.npy", "f4_v3.npy", "f8.npy"]) {
      const whole = readNpy(path.join(FIXTURES, name));
      const stream = openNpyStream(path.join(FIXTURES, name));
      try {
        expect(stream.shape).toEqual(whole.shape);
        expect(Array.from(readInChunks(stream, 1))).toEqual(Array.from(toFloat32(whole)));
        expect(stream.readAll()).toEqual(whole);
      } finally {
        stream.close();
      }
    }
  });

  it("reads f4 rows into the target's own memory (no copy), and refuses rows out of range", () => {
    const dir = tempDir("skc-stream-");
    const array = randomArray([7, 3, 5], 1);
    fs.writeFileSync(path.join(dir, "a.npy"), encodeNpy(array.data, array.shape));
    const stream = openNpyStream(path.join(dir, "a.npy"));
    try {
      const target = new Float32Array(2 * 15);
      stream.readRows(4, 2, target);
      expect(Array.from(target)).toEqual(Array.from((array.data as Float32Array).subarray(4 * 15, 6 * 15)));
      expect(() => stream.readRows(6, 2, target)).toThrow(/rows 6\.\.7 are out of range \(the array has 7\)/);
      expect(() => stream.readRows(0, 3, target)).toThrow(/45 values do not fit the target/);
    } finally {
      stream.close();
    }
  });

  it("fails at open on a truncated file, and at the short chunk when the file shrinks while read, naming the byte", () => {
    const dir = tempDir("skc-stream-");
    const array = randomArray([10, 4, 4], 2);
    const bytes = encodeNpy(array.data, array.shape);
    const file = path.join(dir, "cut.npy");
    fs.writeFileSync(file, bytes.subarray(0, 128 + 5 * 64 + 10));
    expect(() => openNpyStream(file)).toThrow(
      new RegExp(`cut\\.npy: holds ${128 + 330} bytes but the header`),
    );
    fs.writeFileSync(file, bytes);
    const stream = openNpyStream(file);
    try {
      const chunk = new Float32Array(2 * 16);
      stream.readRows(0, 2, chunk);
      fs.truncateSync(file, 128 + 5 * 64 + 10); // rows 5.. are now short
      stream.readRows(2, 2, chunk);
      expect(() => stream.readRows(4, 2, chunk)).toThrow(
        /cut\.npy: file ends while reading bytes 384\.\.511 \(at byte 458\)/,
      );
    } finally {
      stream.close();
    }
  });
});

describe("streaming .npz", () => {
  it("streams NumPy's stored and deflated archives to the arrays readNpz decodes", () => {
    for (const name of ["stored.npz", "deflated.npz"]) {
      const whole = readNpz(path.join(FIXTURES, name));
      const npz = openNpzStream(path.join(FIXTURES, name));
      try {
        expect(npz.names).toEqual([...whole.keys()]);
        for (const key of npz.names)
          expect(npz.array(key).readAll(), `${name} ${key}`).toEqual(whole.get(key));
        const logits = npz.array("logits");
        expect(Array.from(readInChunks(logits, 1))).toEqual(Array.from(toFloat32(whole.get("logits")!)));
      } finally {
        npz.close();
      }
    }
  });

  it("inflates a deflated member chunk by chunk, in bounded memory (256 MiB of float32 zeros, RSS growth < 128 MiB)", () => {
    const dir = tempDir("skc-stream-");
    const file = path.join(dir, "zeros.npz");
    const rows = 1024;
    const rowSize = 65536; // 256 KiB a row
    const fd = fs.openSync(file, "w");
    const zip = new Zip((error, chunk) => {
      if (error) throw error;
      fs.writeSync(fd, chunk);
    });
    const member = new ZipDeflate("features.npy", { level: 1 });
    zip.add(member);
    member.push(encodeNpyHeader("f4", [rows, rowSize]));
    const zeros = new Uint8Array(rowSize * 4);
    for (let row = 0; row < rows; row++) member.push(zeros, row === rows - 1);
    zip.end();
    fs.closeSync(fd);
    expect(fs.statSync(file).size).toBeLessThan(2 ** 20);
    const npz = openNpzStream(file);
    try {
      const stream = npz.array("features");
      const chunk = new Float32Array(16 * rowSize);
      const before = process.memoryUsage().rss;
      let peak = before;
      for (let start = 0; start < rows; start += 16) {
        stream.readRows(start, 16, chunk);
        peak = Math.max(peak, process.memoryUsage().rss);
        expect(chunk[0] === 0 && chunk[chunk.length - 1] === 0).toBe(true);
      }
      expect(peak - before).toBeLessThan(128 * 2 ** 20);
    } finally {
      npz.close();
    }
  });

  it("checks a stored member's CRC-32 once every byte has been read in order", () => {
    const dir = tempDir("skc-stream-");
    const array = randomArray([6, 8], 3);
    const bytes = encodeNpz({ x: array });
    bytes[40 + 128 + 9] = bytes[40 + 128 + 9]! ^ 0xff; // inside x's data
    fs.writeFileSync(path.join(dir, "bad.npz"), bytes);
    const npz = openNpzStream(path.join(dir, "bad.npz"));
    try {
      const stream = npz.array("x");
      const out = new Float32Array(6 * 8);
      stream.readRows(0, 5, out);
      expect(() => stream.readRows(5, 1, out, 40)).toThrow(/bad\.npz\[x\.npy\]: CRC-32 mismatch/);
    } finally {
      npz.close();
    }
  });

  it("refuses a truncated archive at open, naming the file and byte", () => {
    const dir = tempDir("skc-stream-");
    const bytes = encodeNpz({ x: randomArray([50, 8], 4) }, { compress: true });
    fs.writeFileSync(path.join(dir, "cut.npz"), bytes.subarray(0, bytes.length - 30));
    expect(() => openNpzStream(path.join(dir, "cut.npz"))).toThrow(
      new RegExp(`cut\\.npz: not a ZIP archive .*\\(at byte ${bytes.length - 30}\\)`),
    );
  });
});

describe("streaming safetensors", () => {
  it("reads each tensor by offset, equal to the decoded file, and refuses a truncated file naming the byte", () => {
    const dir = tempDir("skc-stream-");
    const tensors = { features: randomArray([5, 2, 3], 5), logits: randomArray([5, 4], 6, "f8") };
    const bytes = encodeSafetensors(tensors, { meta: "{}" });
    const file = path.join(dir, "b.safetensors");
    fs.writeFileSync(file, bytes);
    const stream = openSafetensorsStream(file);
    try {
      expect(stream.header.metadata).toEqual({ meta: "{}" });
      expect([...stream.header.entries.keys()]).toEqual(["features", "logits"]);
      expect(Array.from(readInChunks(stream.tensor("features"), 2))).toEqual(
        Array.from(tensors.features.data as Float32Array),
      );
      expect(Array.from(readInChunks(stream.tensor("logits"), 3))).toEqual(
        Array.from(Float32Array.from(tensors.logits.data as Float64Array)),
      );
    } finally {
      stream.close();
    }
    fs.writeFileSync(file, bytes.subarray(0, bytes.length - 8));
    expect(() => openSafetensorsStream(file)).toThrow(
      new RegExp(`b\\.safetensors: file ends at byte ${bytes.length - 8}, but tensor logits needs bytes`),
    );
  });
});

describe("streaming the authors' encoder_outputs.pt", () => {
  it("streams skeleton_features equal to features.npy, reading no tensor when opened", () => {
    const stream = openTorchStream(path.join(parityDir("u12-t13"), "encoder_outputs.pt"));
    try {
      const root = stream.value as Map<string, unknown>;
      const ref = root.get("skeleton_features");
      expect(ref).toBeInstanceOf(TorchTensorRef);
      const features = stream.array(ref as TorchTensorRef);
      const reference = readNpy(path.join(parityDir("u12-t13"), "features.npy"));
      expect(features.shape).toEqual(reference.shape);
      expect(
        Buffer.from(readInChunks(features, 7).slice().buffer).equals(Buffer.from(reference.data.buffer)),
      ).toBe(true);
      expect(stream.array(root.get("labels") as TorchTensorRef).readAll()).toEqual(
        readNpy(path.join(parityDir("u12-t13"), "labels.npy")),
      );
    } finally {
      stream.close();
    }
  });

  /** A .pt holding a 2×3 float storage 0..5 and one tensor viewing it with the given offset, size and stride. */
  function viewPt(dir: string, offset: number, size: [number, number], stride: [number, number]): string {
    const storage = new Uint8Array(Float32Array.of(0, 1, 2, 3, 4, 5).buffer);
    const int = (n: number) => `K${String.fromCharCode(n)}`;
    const pkl = Buffer.concat([
      Buffer.from([0x80, 2]),
      Buffer.from("ctorch._utils\n_rebuild_tensor_v2\n(", "latin1"),
      Buffer.from(
        "(X\x07\x00\x00\x00storagectorch\nFloatStorage\nX\x01\x00\x00\x000X\x03\x00\x00\x00cpuK\x06tQ",
        "latin1",
      ),
      Buffer.from(
        `${int(offset)}${int(size[0])}${int(size[1])}\x86${int(stride[0])}${int(stride[1])}\x86\x89ccollections\nOrderedDict\n)RtR.`,
        "latin1",
      ),
    ]);
    const file = path.join(dir, `v${offset}-${stride.join("-")}.pt`);
    fs.writeFileSync(
      file,
      encodeZip([
        { name: "t/data.pkl", data: pkl },
        { name: "t/data/0", data: storage },
      ]),
    );
    return file;
  }

  it("honours the storage offset of a contiguous view, and refuses a non-contiguous one with a clear error", () => {
    const dir = tempDir("skc-stream-");
    const offsetView = viewPt(dir, 2, [2, 2], [2, 1]);
    const stream = openTorchStream(offsetView);
    try {
      const array = stream.array(stream.value as unknown as TorchTensorRef);
      expect(Array.from(readInChunks(array, 1))).toEqual([2, 3, 4, 5]);
      expect(Array.from(readInChunks(array, 1))).toEqual(
        Array.from((readTorch(offsetView) as unknown as NpyArray).data as Float32Array),
      );
    } finally {
      stream.close();
    }
    const transposed = openTorchStream(viewPt(dir, 1, [2, 2], [1, 3]));
    try {
      expect(() => transposed.array(transposed.value as unknown as TorchTensorRef)).toThrow(
        /storage 0\]: tensor of size \(2, 2\) has stride \(1, 3\), not C-contiguous, so it cannot be streamed/,
      );
    } finally {
      transposed.close();
    }
  });

  it("refuses a truncated .pt at open with a FormatError naming the file", () => {
    const dir = tempDir("skc-stream-");
    const bytes = fs.readFileSync(path.join(parityDir("u12-t13"), "encoder_outputs.pt"));
    const file = path.join(dir, "cut.pt");
    fs.writeFileSync(file, bytes.subarray(0, Math.floor(bytes.length / 2)));
    expect(() => openTorchStream(file)).toThrow(FormatError);
    expect(() => openTorchStream(file)).toThrow(/cut\.pt: not a ZIP archive/);
  });
});

describe("toFloat32 of a streamed f8 array", () => {
  it("matches parseNpy's conversion", () => {
    const array = randomArray([4, 3], 9, "f8");
    const dir = tempDir("skc-stream-");
    fs.writeFileSync(path.join(dir, "d.npy"), encodeNpy(array.data, array.shape));
    const stream = openNpyStream(path.join(dir, "d.npy"));
    try {
      expect(Array.from(readInChunks(stream, 3))).toEqual(
        Array.from(toFloat32(parseNpy(encodeNpy(array.data, array.shape)))),
      );
    } finally {
      stream.close();
    }
  });
});
