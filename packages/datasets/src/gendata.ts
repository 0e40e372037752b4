import fs from "node:fs";
import path from "node:path";
import { FormatError, ValueError } from "@skeleton-cache/errors";
import { createAtomicWriter, encodeNpyHeader, writeFileAtomic } from "@skeleton-cache/formats";
import { isMissingSkeleton } from "./missing.js";
import { parseNtuSampleName } from "./ntu-name.js";
import { loadNtuSkeleton } from "./ntu-skeleton.js";
import { encodeStgcnLabels } from "./pickle-writer.js";
import { preprocessSequence } from "./preprocess.js";
import type { Preprocessing } from "./preprocessing.js";

/** NTU benchmarks: NTU60 cross-subject / cross-view, NTU120 cross-subject / cross-setup. */
export type NtuBenchmark = "xsub" | "xview" | "xsub120" | "xset120";

/** Training subjects of NTU60 cross-subject (Shahroudy et al. 2016; ST-GCN `ntu_gendata.py`). */
export const NTU60_XSUB_TRAIN_SUBJECTS: readonly number[] = [
  1, 2, 4, 5, 8, 9, 13, 14, 15, 16, 17, 18, 19, 25, 27, 28, 31, 34, 35, 38,
];
/** Training cameras of NTU60 cross-view. */
export const NTU60_XVIEW_TRAIN_CAMERAS: readonly number[] = [2, 3];
/** Training subjects of NTU120 cross-subject (Liu et al. 2019, the NTU RGB+D 120 paper). */
export const NTU120_XSUB_TRAIN_SUBJECTS: readonly number[] = [
  1, 2, 4, 5, 8, 9, 13, 14, 15, 16, 17, 18, 19, 25, 27, 28, 31, 34, 35, 38, 45, 46, 47, 49, 50, 52, 53, 54,
  55, 56, 57, 58, 59, 70, 74, 78, 80, 81, 82, 83, 84, 85, 86, 89, 91, 92, 93, 94, 95, 97, 98, 100, 103,
];

/** True when the sample belongs to the training part of the benchmark (NTU120 cross-setup: even setups train). */
export function isNtuTrainSample(name: string, benchmark: NtuBenchmark): boolean {
  const s = parseNtuSampleName(name);
  switch (benchmark) {
    case "xsub":
      return NTU60_XSUB_TRAIN_SUBJECTS.includes(s.subject);
    case "xview":
      return NTU60_XVIEW_TRAIN_CAMERAS.includes(s.camera);
    case "xsub120":
      return NTU120_XSUB_TRAIN_SUBJECTS.includes(s.subject);
    case "xset120":
      return s.setup % 2 === 0;
    default:
      throw new ValueError(
        `unknown benchmark ${JSON.stringify(benchmark)}; use xsub, xview, xsub120 or xset120`,
        {
          field: "benchmark",
          value: benchmark,
        },
      );
  }
}

export interface NtuGendataOptions {
  /** Folder of raw `.skeleton` files. */
  readonly inputDir: string;
  /** Folder for the outputs (created if needed). */
  readonly outDir: string;
  /** Keep only this part of `benchmark` ("train" or "val"); needs `benchmark`. */
  readonly split?: "train" | "val";
  readonly benchmark?: NtuBenchmark;
  /** "ntu60" keeps A001–A060 only. Default: ntu60 for xsub/xview, else ntu120. */
  readonly dataset?: "ntu60" | "ntu120";
  /** Skip the official missing-skeleton samples (default true, as ST-GCN's `ignored_sample_path`). */
  readonly skipMissing?: boolean;
  /** Preprocessing (default: ST-GCN's — first two bodies in file order, zero-padded to 300 frames). */
  readonly preprocess?: Preprocessing;
  /** Output names; default `${split}_data.npy` / `${split}_label.pkl`, or data.npy / label.pkl. */
  readonly dataName?: string;
  readonly labelName?: string;
  /** Progress callback; default: one line on stderr every ~1 % of the samples. */
  readonly onProgress?: (done: number, total: number, name: string) => void;
}

