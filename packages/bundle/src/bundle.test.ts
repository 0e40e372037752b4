import fs from "node:fs";
import path from "node:path";
import { FormatError, NonFiniteError, ShapeError, ValueError } from "@skeleton-cache/errors";
import type { LabelledStream } from "@skeleton-cache/skeleton";
import { parityDir, tempDir } from "@skeleton-cache/test-support";
import { describe, expect, it } from "vitest";
import {
  datasetClassIds,
  detectBundleFormat,
  encodeBundleNpz,
  encodeBundleSafetensors,
  openBundle,
  parseBundleNpz,
  parseBundleSafetensors,
  readBundle,
  readBundleDir,
  validateBundle,
  writeBundle,
  writeBundleDir,
} from "./index.js";

const PARITY = parityDir();
const CASES = ["u12-t13", "u5-hedge", "u5-k4", "u5-raw-secondpass"];
const TMP = tempDir("skc-bundle-");

/** Fast deep comparison: typed arrays by bytes (vitest's toEqual walks million-element arrays slowly). */
function expectSameBundle(actual: LabelledStream, expected: LabelledStream): void {
  const bytes = (a?: { buffer: ArrayBufferLike; byteOffset: number; byteLength: number }) =>
    a ? Buffer.from(a.buffer, a.byteOffset, a.byteLength) : undefined;
  for (const key of ["logits", "features", "descriptors"] as const) {
    expect(actual[key]?.shape, key).toEqual(expected[key]?.shape);
    expect(
      bytes(actual[key]?.data)?.equals(bytes(expected[key]?.data)!) ?? expected[key] === undefined,
      key,
    ).toBe(true);
  }
  expect(Array.from(actual.labels)).toEqual(Array.from(expected.labels));
  expect(actual.kind).toBe(expected.kind);
  expect(actual.classIds && Array.from(actual.classIds)).toEqual(
    expected.classIds && Array.from(expected.classIds),
  );
  expect(actual.meta).toEqual(expected.meta);
}

function small(overrides: Partial<LabelledStream> = {}): LabelledStream {
  return {
    kind: "descriptors",
    logits: { data: Float32Array.of(1, 2, 3, 4, 5, 6), shape: [2, 3] },
    descriptors: { data: Float32Array.from({ length: 2 * 8 * 4 }, (_, i) => i / 7), shape: [2, 8, 4] },
    labels: Int32Array.of(2, 0),
    classIds: Int32Array.of(10, 11, 19),
    meta: { dataset: "ntu60", split: "test", synthetic: true },
    ...overrides,
  };
}

describe("bundle directories (the parity fixtures)", () => {
  for (const name of CASES) {
    it(`reads ${name}: shapes agree, kind features, no dataset class ids (the folder has no class_ids.npy)`, () => {
      const bundle = readBundleDir(path.join(PARITY, name));
      const [n] = bundle.logits.shape;
      expect(bundle.kind).toBe("features");
      expect(bundle.features?.shape[0]).toBe(n);
      expect(bundle.features?.shape.length).toBe(4);
      expect(bundle.descriptors).toBeUndefined();
      expect(bundle.labels.length).toBe(n);
      expect(bundle.classIds).toBeUndefined();
      expect(bundle.meta).toEqual({});
    });
  }

  it("rewrites a parity folder with byte-identical arrays, and rewrites itself byte for byte", () => {
    const source = path.join(PARITY, "u5-k4");
    const bundle = readBundleDir(source);
    const first = path.join(TMP, "dir1");
    writeBundleDir(first, bundle);
    for (const file of ["features.npy", "logits.npy", "labels.npy"]) {
      expect(
        fs.readFileSync(path.join(first, file)).equals(fs.readFileSync(path.join(source, file))),
        file,
      ).toBe(true);
    }
    const again = readBundleDir(first);
    expectSameBundle(again, bundle);
    const second = path.join(TMP, "dir2");
    writeBundleDir(second, again);
    for (const file of fs.readdirSync(first)) {
      expect(
        fs.readFileSync(path.join(second, file)).equals(fs.readFileSync(path.join(first, file))),
        file,
      ).toBe(true);
    }
  });
});

