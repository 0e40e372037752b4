/**
 * Writes the preprocessed UTD-MHAD arrays that `python/train.py` trains on,
 * into a scratch directory OUTSIDE the repository (raw-derived inputs are
 * never committed):
 *
 *   x.npy        float32 (861, 3, 64, 20, 1)   UTD_PREPROCESS applied
 *   labels.npy   int64 (861,)                   0-based action
 *   subjects.npy int64 (861,)
 *   names.json   sample names in the same order
 *
 * Usage: node --conditions=@skc/source --import tsx tooling/utd-mhad/src/prepare.ts OUT_DIR
 */
import fs from "node:fs";
import path from "node:path";
import { preprocessSequence, UtdMhadDataset } from "@skeleton-cache/datasets";
import { ValueError } from "@skeleton-cache/errors";
import { encodeNpy, writeFileAtomic } from "@skeleton-cache/formats";
import { UTD_DIR } from "./paths.js";
import { UTD_INPUT, UTD_PREPROCESS } from "./preprocessing.js";

/** Preprocessed inputs of every sample, in the dataset's stable order. */
export interface PreparedUtd {
  readonly names: readonly string[];
  readonly labels: Int32Array;
  readonly subjects: Int32Array;
  /** (N, 3, T, V, M) float32. */
  readonly x: Float32Array;
}

/** Loads and preprocesses every UTD-MHAD sample under `dir`. */
export function prepareUtd(dir: string = UTD_DIR): PreparedUtd {
  const ds = new UtdMhadDataset(dir);
  const list = ds.list();
  if (list.length === 0) throw new ValueError(`${dir}: no UTD-MHAD skeleton files`, { file: dir, value: 0 });
  const per = UTD_INPUT.channels * UTD_INPUT.frames * UTD_INPUT.joints * UTD_INPUT.persons;
  const x = new Float32Array(list.length * per);
  const labels = new Int32Array(list.length);
  const subjects = new Int32Array(list.length);
  list.forEach((info, sample) => {
    const input = preprocessSequence(ds.load(info.name), UTD_PREPROCESS);
    x.set(input.data, sample * per);
    labels[sample] = info.label!;
    subjects[sample] = info.subject!;
  });
  return { names: list.map((s) => s.name), labels, subjects, x };
}

function main(outDir: string | undefined): void {
  if (!outDir) throw new ValueError("usage: prepare.ts OUT_DIR", { field: "OUT_DIR" });
  fs.mkdirSync(outDir, { recursive: true });
  const prepared = prepareUtd();
  const n = prepared.names.length;
  const { channels, frames, joints, persons } = UTD_INPUT;
  writeFileAtomic(path.join(outDir, "x.npy"), encodeNpy(prepared.x, [n, channels, frames, joints, persons]));
  writeFileAtomic(
    path.join(outDir, "labels.npy"),
    encodeNpy(BigInt64Array.from(prepared.labels, BigInt), [n]),
  );
  writeFileAtomic(
    path.join(outDir, "subjects.npy"),
    encodeNpy(BigInt64Array.from(prepared.subjects, BigInt), [n]),
  );
  writeFileAtomic(path.join(outDir, "names.json"), `${JSON.stringify(prepared.names)}\n`);
  console.log(`${n} samples → ${outDir}`);
}

if (process.argv[1] && path.resolve(process.argv[1]) === path.resolve(new URL(import.meta.url).pathname))
  main(process.argv[2]);
