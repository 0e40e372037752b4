import fs from "node:fs";
import path from "node:path";
import { extractDescriptors } from "@skeleton-cache/descriptors";
import { FormatError, NonFiniteError } from "@skeleton-cache/errors";
import { encodeNpy } from "@skeleton-cache/formats";
import type { LabelledStream } from "@skeleton-cache/skeleton";
import { parityCases, parityDir, tempDir } from "@skeleton-cache/test-support";
import { describe, expect, it } from "vitest";
import {
  bundleInfo,
  convertBundle,
  encodeBundleNpz,
  openBundleStream,
  readBundle,
  readBundleDescriptors,
  readBundleDir,
  stageBundle,
  validateBundleStream,
  writeBundle,
  writeBundleDir,
} from "./index.js";

const bytesOf = (a: { buffer: ArrayBufferLike; byteOffset: number; byteLength: number }) =>
  Buffer.from(a.buffer, a.byteOffset, a.byteLength);

/** The case written in every format this project reads: dir, npz stored and deflated, safetensors (and the .pt when it has one). */
function everyFormat(name: string, dir: string): Map<string, string> {
  const bundle = readBundleDir(parityDir(name));
  const targets = new Map<string, string>([["dir", parityDir(name)]]);
  const stored = path.join(dir, `${name}.npz`);
  writeBundle(stored, bundle);
  targets.set("npz (stored)", stored);
  const deflated = path.join(dir, `${name}-deflated.npz`);
  fs.writeFileSync(deflated, encodeBundleNpz(bundle, { compress: true }));
  targets.set("npz (deflated)", deflated);
  const st = path.join(dir, `${name}.safetensors`);
  writeBundle(st, bundle);
  targets.set("safetensors", st);
  const pt = path.join(parityDir(name), "encoder_outputs.pt");
  if (fs.existsSync(pt)) targets.set("pt", pt);
  return targets;
}

describe("readBundleDescriptors: F streamed in chunks, described per chunk", () => {
  const dir = tempDir("skc-bundle-stream-");
  for (const name of parityCases()) {
    it(`${name}: the same descriptor bits as describing the whole F, in every format, chunk size and kernel`, () => {
      const whole = readBundleDir(parityDir(name));
      for (const kernel of ["wasm", "js"] as const) {
        const expected = extractDescriptors(whole.features!, { kernel });
        for (const [format, target] of everyFormat(name, dir)) {
          for (const chunkBytes of [
            1,
            3 * 4 * whole.features!.shape.slice(1).reduce((a, b) => a * b),
            1 << 30,
          ]) {
            const got = readBundleDescriptors(target, { kernel, chunkBytes });
            expect(got.kind).toBe("features");
            expect(got.descriptors.shape, format).toEqual(expected.shape);
            expect(
              bytesOf(got.descriptors.data).equals(bytesOf(expected.data)),
              `${format} ${kernel} ${chunkBytes}`,
            ).toBe(true);
            expect(bytesOf(got.logits.data).equals(bytesOf(whole.logits.data))).toBe(true);
            expect(Array.from(got.labels)).toEqual(Array.from(whole.labels));
          }
        }
      }
    });
  }

  it("reads a descriptors bundle as it is, and reports progress per chunk", () => {
    const bundle: LabelledStream = {
      kind: "descriptors",
      logits: { data: Float32Array.of(1, 2, 3, 4, 5, 6), shape: [2, 3] },
      descriptors: { data: Float32Array.from({ length: 2 * 8 * 4 }, (_, i) => i / 7), shape: [2, 8, 4] },
      labels: Int32Array.of(2, 0),
      classIds: Int32Array.of(10, 11, 19),
      meta: { dataset: "ntu60" },
    };
    const target = path.join(dir, "d.safetensors");
    writeBundle(target, bundle);
    const seen: number[] = [];
    const got = readBundleDescriptors(target, { chunkBytes: 1, onProgress: (done) => seen.push(done) });
    expect(got.kind).toBe("descriptors");
    expect(Array.from(got.descriptors.data)).toEqual(Array.from(bundle.descriptors!.data));
    expect(Array.from(got.classIds!)).toEqual([10, 11, 19]);
    expect(seen).toEqual([1, 2]);
  });

  it("converts float64 F as it is read, to the descriptors of its float32 values", () => {
    const whole = readBundleDir(parityDir("u5-k4"));
    const target = path.join(dir, "f8");
    writeBundleDir(target, whole);
    fs.writeFileSync(
      path.join(target, "features.npy"),
      encodeNpy(Float64Array.from(whole.features!.data), whole.features!.shape),
    );
    const got = readBundleDescriptors(target, { chunkBytes: 100_000 });
    expect(bytesOf(got.descriptors.data).equals(bytesOf(extractDescriptors(whole.features!).data))).toBe(
      true,
    );
  });

  it("names the sample and position of a NaN in F", () => {
    const whole = readBundleDir(parityDir("u5-k4"));
    const target = path.join(dir, "nan");
    const data = whole.features!.data.slice();
    const [, C, T, V] = whole.features!.shape as number[];
    data[((7 * C! + 3) * T! + 2) * V! + 11] = Number.NaN;
    fs.mkdirSync(target, { recursive: true });
    writeBundleDir(target, {
      ...whole,
      features: { data: whole.features!.data, shape: whole.features!.shape },
    });
    fs.writeFileSync(path.join(target, "features.npy"), encodeNpy(data, whole.features!.shape));
    expect(() => readBundleDescriptors(target, { chunkBytes: 1 << 16 })).toThrow(NonFiniteError);
    expect(() => readBundleDescriptors(target)).toThrow(/features\[7, 3, 2, 11\] is NaN/);
    expect(() => validateBundleStream(target)).toThrow(/nan: features\[7, 3, 2, 11\] is NaN/);
  });
});