describe("npz and safetensors bundles", () => {
  const bundle = readBundleDir(path.join(PARITY, "u5-hedge"));

  it("round-trip through .npz with meta, byte-identical on rewrite", () => {
    const withMeta = { ...bundle, meta: { dataset: "ntu60", synthetic: false, extra: { k: [1, 2] } } };
    const bytes = encodeBundleNpz(withMeta);
    const back = parseBundleNpz(bytes);
    expectSameBundle(back, withMeta);
    expect(Buffer.from(encodeBundleNpz(back)).equals(Buffer.from(bytes))).toBe(true);
    const compressed = encodeBundleNpz(withMeta, { compress: true });
    expect(compressed.length).toBeLessThan(bytes.length);
    expectSameBundle(parseBundleNpz(compressed), withMeta);
  });

  it("round-trip through .safetensors with meta in __metadata__, byte-identical on rewrite", () => {
    const bytes = encodeBundleSafetensors(small());
    const back = parseBundleSafetensors(bytes);
    expect(back).toEqual(small());
    expect(Buffer.from(encodeBundleSafetensors(back)).equals(Buffer.from(bytes))).toBe(true);
    const big = encodeBundleSafetensors(bundle);
    expectSameBundle(parseBundleSafetensors(big), bundle);
  });

  it("writeBundle / readBundle / detectBundleFormat agree on every format", () => {
    const b = small();
    for (const [target, format] of [
      [path.join(TMP, "w.npz"), "npz"],
      [path.join(TMP, "w.safetensors"), "safetensors"],
      [path.join(TMP, "wdir"), "dir"],
    ] as const) {
      writeBundle(target, b);
      expect(detectBundleFormat(target)).toBe(format);
      expect(readBundle(target)).toEqual(b);
    }
  });
});

describe("the authors' encoder_outputs.pt (schema v2)", () => {
  it("maps skeleton_features, logits, labels, unseen_class_indices and metadata", () => {
    const folder = path.join(PARITY, "u12-t13");
    const pt = readBundle(path.join(folder, "encoder_outputs.pt"));
    const dir = readBundleDir(folder);
    expectSameBundle(pt, { ...dir, meta: pt.meta });
    // unseen_class_indices 0..11 of a dataset without a class catalog index the candidates: no dataset class ids.
    expect(pt.classIds).toBeUndefined();
    expect(pt.meta).toMatchObject({
      schema_version: 2,
      backbone: "smie",
      dataset: "synthetic",
      split: "synthetic_u12_s11",
      synthetic: true,
      num_unseen: 12,
    });
    expect((pt.meta!["slot_order"] as string[]).length).toBe(8);
  });
});

describe("datasetClassIds: which class ids a bundle gives name dataset classes", () => {
  it("keeps any ids of a dataset with a catalog and non-identity ids; drops 0..U-1 of no known dataset", () => {
    const identity = Int32Array.of(0, 1, 2);
    const picked = Int32Array.of(4, 14, 17);
    expect(datasetClassIds(identity, { dataset: "ntu60" })).toBe(identity);
    expect(datasetClassIds(picked, {})).toBe(picked);
    expect(datasetClassIds(identity, {})).toBeUndefined();
    expect(datasetClassIds(identity, { dataset: "synthetic" })).toBeUndefined();
    expect(datasetClassIds(undefined, { dataset: "ntu60" })).toBeUndefined();
  });

  it("reads class_ids.npy of a directory and writes none for a stream without ids", () => {
    const dir = path.join(TMP, "ids");
    writeBundleDir(dir, small());
    expect(Array.from(readBundleDir(dir).classIds!)).toEqual([10, 11, 19]);
    writeBundleDir(dir, small({ classIds: undefined }));
    expect(fs.existsSync(path.join(dir, "class_ids.npy"))).toBe(false);
    expect(readBundleDir(dir).classIds).toBeUndefined();
  });
});

