/**
 * What an extraction will do, decided before any sample runs: the dataset
 * and its samples, the candidate classes, the preprocessing, this part's
 * sample range, and the settings a resume must match.
 */
import crypto from "node:crypto";
import path from "node:path";
import type { Backbone } from "@skeleton-cache/backbone";
import { BUNDLE_META_FORMAT, type BundleMeta, type SampleOrder, shardRange } from "@skeleton-cache/bundle";
import {
  openDataset as openRegisteredDataset,
  type ResolvedPreprocessing,
  resolvePreprocessing,
  type SampleInfo,
  type SkeletonDataset,
} from "@skeleton-cache/datasets";
import { ValueError } from "@skeleton-cache/errors";
import { candidateClasses, getSplit } from "@skeleton-cache/skeleton";
import { permutation } from "@skeleton-cache/tensor";
import type { ExtractOptions } from "./options.js";

/** How to open the dataset (sent to workers, which open their own). */
export interface DatasetSpec {
  readonly dataset: ExtractOptions["dataset"];
  readonly data: string;
  readonly keepMissing: boolean;
  readonly pkuBenchmark?: "cross-subject" | "cross-view" | undefined;
  readonly pkuPart?: "train" | "test" | undefined;
  readonly minConfidence?: number | undefined;
}

export function datasetSpec(options: ExtractOptions): DatasetSpec {
  return {
    dataset: options.dataset,
    data: options.data,
    keepMissing: options.keepMissing,
    pkuBenchmark: options.pkuBenchmark,
    pkuPart: options.pkuPart,
    minConfidence: options.minConfidence,
  };
}

/** Opens the raw files of a dataset with its registered reader (@skeleton-cache/datasets). */
export function openDataset(spec: DatasetSpec): SkeletonDataset {
  const { dataset, keepMissing, ...rest } = spec;
  // The options that are set: a reader's schema drops (z.object) or refuses (strict) those it does not read.
  const config = { ...rest, ...(keepMissing ? { keepMissing } : {}) };
  return openRegisteredDataset(
    dataset,
    Object.fromEntries(Object.entries(config).filter(([, value]) => value !== undefined)),
  );
}

/** Which classes are the candidates: explicit ids, "all", or a split's (zsl: its unseen classes, gzsl: seen + unseen). */
export interface ClassSelection {
  /** Dataset id the split must belong to (e.g. "ntu60"). */
  readonly dataset: string;
  readonly split?: string | undefined;
  /** Default "zsl". */
  readonly candidates?: "zsl" | "gzsl" | undefined;
  readonly classes?: readonly number[] | "all" | undefined;
}

/**
 * The candidate class ids the backbone is asked for: explicit ids, a split's
 * (zsl or gzsl), or undefined for `classes: "all"` (every class of the model).
 */
export function requestedClasses(options: ClassSelection): number[] | undefined {
  if (options.classes === "all") return undefined;
  if (options.classes) return [...new Set(options.classes)].sort((a, b) => a - b);
  if (options.split) {
    const split = getSplit(options.split);
    if (split.dataset !== options.dataset) {
      throw new ValueError(
        `--split: ${options.split} is a ${split.dataset} split, --dataset is ${options.dataset}`,
        { field: "split", value: options.split },
      );
    }
    return candidateClasses(split, options.candidates ?? "zsl");
  }
  throw new ValueError(
    "extract needs --split ID, --classes IDS or --classes all to choose the candidate classes",
    { field: "split" },
  );
}

/** The samples of the candidate classes (in the sample order, at most `limit`), and this part's range of them. */
export interface SamplePlan {
  readonly all: readonly SampleInfo[];
  /** [start, end) of `all` this run writes (everything unless --shard). */
  readonly range: readonly [number, number];
  /** The samples of the range. */
  readonly samples: readonly SampleInfo[];
  /** Their labels: candidate indices. */
  readonly labels: Int32Array;
}

/** Which of the candidate classes' samples a run takes, in which order: the first `limit`, then part i of n. */
export interface SampleSelection {
  /** The folder the dataset was read from, named in messages. */
  readonly data?: string | undefined;
  /** The order of the samples (default: as the reader lists them). */
  readonly order?: SampleOrder | undefined;
  readonly limit?: number | undefined;
  readonly shard?: { readonly index: number; readonly count: number } | undefined;
}

/**
 * The samples in `order`: as listed, or (shuffled) sorted by name, then
 * `permutation(N, seed)` — an order no listing changes. Shuffled names must
 * be unique (a name is how a sample is loaded).
 */
export function orderSamples(
  samples: readonly SampleInfo[],
  order: SampleOrder,
  data?: string,
): SampleInfo[] {
  if (order.kind === "listed") return [...samples];
  // Code-unit order, not localeCompare: the same on every machine and locale.
  const sorted = [...samples].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  for (let i = 1; i < sorted.length; i++)
    if (sorted[i]!.name === sorted[i - 1]!.name)
      throw new ValueError(
        `${data ?? "the dataset"}: two samples are named ${JSON.stringify(sorted[i]!.name)}; a shuffled sample order needs unique names (or extract with --sample-order listed)`,
        { ...(data ? { file: data } : {}), field: "sampleNames", value: sorted[i]!.name },
      );
  return permutation(sorted.length, order.seed).map((i) => sorted[i]!);
}