export interface NtuGendataResult {
  readonly dataFile: string;
  readonly labelFile: string;
  /** (N, 3, T, V, M). */
  readonly shape: readonly [number, 3, number, number, number];
  readonly names: readonly string[];
  readonly labels: readonly number[];
  /** Samples left out because they are on the official missing-skeleton list. */
  readonly skippedMissing: readonly string[];
}

function defaultProgress(done: number, total: number, name: string): void {
  const every = Math.max(1, Math.floor(total / 100));
  if (done === total || done % every === 0)
    process.stderr.write(`ntu-gendata: ${done}/${total} (${((100 * done) / total).toFixed(0)}%) ${name}\n`);
}

/**
 * ST-GCN's `ntu_gendata` in TypeScript: a folder of `.skeleton` files →
 * `data.npy` float32 (N, 3, T, 25, M) + an ST-GCN label `.pkl` (pickle
 * protocol 2 tuple of the sample file names and 0-based labels). Samples are
 * processed in sorted name order and streamed to disk one at a time (the npy
 * header is written for the final N first); both files appear atomically.
 */
export function ntuGendata(options: NtuGendataOptions): NtuGendataResult {
  const { inputDir, outDir, split, benchmark } = options;
  if (split !== undefined && split !== "train" && split !== "val")
    throw new ValueError(`split must be train or val, got ${JSON.stringify(split)}`, {
      field: "split",
      value: split,
    });
  if (split !== undefined && benchmark === undefined)
    throw new ValueError("split needs a benchmark (xsub, xview, xsub120 or xset120)", { field: "benchmark" });
  const dataset = options.dataset ?? (benchmark === "xsub" || benchmark === "xview" ? "ntu60" : "ntu120");
  const skipMissing = options.skipMissing ?? true;
  const onProgress = options.onProgress ?? defaultProgress;
  let entries: string[];
  try {
    entries = fs.readdirSync(inputDir);
  } catch (error) {
    throw new FormatError(
      `${inputDir}: cannot list (${(error as Error).message})`,
      { file: inputDir },
      { cause: error },
    );
  }
  const skippedMissing: string[] = [];
  const files: string[] = [];
  for (const entry of entries.filter((e) => e.endsWith(".skeleton")).sort()) {
    const parsed = parseNtuSampleName(entry);
    if (dataset === "ntu60" && parsed.action > 60) continue;
    if (skipMissing && isMissingSkeleton(parsed.name)) {
      skippedMissing.push(parsed.name);
      continue;
    }
    if (benchmark !== undefined) {
      const train = isNtuTrainSample(parsed.name, benchmark);
      if (split === "train" && !train) continue;
      if (split === "val" && train) continue;
    }
    files.push(entry);
  }
  const pre = options.preprocess ?? {};
  const frames = pre.frames ?? 300;
  const bodies = pre.bodies ?? 2;
  const shape: [number, 3, number, number, number] = [files.length, 3, frames, 25, bodies];
  const dataFile = path.join(outDir, options.dataName ?? (split ? `${split}_data.npy` : "data.npy"));
  const labelFile = path.join(outDir, options.labelName ?? (split ? `${split}_label.pkl` : "label.pkl"));
  const names: string[] = [];
  const labels: number[] = [];
  // data.npy appears only when whole (its temporary file is removed even if the process is stopped).
  const writer = createAtomicWriter(dataFile);
  try {
    writer.write(encodeNpyHeader("f4", shape));
    for (const [i, entry] of files.entries()) {
      const seq = loadNtuSkeleton(path.join(inputDir, entry), dataset);
      const { data } = preprocessSequence(seq, pre);
      writer.write(new Uint8Array(data.buffer, data.byteOffset, data.byteLength));
      names.push(entry);
      labels.push(seq.label!);
      onProgress(i + 1, files.length, entry);
    }
    writeFileAtomic(labelFile, encodeStgcnLabels(names, labels));
    writer.commit();
  } catch (error) {
    writer.abort();
    throw error;
  }
  return { dataFile, labelFile, shape, names, labels, skippedMissing };
}
