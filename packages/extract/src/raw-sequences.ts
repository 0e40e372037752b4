/**
 * The raw skeleton sequences behind a bundle's samples, found through the
 * meta.json keys extraction writes: where the bundle meta names its samples
 * and the folder of raw skeleton files, the raw (T, M, V, 3) sequences of the
 * requested samples are read with the dataset's reader (report.html's skeleton
 * playback packs them). Nothing here throws: whatever is missing becomes the
 * result's `reason`, each unreadable file one line of `failures`.
 *
 * meta.json keys read (the ones `extractionMeta` writes, @skeleton-cache/bundle's BundleMetaSchema):
 *   sample names   meta.sampleNames                  (array of N strings, bundle sample order)
 *   raw folder     meta.data                         (string; `dataDir` overrides)
 *   dataset        meta.dataset                      ("ntu60", "ntu120", "utd-mhad" or "pku-mmd")
 *   joint layout   meta.layout                       (a layout id, e.g. "ntu25"; else the dataset's, else NTU-25)
 */
import fs from "node:fs";
import type { SkeletonDataset } from "@skeleton-cache/datasets";
import { LAYOUTS, NTU25, type SkeletonLayout } from "@skeleton-cache/skeleton";
import { EXTRACT_DATASETS } from "./options.js";
import { openDataset } from "./plan.js";

/** The meta.json keys that name a bundle's raw samples, in order of preference (documented in apps/eval/README.md). */
export const SAMPLE_SOURCE_META_KEYS = {
  sampleNames: ["sampleNames"],
  dataDir: ["data"],
  dataset: ["dataset"],
  layout: ["layout"],
} as const;

/** One raw sequence: (T, M, V, 3) joints of bundle sample `sample`, named as in the dataset. */
export interface RawSequence {
  readonly sample: number;
  readonly name: string;
  readonly joints: Float32Array;
  readonly shape: readonly [number, number, number, number];
}

/** What `readRawSequences` found: the sequences (and the files it could not read), or why none. */
export type RawSequences =
  | { readonly found: false; readonly reason: string; readonly layout: SkeletonLayout }
  | {
      readonly found: true;
      /** The raw folder read. */
      readonly source: string;
      readonly layout: SkeletonLayout;
      readonly sequences: readonly RawSequence[];
      /** `name: why` for each requested sample that could not be read. */
      readonly failures: readonly string[];
    };

function firstKey(
  meta: Record<string, unknown>,
  keys: readonly string[],
): { key: string; value: unknown } | null {
  for (const key of keys) if (meta[key] !== undefined) return { key, value: meta[key] };
  return null;
}

function layoutOf(meta: Record<string, unknown>, dataset: SkeletonDataset | null): SkeletonLayout {
  const named = firstKey(meta, SAMPLE_SOURCE_META_KEYS.layout)?.value;
  if (typeof named === "string" && LAYOUTS[named]) return LAYOUTS[named]!;
  return dataset?.layout ?? NTU25;
}

/** The dataset that reads the raw files, opened as extraction opens it (every file listed, missing ones too). */
function datasetOf(kind: unknown, dir: string): SkeletonDataset | string {
  const known = EXTRACT_DATASETS.find((id) => id === kind);
  if (known === undefined)
    return `meta.dataset is ${JSON.stringify(kind)}; raw files are read for ${EXTRACT_DATASETS.join(", ")}`;
  return openDataset({ dataset: known, data: dir, keepMissing: true });
}

/** Options of `readRawSequences`. */
export interface RawSequenceOptions {
  /** N, the bundle's sample count (meta.sampleNames must list N names). */
  readonly numSamples: number;
  /** Bundle sample indices to read. */
  readonly samples: readonly number[];
  /** The raw folder, overriding meta.data (moved raw files). */
  readonly dataDir?: string | undefined;
}

/**
 * Reads the raw sequences of `options.samples` (bundle sample indices) named
 * by the bundle meta; `dataDir` overrides meta's folder. Never throws.
 */
export function readRawSequences(meta: Record<string, unknown>, options: RawSequenceOptions): RawSequences {
  const none = (reason: string): RawSequences => ({ found: false, reason, layout: layoutOf(meta, null) });
  const names = firstKey(meta, SAMPLE_SOURCE_META_KEYS.sampleNames);
  if (!names || !Array.isArray(names.value) || names.value.some((n) => typeof n !== "string"))
    return none(
      "the bundle's meta.json does not name its samples (meta.sampleNames), so they cannot be matched to raw skeleton files. Bundles written by `skc extract` record them.",
    );
  if (names.value.length !== options.numSamples)
    return none(`meta.${names.key} lists ${names.value.length} names for ${options.numSamples} samples.`);
  const given = options.dataDir ?? firstKey(meta, SAMPLE_SOURCE_META_KEYS.dataDir)?.value;
  if (typeof given !== "string")
    return none(
      "the bundle's meta.json does not say where its raw skeleton files are (meta.data); pass `skc report RUN_DIR --data DIR`.",
    );
  if (!fs.existsSync(given) || !fs.statSync(given).isDirectory())
    return none(
      `the raw skeleton folder ${given} does not exist (moved or on another machine?); pass \`skc report RUN_DIR --data DIR\` with its new place.`,
    );
  let dataset: SkeletonDataset | string;
  try {
    dataset = datasetOf(firstKey(meta, SAMPLE_SOURCE_META_KEYS.dataset)?.value, given);
  } catch (error) {
    dataset = `cannot list ${given}: ${(error as Error).message}`;
  }
  if (typeof dataset === "string") return none(`${dataset}.`);
  const layout = layoutOf(meta, dataset);
  const sequences: RawSequence[] = [];
  const failures: string[] = [];
  for (const sample of new Set(options.samples)) {
    const name = (names.value as string[])[sample]!;
    try {
      const sequence = dataset.load(name);
      if (sequence.shape[2] !== layout.numJoints)
        throw new Error(`${sequence.shape[2]} joints, the layout ${layout.id} has ${layout.numJoints}`);
      sequences.push({ sample, name, joints: sequence.joints, shape: sequence.shape });
    } catch (error) {
      failures.push(`${name}: ${(error as Error).message}`);
    }
  }
  return { found: true, source: given, layout, sequences, failures };
}