describe("truncated bundles fail naming the file and byte, in every format", () => {
  const dir = tempDir("skc-bundle-cut-");
  it("a directory's features.npy, an .npz, a .safetensors and a .pt", () => {
    const whole = readBundleDir(parityDir("u12-t13"));
    const cutDir = path.join(dir, "cut-dir");
    writeBundleDir(cutDir, whole);
    const features = path.join(cutDir, "features.npy");
    const size = fs.statSync(features).size;
    fs.truncateSync(features, size - 1000);
    expect(() => readBundleDescriptors(cutDir)).toThrow(
      new RegExp(`features\\.npy: holds ${size - 1000} bytes but the header .* \\(at byte ${size - 1000}\\)`),
    );
    for (const [format, target] of everyFormat("u12-t13", dir)) {
      if (format === "dir") continue;
      const cut = path.join(dir, `cut-${path.basename(target)}`);
      const bytes = fs.readFileSync(target);
      fs.writeFileSync(cut, bytes.subarray(0, Math.floor(bytes.length * 0.6)));
      let error: unknown;
      try {
        readBundleDescriptors(cut);
      } catch (e) {
        error = e;
      }
      expect(error, format).toBeInstanceOf(FormatError);
      expect((error as FormatError).message, format).toMatch(/cut-.*: .*\(at byte \d+\)/);
      expect((error as FormatError).details.file, format).toContain("cut-");
    }
  });

  it("a file cut while it is being read fails at the chunk that is short", () => {
    const whole = readBundleDir(parityDir("u12-t13"));
    const target = path.join(dir, "shrinking");
    writeBundleDir(target, whole);
    const stream = openBundleStream(target);
    try {
      const per = 32 * 13 * 25;
      const chunk = new Float32Array(10 * per);
      stream.readFeatures(0, 10, chunk);
      fs.truncateSync(path.join(target, "features.npy"), 128 + 4 * per * 15 + 6);
      stream.readFeatures(10, 5, chunk);
      expect(() => stream.readFeatures(15, 10, chunk)).toThrow(
        new RegExp(
          `features\\.npy: file ends while reading bytes ${128 + 4 * per * 15}\\.\\..* \\(at byte ${128 + 4 * per * 15 + 6}\\)`,
        ),
      );
    } finally {
      stream.close();
    }
  });
});

