/** The options of `skc extract` (also the `extract` section of an eval config). */
import {
  ntu60Reader,
  ntu120Reader,
  PreprocessingSchema,
  pkuMmdReader,
  utdMhadReader,
} from "@skeleton-cache/datasets";
import { zodIssueError } from "@skeleton-cache/errors";
import { z } from "zod";

/** Datasets whose reader ships in @skeleton-cache/datasets (a plug-in may register more; `listDatasetReaders()` has them all). */
export const EXTRACT_DATASETS: readonly string[] = [
  ntu60Reader,
  ntu120Reader,
  utdMhadReader,
  pkuMmdReader,
].map((reader) => reader.name);

/** How extraction uses the cores (see the README: measured on the UTD-MHAD model). */
export const PARALLEL_MODES = ["sessions", "preprocess"] as const;

export const ExtractOptionsSchema = z.strictObject({
  /** Registry name of the backbone adapter ("onnx", "http", ... or "auto": the first that takes the config). */
  backbone: z.string().min(1).default("onnx"),
  /** A module (file path or package) that registers more adapters when imported, e.g. your own. */
  backboneModule: z.string().min(1).optional(),
  /** A module (file path or package) that registers more dataset readers when imported, e.g. your own format. */
  datasetModule: z.string().min(1).optional(),
  /** JSON or YAML file with the adapter's config (e.g. { "url": ... } for http). */
  backboneConfig: z.string().min(1).optional(),
  /** onnx: the `.onnx` model (its adapter config `<stem>.backbone.json` beside it, or `modelConfig`). */
  model: z.string().min(1).optional(),
  modelConfig: z.string().min(1).optional(),
  /** Folder of raw skeleton files: NTU RGB+D `.skeleton`, UTD-MHAD `.mat`, PKU-MMD skeletons + labels. */
  data: z.string().min(1),
  /** A dataset with a registered reader (checked when it is opened: a plug-in may register more). */
  dataset: z.string().min(1).default("ntu60"),
  /** Split id: candidates = its unseen classes (zsl) or seen + unseen (gzsl). */
  split: z.string().min(1).optional(),
  candidates: z.enum(["zsl", "gzsl"]).default("zsl"),
  /** Explicit candidate class ids (0-based), or "all": every class the model scores. */
  classes: z.union([z.array(z.number().int().nonnegative()).min(1), z.literal("all")]).optional(),
  // --- preprocessing (unset: the model's adapter config, then the datasets defaults)
  ...PreprocessingSchema.shape,
  // --- dataset-specific selection
  /** NTU: keep the official missing-skeleton samples (default false: left out). */
  keepMissing: z.boolean().default(false),
  /** PKU-MMD: keep one part of an official benchmark. */
  pkuBenchmark: z.enum(["cross-subject", "cross-view"]).optional(),
  pkuPart: z.enum(["train", "test"]).optional(),
  /** PKU-MMD: drop action instances whose label confidence is below this (0–2). */
  minConfidence: z.number().int().min(0).max(2).optional(),
  // --- running
  batchSize: z.number().int().positive().max(4096).default(16),
  /** Write only the (N, 8, C) descriptors (much smaller than F). */
  descriptorsOnly: z.boolean().default(false),
  /**
   * The order of the bundle's samples, the stream order an online method sees:
   * "shuffled" (default), the names sorted, then a seeded permutation — the
   * same bundle whatever order the files are listed in (UTD-MHAD's list them by
   * class); "listed", as the dataset reader lists them. meta.json records it.
   */
  sampleOrder: z.enum(["shuffled", "listed"]).default("shuffled"),
  /** The seed of the "shuffled" order. */
  shuffleSeed: z.number().int().nonnegative().default(0),
  /** At most this many samples: the first of the sample order (shuffled: a seeded random subset). */
  limit: z.number().int().positive().optional(),
  /** Bundle directory, or a file ending in .npz / .safetensors. */
  out: z.string().min(1),
  /** Samples per chunk: the unit of work of a worker and of the journal (resume granularity). */
  chunkSize: z.number().int().positive().max(65536).default(32),
  /** Worker threads (default: one per core; 0 = everything on the main thread). */
  workers: z.number().int().nonnegative().max(256).optional(),
  /** sessions: each worker parses, preprocesses and runs its own 1-thread model; preprocess: workers parse, one session runs. */
  parallel: z.enum(PARALLEL_MODES).default("sessions"),
  /** `--shard i/n`: write part i (0-based) of n (`resolveShard` reads `env` / `env/N` from the scheduler). */
  shard: z
    .strictObject({ index: z.number().int().nonnegative(), count: z.number().int().positive() })
    .optional(),
});

export type ExtractOptions = z.infer<typeof ExtractOptionsSchema>;
export type ExtractOptionsInput = z.input<typeof ExtractOptionsSchema>;

/** Validates extract options; the first problem names its option as typed on the command line. */
export function parseExtractOptions(input: Record<string, unknown>): ExtractOptions {
  const result = ExtractOptionsSchema.safeParse(input);
  if (result.success) return result.data;
  throw zodIssueError(result.error, {
    input,
    message: (issue) => {
      const key = issue.field.split(".")[0]!;
      const option = key.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);
      const value = input[key];
      return `--${option}: ${issue.reason}${value === undefined ? "" : ` (got ${JSON.stringify(value)})`}`;
    },
  });
}

export type { SchedulerEnv, ShardChoice } from "./shard.js";
export { resolveShard, schedulerJobId } from "./shard.js";
