/** Dataset readers through the registry: the shipped four, config checks, a user's reader, priorities. */
import fs from "node:fs";
import path from "node:path";
import { ValueError } from "@skeleton-cache/errors";
import { NTU25 } from "@skeleton-cache/skeleton";
import { tempDir } from "@skeleton-cache/test-support";
import { afterEach, describe, expect, it } from "vitest";
import { z } from "zod";
import {
  type DatasetReader,
  describeDatasetReaders,
  getDatasetReader,
  listDatasetReaders,
  NtuSkeletonDataset,
  openDataset,
  PkuMmdDataset,
  registerDatasetReader,
  type SkeletonDataset,
  UtdMhadDataset,
  unregisterDatasetReader,
  utdMhadReader,
} from "./index.js";
import { writeNtuSkeleton } from "./test-support/ntu-files.js";

const ntuDir = tempDir("skc-readers-ntu-");
writeNtuSkeleton(ntuDir, "S001C001P001R001A001", 3);
writeNtuSkeleton(ntuDir, "S018C001P008R001A100", 3);
// An official missing sample of NTU60 (empty skeleton file).
writeNtuSkeleton(ntuDir, "S001C002P005R002A008", 3);

/** A toy format: `<dir>/<name>.csv`, one line per frame of 25 × (x, y, z); the label is the name's last number. */
const CsvConfig = z.strictObject({ data: z.string().min(1), frames: z.number().int().positive().default(2) });
function csvReader(description = "toy CSV skeletons"): DatasetReader<typeof CsvConfig> {
  return {
    name: "test-csv",
    description,
    configSchema: CsvConfig,
    open(config): SkeletonDataset {
      const names = fs
        .readdirSync(config.data)
        .filter((f) => f.endsWith(".csv"))
        .map((f) => f.slice(0, -4))
        .sort();
      const info = (name: string) => ({ name, dataset: "test-csv", label: Number(name.split("-").at(-1)) });
      return {
        dataset: "test-csv",
        layout: NTU25,
        list: () => names.map(info),
        load(name) {
          const rows = fs
            .readFileSync(path.join(config.data, `${name}.csv`), "utf8")
            .trim()
            .split("\n");
          const joints = Float32Array.from(
            rows.slice(0, config.frames).flatMap((row) => row.split(",").map(Number)),
          );
          return { ...info(name), layout: "ntu25", shape: [config.frames, 1, 25, 3], joints };
        },
      };
    },
  };
}

afterEach(() => {
  unregisterDatasetReader("test-csv");
  unregisterDatasetReader("utd-mhad", 1);
});

describe("dataset readers", () => {
  it("ships ntu60, ntu120, utd-mhad and pku-mmd, in that order", () => {
    expect(listDatasetReaders().slice(0, 4)).toEqual(["ntu60", "ntu120", "utd-mhad", "pku-mmd"]);
    expect(getDatasetReader("utd-mhad")).toBe(utdMhadReader);
  });

  it("opens NTU by name: ntu60 keeps A001–A060, ntu120 every action; missing samples left out unless kept", () => {
    const ntu60 = openDataset("ntu60", { data: ntuDir });
    expect(ntu60).toBeInstanceOf(NtuSkeletonDataset);
    expect(ntu60.list().map((s) => s.name)).toEqual(["S001C001P001R001A001"]);
    expect(
      openDataset("ntu60", { data: ntuDir, keepMissing: true })
        .list()
        .map((s) => s.name),
    ).toEqual(["S001C001P001R001A001", "S001C002P005R002A008"]);
    // Options of other datasets are dropped, as from one extraction's flags.
    expect(
      openDataset("ntu120", { data: ntuDir, pkuPart: "test" })
        .list()
        .map((s) => s.name),
    ).toEqual(["S001C001P001R001A001", "S018C001P008R001A100"]);
  });

  it("opens UTD-MHAD and PKU-MMD with their options", () => {
    expect(openDataset("utd-mhad", { data: tempDir("skc-readers-utd-") })).toBeInstanceOf(UtdMhadDataset);
    const pku = tempDir("skc-readers-pku-");
    fs.mkdirSync(path.join(pku, "labels"));
    expect(openDataset("pku-mmd", { data: pku, pkuBenchmark: "cross-view", pkuPart: "test" })).toBeInstanceOf(
      PkuMmdDataset,
    );
  });

  it("a wrong option names the reader, the field and the value; an unknown dataset names the known ones", () => {
    const error = (() => {
      try {
        openDataset("pku-mmd", { data: "/x", minConfidence: 5 }, { source: "extract.yaml" });
      } catch (e) {
        return e as ValueError;
      }
    })()!;
    expect(error).toBeInstanceOf(ValueError);
    expect(error.message).toBe(
      'dataset "pku-mmd" config (extract.yaml): field "minConfidence" is 5: Too big: expected number to be <=2',
    );
    expect(error.details).toEqual({ file: "extract.yaml", field: "minConfidence", value: 5 });
    expect(() => openDataset("ntu60", {})).toThrow('dataset "ntu60" config: field "data" is missing');
    expect(() => openDataset("kinetics", { data: "/x" })).toThrow(
      'unknown dataset reader "kinetics"; known dataset readers: ntu60, ntu120, utd-mhad, pku-mmd',
    );
  });

  it("a user's reader registers, opens and loads; the same reader again is a no-op, another is refused", () => {
    const dir = tempDir("skc-readers-csv-");
    const frame = Array.from({ length: 75 }, (_, i) => i / 10).join(",");
    fs.writeFileSync(path.join(dir, "walk-3.csv"), `${frame}\n${frame}\n${frame}\n`);
    const reader = csvReader();
    registerDatasetReader(reader);
    registerDatasetReader(reader);
    expect(() => registerDatasetReader(csvReader("another"))).toThrow(
      'dataset reader "test-csv" is already registered at priority 0',
    );
    const dataset = openDataset("test-csv", { data: dir });
    expect(dataset.list()).toEqual([{ name: "walk-3", dataset: "test-csv", label: 3 }]);
    const sample = dataset.load("walk-3");
    expect(sample.shape).toEqual([2, 1, 25, 3]);
    expect(sample.joints[74]).toBeCloseTo(7.4);
    expect(() => openDataset("test-csv", { data: dir, keepMissing: false })).toThrow(
      'dataset "test-csv" config: unknown field "keepMissing"',
    );
  });

  it("a reader at a higher priority takes a shipped dataset's name; describe shows both", () => {
    registerDatasetReader({ ...csvReader(), name: "utd-mhad", priority: 1 });
    expect(getDatasetReader("utd-mhad")?.description).toBe("toy CSV skeletons");
    const utd = describeDatasetReaders().filter((d) => d.name === "utd-mhad");
    expect(utd.map((d) => [d.priority, d.active])).toEqual([
      [1, true],
      [0, false],
    ]);
    expect(utd[1]!.configSchema).toMatchObject({ type: "object", required: ["data"] });
    expect(unregisterDatasetReader("utd-mhad", 1)).toBe(true);
    expect(getDatasetReader("utd-mhad")).toBe(utdMhadReader);
  });
});