/**
 * The samples of `dataset` whose class is a candidate, in `order` (default
 * as listed), at most `limit` (the first of that order), this part's range
 * of them (`shard`: part i of n, as `shardRange` of @skeleton-cache/bundle
 * cuts), and their labels (candidate indices u). No sample, or an empty
 * part, is bad input.
 */
export function planSamples(
  dataset: SkeletonDataset,
  classIds: readonly number[],
  options: SampleSelection = {},
): SamplePlan {
  const rank = new Map(classIds.map((id, u) => [id, u]));
  const candidates = dataset.list().filter((info) => info.label !== undefined && rank.has(info.label));
  let all = orderSamples(candidates, options.order ?? { kind: "listed" }, options.data);
  if (options.limit !== undefined) all = all.slice(0, options.limit);
  if (all.length === 0) {
    throw new ValueError(
      `no sample in ${options.data ?? "the dataset"} (${dataset.dataset}) belongs to the candidate classes ${classIds.join(", ")}`,
      { ...(options.data ? { file: options.data } : {}), field: "data" },
    );
  }
  const range = options.shard
    ? shardRange(all.length, options.shard.index, options.shard.count)
    : [0, all.length];
  const samples = all.slice(range[0], range[1]);
  if (samples.length === 0)
    throw new ValueError(
      `--shard: part ${options.shard!.index}/${options.shard!.count} holds no sample (there are ${all.length}); use at most ${all.length} parts`,
      { field: "shard", value: `${options.shard!.index}/${options.shard!.count}`, expected: all.length },
    );
  return {
    all,
    range: range as [number, number],
    samples,
    labels: Int32Array.from(samples, (info) => rank.get(info.label!)!),
  };
}

/** The preprocessing: the flags over the model's own (adapter config) over the datasets defaults. */
export function planPreprocessing(
  options: ExtractOptions,
  backbone: Backbone<unknown>,
): ResolvedPreprocessing {
  return resolvePreprocessing(backbone.preprocessing, {
    frames: options.frames,
    bodies: options.bodies,
    bodySelection: options.bodySelection,
    temporal: options.temporal,
    center: options.center,
    align: options.align,
  });
}

/** The sample order the options ask for (meta.json `order`). */
export function sampleOrderOf(options: Pick<ExtractOptions, "sampleOrder" | "shuffleSeed">): SampleOrder {
  return options.sampleOrder === "listed"
    ? { kind: "listed" }
    : { kind: "shuffled", seed: options.shuffleSeed };
}

/** Everything meta.json records about an extraction (key order fixed: merged shards compare bytes). */
export function extractionMeta(input: {
  options: ExtractOptions;
  backbone: Backbone<unknown>;
  preprocessing: ResolvedPreprocessing;
  layout: string;
  plan: SamplePlan;
}): BundleMeta {
  const { options, backbone, preprocessing, layout, plan } = input;
  const model = backbone.model;
  const meta: Record<string, unknown> = {
    format: BUNDLE_META_FORMAT,
    dataset: options.dataset,
    ...(options.split ? { split: options.split } : {}),
    backbone: `${backbone.name}:${model?.name ?? "(unnamed)"}`,
    synthetic: false,
    source: "skc extract",
    layout,
    preprocessing,
    model: {
      adapter: backbone.name,
      ...(model ? { name: model.name, location: model.location } : {}),
      ...(model?.sha256 ? { sha256: model.sha256 } : {}),
    },
    candidates: options.classes === "all" ? "all" : options.classes ? "classes" : options.candidates,
    selection: {
      ...(options.dataset.startsWith("ntu") ? { keepMissing: options.keepMissing } : {}),
      ...(options.pkuBenchmark ? { pkuBenchmark: options.pkuBenchmark } : {}),
      ...(options.pkuPart ? { pkuPart: options.pkuPart } : {}),
      ...(options.minConfidence !== undefined ? { minConfidence: options.minConfidence } : {}),
      ...(options.limit !== undefined ? { limit: options.limit } : {}),
    },
    stored: options.descriptorsOnly ? "descriptors" : "features",
    order: sampleOrderOf(options),
    data: path.resolve(options.data),
    sampleNames: plan.samples.map((info) => info.name),
    ...(options.shard ? { shard: { ...options.shard, offset: plan.range[0], total: plan.all.length } } : {}),
  };
  return meta as BundleMeta;
}

/**
 * The settings a resume must match: the meta without the sample names (a
 * hash of them instead) plus the class ids and the chunk size.
 */
export function extractionSettings(
  meta: Record<string, unknown>,
  classIds: readonly number[],
): Record<string, unknown> {
  const { sampleNames, ...rest } = meta;
  const names = (sampleNames as string[] | undefined) ?? [];
  return {
    ...rest,
    classIds: [...classIds],
    samples: {
      count: names.length,
      sha256: crypto.createHash("sha256").update(names.join("\n")).digest("hex"),
    },
  };
}
