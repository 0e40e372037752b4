import fs from "node:fs";
import path from "node:path";
import { FormatError, ValueError } from "@skeleton-cache/errors";
import { encodeNpy } from "@skeleton-cache/formats";
import { dataPath, describeWithData, suiteTempDir } from "@skeleton-cache/test-support";
import fc from "fast-check";
import { beforeAll, expect, it } from "vitest";
import {
  encodeStgcnLabels,
  loadNtuSkeleton,
  NtuArrayDataset,
  ntuGendata,
  preprocessSequence,
  readStgcnLabels,
} from "./index.js";

const NTU_DIR = `${dataPath("real/ntu")}/`;

describeWithData(["real/ntu"], "NTU preprocessed arrays (from the real NTU samples)", () => {
  const folder = suiteTempDir("skc-arrays-");
  let tmp = "";
  let data = "";
  let label = "";
  beforeAll(() => {
    tmp = folder.path;
    data = path.join(tmp, "data.npy");
    label = path.join(tmp, "label.pkl");
    ntuGendata({ inputDir: NTU_DIR, outDir: tmp, preprocess: { frames: 120 }, onProgress: () => {} });
  });

  it("reads the ST-GCN label file written by the field's Python code", () => {
    const { names, labels } = readStgcnLabels(`${NTU_DIR}stgcn_label_6samples.pkl`);
    expect(names[1]).toBe("S001C003P008R002A058.skeleton");
    expect(labels).toEqual([10, 57, 2, 33, 16, 0]);
  });

  it("streams samples by index and by name", () => {
    const ds = new NtuArrayDataset(data, label);
    try {
      expect(ds.length).toBe(6);
      expect(ds.dataset).toBe("ntu60");
      expect(ds.list()[2]).toMatchObject({ name: "S001C003P008R002A058", action: 58, label: 57, subject: 8 });
      const seq = loadNtuSkeleton(`${NTU_DIR}S001C003P008R002A058.skeleton`);
      const tensor = ds.readTensor(2);
      expect(tensor.shape).toEqual([3, 120, 25, 2]);
      expect(tensor.data).toEqual(preprocessSequence(seq, { frames: 120 }).data);
      const back = ds.load("S001C003P008R002A058.skeleton");
      expect(back.shape).toEqual([Math.min(120, seq.shape[0]), 2, 25, 3]);
      expect(back.joints).toEqual(seq.joints.subarray(0, back.joints.length));
      expect(() => ds.readTensor(6)).toThrow(ValueError);
      expect(() => ds.load("S009C001P001R001A001")).toThrow(ValueError);
    } finally {
      ds.close();
    }
  });

  it("refuses mismatched files with FormatErrors naming the file", () => {
    const short = path.join(tmp, "short.pkl");
    fs.writeFileSync(short, encodeStgcnLabels(["S001C001P001R001A001.skeleton"], [0]));
    expect(() => new NtuArrayDataset(data, short)).toThrow(/6 samples but .*short\.pkl lists 1/);
    const wrongLabel = path.join(tmp, "wrong.pkl");
    const good = readStgcnLabels(label);
    fs.writeFileSync(
      wrongLabel,
      encodeStgcnLabels(
        good.names,
        good.labels.map((l) => l + 1),
      ),
    );
    expect(() => new NtuArrayDataset(data, wrongLabel)).toThrow(/name says/);
    const rank4 = path.join(tmp, "rank4.npy");
    fs.writeFileSync(rank4, encodeNpy(new Float32Array(6 * 3 * 25 * 2), [6, 3, 25, 2]));
    expect(() => new NtuArrayDataset(rank4, label)).toThrow(FormatError);
  });

  it("fuzz: mutated label pickles give a FormatError naming the file", () => {
    const bytes = fs.readFileSync(`${NTU_DIR}stgcn_label_6samples.pkl`);
    const file = path.join(tmp, "fuzz.pkl");
    fc.assert(
      fc.property(
        fc.oneof(
          fc.record({ kind: fc.constant("truncate"), at: fc.nat(bytes.length - 1), bit: fc.constant(0) }),
          fc.record({ kind: fc.constant("flip"), at: fc.nat(bytes.length - 1), bit: fc.nat(7) }),
        ),
        (m) => {
          const mutated = Uint8Array.from(m.kind === "truncate" ? bytes.subarray(0, m.at) : bytes);
          if (m.kind === "flip") mutated[m.at]! ^= 1 << m.bit;
          fs.writeFileSync(file, mutated);
          try {
            const { names, labels } = readStgcnLabels(file);
            expect(names.length).toBe(labels.length);
          } catch (error) {
            expect(error).toBeInstanceOf(FormatError);
            expect((error as FormatError).message).toContain("fuzz.pkl");
          }
        },
      ),
      { numRuns: 200 },
    );
  });
});
