import path from "node:path";
import { FormatError, ValueError } from "@skeleton-cache/errors";
import { type NpyFile, openNpy, readPickle } from "@skeleton-cache/formats";
import { LAYOUTS, NTU25, type SkeletonLayout } from "@skeleton-cache/skeleton";
import { ntuSampleInfo } from "./ntu-skeleton.js";
import type { BackboneInput } from "./preprocess.js";
import type { SampleInfo, SkeletonDataset, SkeletonSequence } from "./types.js";

/** An ST-GCN label file: sample names and 0-based labels, in data order. */
export interface StgcnLabels {
  readonly names: readonly string[];
  readonly labels: readonly number[];
}

/**
 * Reads an ST-GCN label `.pkl` — a pickled tuple (list of sample names, list
 * of int labels) — with the restricted pickle reader (no code runs).
 */
export function readStgcnLabels(file: string): StgcnLabels {
  const value = readPickle(file);
  const bad = (message: string): never => {
    throw new FormatError(`${file}: ${message}; expected a tuple (list of names, list of int labels)`, {
      file,
      position: 0,
    });
  };
  if (!Array.isArray(value) || value.length !== 2) bad("not a pair");
  const [names, labels] = value as unknown[];
  if (!Array.isArray(names) || !Array.isArray(labels)) bad("its items are not lists");
  const nameList = names as unknown[];
  const labelList = labels as unknown[];
  if (nameList.length !== labelList.length) bad(`${nameList.length} names but ${labelList.length} labels`);
  const outNames = nameList.map((n, i) =>
    typeof n === "string"
      ? n
      : bad(`name ${i} is ${typeof n === "object" ? "an object" : String(n)}, not a string`),
  );
  const outLabels = labelList.map((l, i) => {
    const v = typeof l === "bigint" ? Number(l) : l;
    return typeof v === "number" && Number.isInteger(v) && v >= 0 ? v : bad(`label ${i} is ${String(l)}`);
  });
  return { names: outNames, labels: outLabels };
}

export interface NtuArrayDatasetOptions {
  /** Dataset id for metadata; default "ntu120" when any label is ≥ 60, else "ntu60". */
  readonly dataset?: "ntu60" | "ntu120";
  /** Joint layout id of the arrays (default "ntu25"). */
  readonly layout?: string;
}

/**
 * Preprocessed NTU arrays: `data.npy` (N, 3, T, V, M) + ST-GCN label `.pkl`.
 * Samples are read one at a time by byte offset (openNpy), so files of tens
 * of GB are never loaded whole. Call `close()` when done.
 */
export class NtuArrayDataset implements SkeletonDataset {
  readonly dataset: "ntu60" | "ntu120";
  readonly layout: SkeletonLayout;
  private readonly npy: NpyFile;
  private readonly samples: SampleInfo[];
  private readonly byName: Map<string, number>;

  constructor(
    readonly dataFile: string,
    readonly labelFile: string,
    options: NtuArrayDatasetOptions = {},
  ) {
    const layout = LAYOUTS[options.layout ?? NTU25.id];
    if (!layout)
      throw new ValueError(`unknown layout ${JSON.stringify(options.layout)}`, {
        field: "layout",
        value: options.layout,
        expected: Object.keys(LAYOUTS),
      });
    this.layout = layout;
    const { names, labels } = readStgcnLabels(labelFile);
    this.npy = openNpy(dataFile);
    try {
      const shape = this.npy.shape;
      if (shape.length !== 5 || shape[1] !== 3 || shape[3] !== layout.numJoints)
        throw new FormatError(
          `${dataFile}: shape (${shape.join(", ")}) is not (N, 3, T, ${layout.numJoints}, M) (at byte 0)`,
          { file: dataFile, position: 0, value: shape },
        );
      if (shape[0] !== names.length)
        throw new FormatError(`${dataFile}: ${shape[0]} samples but ${labelFile} lists ${names.length}`, {
          file: dataFile,
          value: shape[0],
          expected: names.length,
        });
      this.dataset = options.dataset ?? (labels.some((l) => l >= 60) ? "ntu120" : "ntu60");
      this.samples = names.map((raw, i) => {
        const label = labels[i]!;
        const bare = path.basename(raw).replace(/\..*$/, "");
        if (/^S\d{3}C\d{3}P\d{3}R\d{3}A\d{3}$/.test(bare)) {
          const info = ntuSampleInfo(bare, this.dataset);
          if (info.label !== label)
            throw new FormatError(
              `${labelFile}: sample ${i} ${raw} has label ${label} but its name says ${info.label}`,
              {
                file: labelFile,
                position: i,
                value: label,
              },
            );
          return info;
        }
        return { name: bare, dataset: this.dataset, action: label + 1, label };
      });
      this.byName = new Map(this.samples.map((s, i) => [s.name, i]));
    } catch (error) {
      this.npy.close();
      throw error;
    }
  }

  /** Number of samples N. */
  get length(): number {
    return this.samples.length;
  }

  list(): readonly SampleInfo[] {
    return this.samples;
  }

  /** Sample `index` exactly as stored: (3, T, V, M) float32 — what a backbone takes. */
  readTensor(index: number): BackboneInput {
    if (!Number.isInteger(index) || index < 0 || index >= this.samples.length)
      throw new ValueError(`${this.dataFile}: sample index ${index} outside 0..${this.samples.length - 1}`, {
        field: "index",
        value: index,
      });
    const [, , frames, joints, bodies] = this.npy.shape as [number, 3, number, number, number];
    return { shape: [3, frames, joints, bodies], data: this.npy.readSampleFloat32(index) };
  }

  /**
   * Sample `index` as a SkeletonSequence (T, M, V, 3). Trailing all-zero
   * frames (the padding gendata adds) are dropped, so T is the valid length.
   */
  loadIndex(index: number): SkeletonSequence {
    const { shape, data } = this.readTensor(index);
    const [, framesIn, joints, bodies] = shape;
    const at = (c: number, t: number, v: number, m: number) => ((c * framesIn + t) * joints + v) * bodies + m;
    let frames = framesIn;
    for (; frames > 0; frames--) {
      let any = false;
      for (let c = 0; c < 3 && !any; c++)
        for (let v = 0; v < joints && !any; v++)
          for (let m = 0; m < bodies; m++)
            if (data[at(c, frames - 1, v, m)] !== 0) {
              any = true;
              break;
            }
      if (any) break;
    }
    const joints3 = new Float32Array(frames * bodies * joints * 3);
    for (let t = 0; t < frames; t++)
      for (let m = 0; m < bodies; m++)
        for (let v = 0; v < joints; v++)
          for (let c = 0; c < 3; c++)
            joints3[((t * bodies + m) * joints + v) * 3 + c] = data[at(c, t, v, m)]!;
    return {
      ...this.samples[index]!,
      layout: this.layout.id,
      shape: [frames, bodies, joints, 3],
      joints: joints3,
    };
  }

  load(name: string): SkeletonSequence {
    const index = this.byName.get(path.basename(name).replace(/\..*$/, ""));
    if (index === undefined)
      throw new ValueError(`${this.labelFile}: no sample ${JSON.stringify(name)}`, {
        field: "name",
        value: name,
      });
    return this.loadIndex(index);
  }

  close(): void {
    this.npy.close();
  }
}
