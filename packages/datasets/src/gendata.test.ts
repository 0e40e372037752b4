import fs from "node:fs";
import path from "node:path";
import { FormatError } from "@skeleton-cache/errors";
import { isPickleTuple, readNpy, readPickle } from "@skeleton-cache/formats";
import { dataPath, itWithData, tempDir } from "@skeleton-cache/test-support";
import { describe, expect, it } from "vitest";
import {
  encodeStgcnLabels,
  isNtuTrainSample,
  loadNtuSkeleton,
  ntuGendata,
  preprocessSequence,
} from "./index.js";

const NTU_DIR = `${dataPath("real/ntu")}/`;

const tmp = tempDir("skc-gendata-");

describe("encodeStgcnLabels", () => {
  itWithData(["real/ntu"], "writes the same bytes as Python's pickle protocol 2", () => {
    const shared = fs.readFileSync(`${NTU_DIR}stgcn_label_6samples.pkl`);
    const value = readPickle(`${NTU_DIR}stgcn_label_6samples.pkl`) as [string[], number[]];
    expect(Buffer.from(encodeStgcnLabels(value[0], value[1]))).toEqual(shared);
  });

  it("round-trips big lists (batches, memo past 256, 2- and 4-byte ints)", () => {
    const names = Array.from({ length: 2500 }, (_, i) => `S${i}é`);
    const labels = Array.from({ length: 2500 }, (_, i) => (i % 3 === 0 ? i * 1000 : i % 3 === 1 ? -i : i));
    const back = readPickleBytes(encodeStgcnLabels(names, labels));
    expect(back).toEqual([names, labels]);
    expect(() => encodeStgcnLabels(["a"], [])).toThrow(/1 names but 0 labels/);
  });
});

function readPickleBytes(bytes: Uint8Array) {
  const file = path.join(tmp, "x.pkl");
  fs.writeFileSync(file, bytes);
  const value = readPickle(file);
  expect(isPickleTuple(value)).toBe(true);
  return [...(value as unknown[])];
}

describe("ntuGendata", () => {
  itWithData(["real/ntu"], "turns the shared .skeleton files into data.npy + label.pkl", () => {
    const progress: string[] = [];
    const out = path.join(tmp, "all");
    const result = ntuGendata({
      inputDir: NTU_DIR,
      outDir: out,
      onProgress: (d, n, name) => progress.push(`${d}/${n} ${name}`),
    });
    expect(result.shape).toEqual([6, 3, 300, 25, 2]);
    expect(progress).toHaveLength(6);
    expect(progress[5]).toBe("6/6 S004C002P003R001A017.skeleton");
    const data = readNpy(path.join(out, "data.npy"));
    expect(data.dtype).toBe("f4");
    expect(data.shape).toEqual([6, 3, 300, 25, 2]);
    const [names, labels] = readPickleBytes(fs.readFileSync(path.join(out, "label.pkl"))) as [
      string[],
      number[],
    ];
    expect(names).toEqual(
      fs
        .readdirSync(NTU_DIR)
        .filter((f) => f.endsWith(".skeleton"))
        .sort(),
    );
    expect(labels).toEqual([0, 10, 57, 2, 33, 16]);
    const per = 3 * 300 * 25 * 2;
    for (const [i, name] of names.entries()) {
      const expected = preprocessSequence(loadNtuSkeleton(path.join(NTU_DIR, name))).data;
      const written = Buffer.from(data.data.buffer, data.data.byteOffset + i * per * 4, per * 4);
      expect(written.equals(Buffer.from(expected.buffer))).toBe(true);
    }
    expect(fs.readdirSync(out).sort()).toEqual(["data.npy", "label.pkl"]);
  });

  itWithData(["real/ntu"], "splits by benchmark and part, and skips missing-skeleton samples", () => {
    const out = path.join(tmp, "xview");
    const train = ntuGendata({
      inputDir: NTU_DIR,
      outDir: out,
      benchmark: "xview",
      split: "train",
      onProgress: () => {},
    });
    expect(train.names).toEqual(["S001C003P008R002A058.skeleton", "S004C002P003R001A017.skeleton"]);
    const val = ntuGendata({
      inputDir: NTU_DIR,
      outDir: out,
      benchmark: "xview",
      split: "val",
      onProgress: () => {},
    });
    expect(val.names).toHaveLength(4);
    expect(fs.readdirSync(out).sort()).toEqual([
      "train_data.npy",
      "train_label.pkl",
      "val_data.npy",
      "val_label.pkl",
    ]);
    expect(isNtuTrainSample("S001C001P001R001A001", "xsub")).toBe(true);
    expect(isNtuTrainSample("S001C001P003R001A001", "xsub")).toBe(false);
    expect(isNtuTrainSample("S018C001P003R001A001", "xset120")).toBe(true);

    const input = path.join(tmp, "with-missing");
    fs.mkdirSync(input);
    fs.copyFileSync(
      `${NTU_DIR}S001C001P001R001A001.skeleton`,
      path.join(input, "S001C001P001R001A001.skeleton"),
    );
    fs.copyFileSync(
      `${NTU_DIR}S001C001P001R001A001.skeleton`,
      path.join(input, "S001C002P005R002A008.skeleton"),
    );
    const r = ntuGendata({ inputDir: input, outDir: path.join(tmp, "wm"), onProgress: () => {} });
    expect(r.names).toEqual(["S001C001P001R001A001.skeleton"]);
    expect(r.skippedMissing).toEqual(["S001C002P005R002A008"]);
  });

  itWithData(["real/ntu"], "leaves nothing behind when a file is corrupt", () => {
    const input = path.join(tmp, "corrupt");
    fs.mkdirSync(input);
    fs.copyFileSync(
      `${NTU_DIR}S001C001P001R001A001.skeleton`,
      path.join(input, "S001C001P001R001A001.skeleton"),
    );
    fs.writeFileSync(path.join(input, "S001C001P001R001A002.skeleton"), "3\n1\n");
    const out = path.join(tmp, "corrupt-out");
    expect(() => ntuGendata({ inputDir: input, outDir: out, onProgress: () => {} })).toThrow(FormatError);
    expect(fs.readdirSync(out)).toEqual([]);
  });
});