describe("bundle info, validate, convert", () => {
  const dir = tempDir("skc-bundle-tools-");

  it("info reads the layout and meta without reading F", () => {
    const info = bundleInfo(path.join(parityDir("u12-t13"), "encoder_outputs.pt"));
    expect(info).toMatchObject({
      format: "pt",
      numSamples: 180,
      numClasses: 12,
      kind: "features",
      featureShape: [32, 13, 25],
      featureDtype: "f4",
      channels: 32,
    });
    expect(info.meta).toMatchObject({ schema_version: 2, dataset: "synthetic" });
    expect(info.bytes).toBe(fs.statSync(path.join(parityDir("u12-t13"), "encoder_outputs.pt")).size);
  });

  it("validate streams every value and counts samples per class; it catches a corrupt stored .npz member", () => {
    const report = validateBundleStream(parityDir("u5-k4"), { chunkBytes: 50_000 });
    expect(report.valuesChecked).toBe(150 * 32 * 12 * 25);
    expect(report.samplesPerClass.reduce((a, b) => a + b)).toBe(150);
    const target = path.join(dir, "corrupt.npz");
    const bytes = encodeBundleNpz(readBundleDir(parityDir("u5-k4")));
    bytes[30 + "features.npy".length + 128 + 5000] ^= 0x01; // a bit of F: still finite
    fs.writeFileSync(target, bytes);
    expect(() => validateBundleStream(target)).toThrow(/corrupt\.npz\[features\.npy\]: CRC-32 mismatch/);
  });

  it("converts every format to every writable format, byte for byte as writeBundle writes", () => {
    const whole = readBundleDir(parityDir("u5-hedge"));
    const withMeta = { ...whole, meta: { dataset: "ntu60", note: "x" } };
    const source = path.join(dir, "source");
    writeBundleDir(source, withMeta);
    for (const [to, name] of [
      ["dir", "out-dir"],
      ["safetensors", "out.safetensors"],
      ["npz", "out.npz"],
    ] as const) {
      const target = path.join(dir, name);
      const result = convertBundle(source, target, { chunkBytes: 200_000 });
      expect(result.format).toBe(to);
      expect(result.kind).toBe("features");
      const back = readBundle(target);
      expect(bytesOf(back.features!.data).equals(bytesOf(whole.features!.data)), to).toBe(true);
      expect(back.meta).toEqual(withMeta.meta);
      expect(Array.from(back.labels)).toEqual(Array.from(whole.labels));
      if (to !== "npz") {
        const reference = path.join(dir, `ref-${name}`);
        writeBundle(reference, withMeta);
        const files = to === "dir" ? fs.readdirSync(target).sort() : [""];
        for (const file of files)
          expect(
            fs.readFileSync(path.join(target, file)).equals(fs.readFileSync(path.join(reference, file))),
            file,
          ).toBe(true);
      }
      // and back again, from the converted file
      const again = path.join(dir, `again-${name}`);
      convertBundle(target, again, { to: "dir" });
      expect(bytesOf(readBundleDir(again).features!.data).equals(bytesOf(whole.features!.data))).toBe(true);
    }
  });

  it("stageBundle: the converted bundle appears only on commit; a folder that is not a bundle is refused", () => {
    const root = tempDir("skc-stage-bundle-");
    for (const [name, format] of [
      ["staged-dir", "dir"],
      ["staged.npz", "npz"],
    ] as const) {
      const target = path.join(root, name);
      const staged = stageBundle(target);
      expect(staged.format).toBe(format);
      convertBundle(parityDir("u5-k4"), staged.path, { to: staged.format });
      expect(fs.existsSync(target), name).toBe(false);
      staged.commit();
      expect(readBundle(target).labels.length, name).toBe(150);
    }
    // A converted bundle may be replaced; a folder of something else is not.
    stageBundle(path.join(root, "staged-dir")).discard();
    const notes = path.join(root, "notes");
    fs.mkdirSync(notes);
    fs.writeFileSync(path.join(notes, "mine.txt"), "keep");
    expect(() => stageBundle(notes)).toThrow(
      `${notes}: exists and is not a bundle directory (no logits.npy); choose another target`,
    );
    expect(fs.readdirSync(root).sort()).toEqual(["notes", "staged-dir", "staged.npz"]);
  });

  it("converts F to descriptors only (streamed), equal to describing F, from the authors' .pt", () => {
    const target = path.join(dir, "desc.safetensors");
    const result = convertBundle(path.join(parityDir("u12-t13"), "encoder_outputs.pt"), target, {
      descriptorsOnly: true,
      chunkBytes: 100_000,
    });
    expect(result.kind).toBe("descriptors");
    const back = readBundle(target);
    const expected = extractDescriptors(readBundleDir(parityDir("u12-t13")).features!);
    expect(back.descriptors!.shape).toEqual([180, 8, 32]);
    expect(bytesOf(back.descriptors!.data).equals(bytesOf(expected.data))).toBe(true);
    expect(() => convertBundle(target, target)).toThrow(/is the source/);
  });
});
