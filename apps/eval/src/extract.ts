/**
 * `skc extract`: runs an ONNX backbone over the samples of a dataset split
 * and writes a bundle (logits + feature volumes F, or only the eight
 * descriptors), ready for `skc eval`.
 */
import path from "node:path";
import { type Bundle, writeBundle } from "@skeleton-cache/bundle";
import {
  NtuSkeletonDataset,
  type PreprocessOptions,
  preprocessSequence,
  type SkeletonDataset,
  UtdMhadDataset,
} from "@skeleton-cache/datasets";
import { DescriptorExtractor } from "@skeleton-cache/descriptors";
import { ValueError } from "@skeleton-cache/errors";
import { candidateClasses, getSplit, NUM_SLOTS } from "@skeleton-cache/skeleton";
import type { Tensor } from "@skeleton-cache/tensor";
import { z } from "zod";
import type { Progress } from "./progress.js";
import { BUNDLE_META_FORMAT } from "./schemas.js";

export const ExtractOptionsSchema = z.strictObject({
  /** The `.onnx` model (its adapter config `<stem>.backbone.json` beside it, or `modelConfig`). */
  model: z.string().min(1),
  modelConfig: z.string().min(1).optional(),
  /** Folder of raw skeleton files: NTU RGB+D `.skeleton`, or UTD-MHAD `.mat`. */
  data: z.string().min(1),
  dataset: z.enum(["ntu60", "ntu120", "utd-mhad"]).default("ntu60"),
  /** Split id: candidates = its unseen classes (zsl) or seen + unseen (gzsl). */
  split: z.string().min(1).optional(),
  candidates: z.enum(["zsl", "gzsl"]).default("zsl"),
  /** Explicit candidate class ids (0-based), instead of a split. */
  classes: z.array(z.number().int().nonnegative()).optional(),
  /** T: frames fed to the model (default: the model config's, else 300). */
  frames: z.number().int().positive().optional(),
  temporal: z.enum(["zero-pad", "repeat-pad", "resample"]).default("zero-pad"),
  center: z.enum(["none", "first-frame", "per-frame"]).default("none"),
  batchSize: z.number().int().positive().max(4096).default(16),
  /** Write only the (N, 8, C) descriptors (much smaller than F). */
  descriptorsOnly: z.boolean().default(false),
  /** At most this many samples (in file order). */
  limit: z.number().int().positive().optional(),
  /** Bundle directory, or a file ending in .npz / .safetensors. */
  out: z.string().min(1),
});

export type ExtractOptions = z.infer<typeof ExtractOptionsSchema>;

export interface ExtractResult {
  readonly out: string;
  readonly numSamples: number;
  readonly numClasses: number;
  readonly classIds: number[];
  readonly stored: "features" | "descriptors";
  readonly shape: number[];
}

/** Validates extract options; the first problem names its option. */
export function parseExtractOptions(input: Record<string, unknown>): ExtractOptions {
  const result = ExtractOptionsSchema.safeParse(input);
  if (result.success) return result.data;
  const issue = result.error.issues[0]!;
  const key = String(issue.path[0] ?? "");
  const option = key.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);
  throw new ValueError(`option --${option}: ${issue.message}`, { field: key });
}

