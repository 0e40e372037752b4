/**
 * The labelled stream (SPEC §1): what a frozen backbone hands to a
 * test-time method, with the ground truth to score it. The one type every
 * package passes around: the bundle readers return it and the writers take
 * it, tta's online pass runs over it, the protocols and `evaluate` score it.
 */
import { ShapeError } from "@skeleton-cache/errors";
import type { Tensor } from "@skeleton-cache/tensor";
import { classCatalog, isDatasetId } from "./catalogs.js";
import { NUM_SLOTS } from "./slots.js";

/** What a stream holds per sample: the feature volume F (C, T, V) or the eight descriptors (8, C). */
export const STREAM_KINDS = ["features", "descriptors"] as const;
/** `"features"` (F, described by Eq. 3–4 before use) or `"descriptors"` (given as they are). */
export type StreamKind = (typeof STREAM_KINDS)[number];

/**
 * N samples in stream order: base logits over U candidate classes, each
 * sample's F or descriptors, the labels, and what is known of the classes.
 */
export interface LabelledStream {
  /**
   * What the stream was given as. `"features"`: F (N, C, T, V) in `features`,
   * or already described (Eq. 3–4) into `descriptors` (a reader that streams F
   * keeps only the descriptors). `"descriptors"`: (N, 8, C) in `descriptors`.
   */
  readonly kind: StreamKind;
  /** (N, U) base logits. */
  readonly logits: Tensor;
  /** (N, C, T, V) feature volumes. */
  readonly features?: Tensor;
  /** (N, 8, C) descriptors (SPEC §2 slot order). */
  readonly descriptors?: Tensor;
  /** (N,) ground truth as 0-based candidate indices. */
  readonly labels: Int32Array;
  /**
   * (U,) dataset class ids of the candidates, strictly ascending (candidate u
   * = rank of its id); absent where the source names none (candidate u is
   * then class u of no known dataset).
   */
  readonly classIds?: Int32Array;
  /** Free metadata (a bundle's meta.json): dataset, split, synthetic, layout, sample names, ... */
  readonly meta?: Readonly<Record<string, unknown>>;
  /** Where the stream came from (a file, a folder or a label): messages and reports name it. */
  readonly source?: string;
}

/** N, U and C of a stream (C from its descriptors, else from F). */
export function streamShape(stream: Pick<LabelledStream, "logits" | "features" | "descriptors">): {
  readonly numSamples: number;
  readonly numClasses: number;
  readonly channels: number;
} {
  const [numSamples, numClasses] = stream.logits.shape as [number, number];
  const channels = stream.descriptors
    ? stream.descriptors.shape[2]
    : stream.features
      ? stream.features.shape[1]
      : undefined;
  if (channels === undefined)
    throw new ShapeError(
      `a stream needs descriptors (N, ${NUM_SLOTS}, C) or features (N, C, T, V); it has neither`,
      { field: "descriptors" },
    );
  return { numSamples, numClasses, channels };
}

/** The stream's dataset (meta.dataset) when it is one with a shipped class catalog. */
function streamDataset(stream: Pick<LabelledStream, "meta">): string | undefined {
  const dataset = stream.meta?.dataset;
  return typeof dataset === "string" && isDatasetId(dataset) ? dataset : undefined;
}

/**
 * A name per candidate: the dataset's class name where the stream gives its
 * class ids and names a dataset with a catalog, else "class u".
 */
export function streamClassNames(stream: Pick<LabelledStream, "logits" | "classIds" | "meta">): string[] {
  const numClasses = stream.logits.shape[1]!;
  const dataset = streamDataset(stream);
  const catalog = dataset && stream.classIds ? classCatalog(dataset).names : undefined;
  return Array.from({ length: numClasses }, (_, u) => catalog?.[stream.classIds![u]!] ?? `class ${u}`);
}
