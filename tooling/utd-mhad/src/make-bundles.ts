/**
 * Encodes UTD-MHAD with every trained model through the TypeScript pipeline —
 * `UtdMhadDataset` → `preprocessSequence(UTD_PREPROCESS)` → the ONNX adapter
 * (`@skeleton-cache/backbone-onnx`, zero-shot head cosine / 0.1 against the
 * class semantics) → the descriptors (Kinect v1 parts, 3 phases), all through
 * `encodeBundle` of `@skeleton-cache/extract` (the encode step `skc extract`
 * runs) — and writes a descriptors-only bundle per model:
 *
 *   benchmarks/utd-mhad/bundles/<split>/<seedS|foldF>/
 *     descriptors.npy (N, 8, C)   logits.npy (N, U)  (description semantics)
 *     labels.npy (N,)  class_ids.npy (U,)  meta.json
 *     logits-names.npy (N, U)     the same model scored against the class-name semantics
 *
 * The samples are every sample of the model's held-out classes (the split's
 * unseen classes for seedS models, the pseudo-unseen seen classes for foldF
 * models), all subjects, in the dataset's order (action, subject, trial).
 *
 * Usage: node --conditions=@skc/source --import tsx tooling/utd-mhad/src/make-bundles.ts [MODEL_DIR ...]
 * (default: every benchmarks/utd-mhad/models/<split>/<name>/model.onnx with a train.json).
 */
import crypto from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import { createBackbone } from "@skeleton-cache/backbone";
import "@skeleton-cache/backbone-onnx"; // registers "onnx"
import { writeBundle } from "@skeleton-cache/bundle";
import { resolvePreprocessing, UtdMhadDataset } from "@skeleton-cache/datasets";
import { FormatError } from "@skeleton-cache/errors";
import { type EncodeSource, encodeBundle, planSamples } from "@skeleton-cache/extract";
import { encodeNpy, writeFileAtomic } from "@skeleton-cache/formats";
import type { LabelledStream } from "@skeleton-cache/skeleton";
import type { Tensor } from "@skeleton-cache/tensor";
import { BENCH_DIR, REPO_ROOT, UTD_DIR } from "./paths.js";
import { UTD_PREPROCESS } from "./preprocessing.js";

/** The parts of a model's `train.json` this script reads. */
export interface TrainLog {
  readonly split: string;
  readonly seed: number;
  readonly fold: number | null;
  readonly held_out_classes: readonly number[];
  readonly train_classes: readonly number[];
  readonly semantics: string;
}

/** Reads and checks a model's `train.json`. */
export function readTrainLog(file: string): TrainLog {
  const log = JSON.parse(fs.readFileSync(file, "utf8")) as Partial<TrainLog>;
  if (
    typeof log.split !== "string" ||
    !Array.isArray(log.held_out_classes) ||
    log.held_out_classes.length < 2
  )
    throw new FormatError(`${file}: split or held_out_classes missing`, { file, field: "held_out_classes" });
  return log as TrainLog;
}

/** Every model directory under benchmarks/utd-mhad/models that holds model.onnx and train.json. */
export function listModelDirs(root = path.join(BENCH_DIR, "models")): string[] {
  if (!fs.existsSync(root)) return [];
  const dirs: string[] = [];
  for (const split of fs.readdirSync(root).sort())
    for (const name of fs.readdirSync(path.join(root, split)).sort()) {
      const dir = path.join(root, split, name);
      if (fs.existsSync(path.join(dir, "model.onnx")) && fs.existsSync(path.join(dir, "train.json")))
        dirs.push(dir);
    }
  return dirs;
}

/** Encodes the samples with the model through the encode step of @skeleton-cache/extract: logits and descriptors. */
async function encode(
  modelDir: string,
  candidates: readonly number[],
  classEmbeddings: string | undefined,
  source: EncodeSource,
): Promise<LabelledStream> {
  const backbone = await createBackbone<Tensor>("onnx", {
    model: path.join(modelDir, "model.onnx"),
    candidateClasses: [...candidates],
    batchSize: 32,
    threads: 1,
    ...(classEmbeddings ? { classEmbeddings } : {}),
  });
  try {
    return await encodeBundle(backbone, source, {
      preprocessing: resolvePreprocessing(UTD_PREPROCESS),
      kind: "descriptors",
    });
  } finally {
    await backbone.close();
  }
}

