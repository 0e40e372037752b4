import { ShapeError, ValueError } from "@skeleton-cache/errors";
import { NUM_SLOTS } from "@skeleton-cache/skeleton";
import { assertFinite, formatShape, type Tensor } from "@skeleton-cache/tensor";
import { z } from "zod";

/** Where a part sits in its shard set (meta.json `shard`). */
export const ShardInfoSchema = z.strictObject({
  /** 0-based part index i. */
  index: z.number().int().nonnegative(),
  /** Number of parts n. */
  count: z.number().int().positive(),
  /** Index of the part's first sample in the whole dataset. */
  offset: z.number().int().nonnegative(),
  /** Samples in the whole dataset (N). */
  total: z.number().int().nonnegative(),
});

export type ShardInfo = z.infer<typeof ShardInfoSchema>;

/**
 * Free metadata of a bundle (`meta.json`): a few known fields, anything else
 * kept as given.
 */
export const BundleMetaSchema = z.looseObject({
  /** Dataset name, e.g. "ntu60". */
  dataset: z.string().optional(),
  /** Split name, e.g. "ntu60_48_12". */
  split: z.string().optional(),
  /** Backbone that produced logits and features. */
  backbone: z.string().optional(),
  /** True when the numbers are synthetic (not from a real model). */
  synthetic: z.boolean().optional(),
  /** How the bundle was made (tool, source file, command). */
  source: z.string().optional(),
  /**
   * Joint layout of the feature volume's V axis (a key of LAYOUTS in
   * @skeleton-cache/skeleton: "ntu25", "kinect-v1-20", "coco17"); `skc eval`
   * computes descriptors with it.
   */
  layout: z.string().optional(),
  /** Sample names in stream order (e.g. NTU "S001C001P001R001A001"), for playback and provenance. */
  sampleNames: z.array(z.string()).optional(),
  /** The folder the raw skeleton files were read from. */
  data: z.string().optional(),
  /** This bundle's place in a shard set (`skc extract --shard i/n`); absent for a whole bundle. */
  shard: ShardInfoSchema.optional(),
});

export type BundleMeta = z.infer<typeof BundleMetaSchema>;

/**
 * Pre-encoded backbone outputs for N samples over U candidate classes
 * (SPEC §1): evaluation needs no model. Exactly one of `features` (N, C, T, V)
 * and `descriptors` (N, 8, C) is present.
 */
export interface Bundle {
  /** Base logits (N, U). */
  readonly logits: Tensor;
  /** The feature volume F per sample (N, C, T, V). */
  readonly features?: Tensor;
  /** The 8 Skeleton-Cache descriptors per sample (N, 8, C). */
  readonly descriptors?: Tensor;
  /** Ground truth as 0-based candidate indices (N,). */
  readonly labels: Int32Array;
  /** Dataset class ids of the candidates (U,), strictly ascending: candidate u = rank of its id. */
  readonly classIds: Int32Array;
  readonly meta: BundleMeta;
}

/** Checks a bundle: shapes agree, labels in range, class ids ascending, all values finite. */
export function validateBundle(bundle: Bundle, source = "bundle"): void {
  const { logits, features, descriptors, labels, classIds } = bundle;
  const fail = (field: string, message: string, value?: unknown, position?: number): never => {
    throw new ShapeError(`${source}: ${field}: ${message}`, {
      file: source,
      field,
      ...(value === undefined ? {} : { value }),
      ...(position === undefined ? {} : { position }),
    });
  };
  if (logits.shape.length !== 2)
    fail("logits", `expected (N, U), got ${formatShape(logits.shape)}`, logits.shape);
  const [n, u] = logits.shape as [number, number];
  if (logits.data.length !== n * u)
    fail("logits", `data holds ${logits.data.length} values, shape needs ${n * u}`);
  if ((features === undefined) === (descriptors === undefined))
    fail("features", "exactly one of features (N, C, T, V) and descriptors (N, 8, C) is required");
  if (features) {
    if (features.shape.length !== 4 || features.shape[0] !== n)
      fail("features", `expected (${n}, C, T, V), got ${formatShape(features.shape)}`, features.shape);
    const size = features.shape.reduce((a, b) => a * b, 1);
    if (features.data.length !== size)
      fail("features", `data holds ${features.data.length} values, shape needs ${size}`);
  }
  if (descriptors) {
    if (descriptors.shape.length !== 3 || descriptors.shape[0] !== n || descriptors.shape[1] !== NUM_SLOTS)
      fail("descriptors", `expected (${n}, 8, C), got ${formatShape(descriptors.shape)}`, descriptors.shape);
    const size = descriptors.shape.reduce((a, b) => a * b, 1);
    if (descriptors.data.length !== size)
      fail("descriptors", `data holds ${descriptors.data.length} values, shape needs ${size}`);
  }
  if (labels.length !== n)
    fail("labels", `has ${labels.length} entries, logits have ${n} samples`, labels.length);
  if (classIds.length !== u)
    fail("class_ids", `has ${classIds.length} entries, logits have ${u} classes`, classIds.length);
  for (let classIndex = 1; classIndex < u; classIndex++) {
    if (classIds[classIndex]! <= classIds[classIndex - 1]!) {
      throw new ValueError(
        `${source}: class_ids[${classIndex}] is ${classIds[classIndex]} after ${classIds[classIndex - 1]}; class ids must be strictly ascending (candidate index = rank of the id)`,
        { file: source, field: "class_ids", position: classIndex, value: classIds[classIndex] },
      );
    }
  }
  for (let sampleIndex = 0; sampleIndex < n; sampleIndex++) {
    const label = labels[sampleIndex]!;
    if (label < 0 || label >= u) {
      throw new ValueError(
        `${source}: labels[${sampleIndex}] is ${label}; labels are candidate indices in [0, ${u})`,
        { file: source, field: "labels", position: sampleIndex, value: label },
      );
    }
  }
  assertFinite(logits.data, "logits", logits.shape, source);
  if (features) assertFinite(features.data, "features", features.shape, source);
  if (descriptors) assertFinite(descriptors.data, "descriptors", descriptors.shape, source);
}

/** Parses and checks bundle metadata. */
export function parseBundleMeta(value: unknown, source = "meta.json"): BundleMeta {
  const result = BundleMetaSchema.safeParse(value);
  if (!result.success) {
    const issue = result.error.issues[0]!;
    const field = issue.path.join(".") || "(root)";
    throw new ValueError(`${source}: ${field}: ${issue.message}`, { file: source, field });
  }
  return result.data;
}