describe("openBundle (streaming)", () => {
  it("yields each sample of a directory bundle equal to the whole read", () => {
    const folder = path.join(PARITY, "u12-t13");
    const whole = readBundleDir(folder);
    const reader = openBundle(folder);
    try {
      expect(reader.format).toBe("dir");
      expect(reader.numSamples).toBe(180);
      expect(reader.numClasses).toBe(12);
      expect(reader.kind).toBe("features");
      expect(reader.featureShape).toEqual([32, 13, 25]);
      expect(reader.labels).toEqual(whole.labels);
      const per = 32 * 13 * 25;
      for (const index of [0, 57, 179]) {
        expect(reader.logits(index)).toEqual(whole.logits.data.slice(index * 12, index * 12 + 12));
        const sample = reader.features(index);
        const reference = whole.features!.data.slice(index * per, (index + 1) * per);
        expect(Buffer.from(sample.buffer).equals(Buffer.from(reference.buffer))).toBe(true);
      }
      expect(() => reader.logits(180)).toThrow(/sample 180 is out of range \[0, 180\)/);
    } finally {
      reader.close();
    }
  });

  it("serves .npz and .pt bundles the same way", () => {
    const target = path.join(TMP, "s.npz");
    writeBundle(target, small());
    const reader = openBundle(target);
    expect(reader.format).toBe("npz");
    expect(reader.kind).toBe("descriptors");
    expect(reader.featureShape).toEqual([8, 4]);
    expect(Array.from(reader.logits(1))).toEqual([4, 5, 6]);
    expect(reader.features(1)[0]).toBeCloseTo(32 / 7, 6);
    reader.close();
    const pt = openBundle(path.join(PARITY, "u12-t13/encoder_outputs.pt"));
    expect(pt.format).toBe("pt");
    expect(pt.numSamples).toBe(180);
  });

  it("names the sample and position of a NaN in the logits (checked when the bundle opens)", () => {
    const b = small({ logits: { data: Float32Array.of(1, 2, 3, 4, Number.NaN, 6), shape: [2, 3] } });
    const dir = path.join(TMP, "nan");
    fs.mkdirSync(dir, { recursive: true });
    writeBundleDir(dir, small());
    // Corrupt one logit on disk: sample 1, class 1.
    const file = path.join(dir, "logits.npy");
    const bytes = fs.readFileSync(file);
    new DataView(bytes.buffer, bytes.byteOffset).setFloat32(bytes.length - 8, Number.NaN, true);
    fs.writeFileSync(file, bytes);
    expect(() => openBundle(dir)).toThrow(/logits\.npy: logits\[1, 1\] is NaN/);
    expect(() => validateBundle(b, "b")).toThrow(NonFiniteError);
  });
});

describe("validateBundle", () => {
  it("accepts a good bundle", () => {
    expect(() => validateBundle(small())).not.toThrow();
  });
  it("names the field, index and value at fault", () => {
    expect(() =>
      validateBundle(
        small({ logits: { data: Float32Array.of(1, 2, 3, 4, Number.NaN, 6), shape: [2, 3] } }),
        "b",
      ),
    ).toThrow(/b: logits\[1, 1\] is NaN/);
    expect(() => validateBundle(small({ labels: Int32Array.of(2, 3) }), "b")).toThrow(
      /b: labels\[1\] is 3; labels are candidate indices in \[0, 3\)/,
    );
    expect(() => validateBundle(small({ labels: Int32Array.of(2, 3) }))).toThrow(ValueError);
    expect(() => validateBundle(small({ classIds: Int32Array.of(10, 19, 11) }), "b")).toThrow(
      /class_ids\[2\] is 11 after 19/,
    );
    expect(() => validateBundle(small({ labels: Int32Array.of(1) }), "b")).toThrow(ShapeError);
    expect(() =>
      validateBundle(
        small({ features: { data: new Float32Array(2 * 2 * 3 * 25), shape: [2, 2, 3, 25] } }),
        "b",
      ),
    ).toThrow(/exactly one of features/);
    expect(() =>
      validateBundle(small({ descriptors: { data: new Float32Array(2 * 7 * 4), shape: [2, 7, 4] } }), "b"),
    ).toThrow(/descriptors: expected \(2, 8, C\), got \(2, 7, 4\)/);
  });
  it("refuses a float labels file, naming it", () => {
    const dir = path.join(TMP, "floatlabels");
    writeBundleDir(dir, small());
    fs.copyFileSync(path.join(dir, "logits.npy"), path.join(dir, "labels.npy"));
    expect(() => readBundleDir(dir)).toThrow(FormatError);
    expect(() => readBundleDir(dir)).toThrow(/labels has dtype f4; an integer dtype is required/);
  });
});