function sha256(file: string): string {
  return crypto.createHash("sha256").update(fs.readFileSync(file)).digest("hex");
}

/** A model's bundle and its name-semantics logits, not yet written. */
export interface EncodedModel {
  readonly bundle: LabelledStream;
  readonly namesLogits: Tensor;
  readonly log: TrainLog;
}

/**
 * Encodes a model's held-out samples (every sample of its held-out classes,
 * dataset order; the first `limit` of them when given) through the pipeline.
 */
export async function encodeModel(
  modelDir: string,
  dataset = new UtdMhadDataset(UTD_DIR),
  limit?: number,
): Promise<EncodedModel> {
  const log = readTrainLog(path.join(modelDir, "train.json"));
  const candidates = [...log.held_out_classes].sort((a, b) => a - b);
  const { samples } = planSamples(dataset, candidates, { data: UTD_DIR, limit });
  const described = await encode(modelDir, candidates, undefined, { dataset, samples });
  const namesFile = path.join(BENCH_DIR, "semantics", "names.npy");
  const named = await encode(modelDir, candidates, namesFile, { dataset, samples });
  const rel = (p: string) => path.relative(REPO_ROOT, p);
  const bundle: LabelledStream = {
    ...described,
    meta: {
      dataset: "utd-mhad",
      split: log.split,
      backbone: `stgcn-utd ${rel(modelDir)}/model.onnx (sha256 ${sha256(path.join(modelDir, "model.onnx"))})`,
      synthetic: false,
      source:
        "tooling/utd-mhad/src/make-bundles.ts: UtdMhadDataset($SKC_DATA/real/utd-mhad) → preprocessSequence(UTD_PREPROCESS) → " +
        "@skeleton-cache/backbone-onnx (embedding · class semantics, cosine / 0.1) → extractDescriptors(KINECT_V1_20, 3 phases)",
      model: `${rel(modelDir)}/model.onnx`,
      trainLog: `${rel(modelDir)}/train.json`,
      seed: log.seed,
      fold: log.fold,
      role:
        log.fold === null
          ? "zero-shot test: the split's unseen classes"
          : "validation: held-out seen classes",
      samples: `all ${samples.length} samples of the candidate classes, order (action, subject, trial)`,
      sampleNames: samples.map((s) => s.name),
      preprocess: UTD_PREPROCESS,
      logits: `cosine(embedding, ${log.semantics}) / 0.1`,
      logitsNames: "logits-names.npy: cosine(embedding, benchmarks/utd-mhad/semantics/names.npy) / 0.1",
      command:
        "pnpm utd:bundles (node --conditions=@skc/source --import tsx tooling/utd-mhad/src/make-bundles.ts)",
    },
  };
  return { bundle, namesLogits: named.logits, log };
}

/** Encodes one model's held-out samples and writes its bundle; returns the bundle directory. */
export async function makeBundle(modelDir: string, dataset = new UtdMhadDataset(UTD_DIR)): Promise<string> {
  const { bundle, namesLogits, log } = await encodeModel(modelDir, dataset);
  const outDir = path.join(BENCH_DIR, "bundles", log.split, path.basename(modelDir));
  writeBundle(outDir, bundle);
  writeFileAtomic(path.join(outDir, "logits-names.npy"), encodeNpy(namesLogits.data, namesLogits.shape));
  return outDir;
}

async function main(dirs: string[]): Promise<void> {
  const dataset = new UtdMhadDataset(UTD_DIR);
  const targets = dirs.length > 0 ? dirs.map((d) => path.resolve(d)) : listModelDirs();
  for (const dir of targets) {
    const out = await makeBundle(dir, dataset);
    console.log(`${path.relative(REPO_ROOT, dir)} → ${path.relative(REPO_ROOT, out)}`);
  }
}

if (process.argv[1] && path.resolve(process.argv[1]) === path.resolve(new URL(import.meta.url).pathname))
  await main(process.argv.slice(2));