/** Runs the backbone over the split's samples and writes the bundle. */
export async function runExtract(options: ExtractOptions, progress: Progress): Promise<ExtractResult> {
  let classIds: number[];
  if (options.classes) {
    classIds = [...new Set(options.classes)].sort((a, b) => a - b);
  } else if (options.split) {
    const split = getSplit(options.split);
    if (split.dataset !== options.dataset) {
      throw new ValueError(
        `option --split: ${options.split} is a ${split.dataset} split, --dataset is ${options.dataset}`,
        {
          field: "split",
          value: options.split,
        },
      );
    }
    classIds = candidateClasses(split, options.candidates);
  } else {
    throw new ValueError("extract needs --split ID or --classes IDS to choose the candidate classes", {
      field: "split",
    });
  }
  const rank = new Map(classIds.map((id, u) => [id, u]));
  const dataset: SkeletonDataset =
    options.dataset === "utd-mhad"
      ? new UtdMhadDataset(options.data)
      : new NtuSkeletonDataset(options.data, { dataset: options.dataset });
  let samples = dataset.list().filter((info) => info.label !== undefined && rank.has(info.label));
  if (options.limit !== undefined) samples = samples.slice(0, options.limit);
  if (samples.length === 0) {
    throw new ValueError(
      `no sample in ${options.data} belongs to the candidate classes ${classIds.join(", ")}`,
      { file: options.data, field: "data" },
    );
  }
  // onnxruntime loads here, not when the CLI starts (skc --help, skc eval on a bundle never need it).
  const { loadOnnxBackbone } = await import("@skeleton-cache/backbone-onnx");
  const backbone = await loadOnnxBackbone({
    model: options.model,
    ...(options.modelConfig ? { config: options.modelConfig } : {}),
    candidateClasses: classIds,
    batchSize: options.batchSize,
  });
  try {
    const preprocess: PreprocessOptions = {
      frames: options.frames ?? backbone.config.input.frames ?? 300,
      bodies: backbone.config.input.persons ?? 2,
      temporal: options.temporal,
      center: options.center,
    };
    function* inputs(): Generator<Tensor> {
      for (const info of samples) {
        const input = preprocessSequence(dataset.load(info.name), preprocess);
        yield { data: input.data, shape: input.shape };
      }
    }
    const N = samples.length;
    const U = classIds.length;
    const logits = new Float32Array(N * U);
    let volume: Float32Array | null = null;
    let volumeShape: number[] = [];
    let extractor: DescriptorExtractor | null = null;
    progress.start(N, "extract", "samples");
    for await (const batch of backbone.encodeAll(inputs())) {
      logits.set(batch.logits.data, batch.offset * U);
      const [, C, T, V] = batch.features.shape as [number, number, number, number];
      if (!volume) {
        volumeShape = options.descriptorsOnly ? [N, NUM_SLOTS, C] : [N, C, T, V];
        volume = new Float32Array(volumeShape.reduce((a, b) => a * b, 1));
        if (options.descriptorsOnly) extractor = new DescriptorExtractor(C, T, V, { layout: dataset.layout });
      }
      const perSample = C * T * V;
      for (let item = 0; item < batch.count; item++) {
        const sample = batch.offset + item;
        if (extractor) extractor.extractInto(batch.features.data, item * perSample, volume, sample * 8 * C);
        else
          volume.set(
            batch.features.data.subarray(item * perSample, (item + 1) * perSample),
            sample * perSample,
          );
        progress.tick();
      }
    }
    progress.stop();
    const labels = Int32Array.from(samples, (info) => rank.get(info.label!)!);
    const tensor: Tensor = { data: volume!, shape: volumeShape };
    const bundle: Bundle = {
      logits: { data: logits, shape: [N, U] },
      ...(options.descriptorsOnly ? { descriptors: tensor } : { features: tensor }),
      labels,
      classIds: Int32Array.from(classIds),
      meta: {
        format: BUNDLE_META_FORMAT,
        dataset: options.dataset,
        ...(options.split ? { split: options.split } : {}),
        backbone: `onnx:${path.basename(options.model)}`,
        synthetic: false,
        source: `skc extract --data ${options.data} (${N} samples, ${options.candidates} candidates)`,
        samples: samples.map((info) => info.name),
      },
    };
    writeBundle(options.out, bundle);
    return {
      out: options.out,
      numSamples: N,
      numClasses: U,
      classIds,
      stored: options.descriptorsOnly ? "descriptors" : "features",
      shape: volumeShape,
    };
  } finally {
    await backbone.close();
  }
}
