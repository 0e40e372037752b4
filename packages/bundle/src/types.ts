import { FormatError, ShapeError, ValueError, zodIssueError } from "@skeleton-cache/errors";
import { checkFormatVersion } from "@skeleton-cache/formats";
import { type LabelledStream, NUM_SLOTS, type StreamKind } from "@skeleton-cache/skeleton";
import { assertFinite, formatShape, type Shape } from "@skeleton-cache/tensor";
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
 * The order of a bundle's samples, which is the stream order an online
 * method sees (meta.json `order`): `listed`, as the dataset reader listed the
 * files (UTD-MHAD's file names list them by class, so the stream is sorted
 * by label); `shuffled`, the sample names sorted, then `permutation(N, seed)`
 * of @skeleton-cache/tensor — the same order whatever order the files came
 * in. Absent: the bundle does not say (written before the key, or by hand).
 */
export const SampleOrderSchema = z.discriminatedUnion("kind", [
  z.strictObject({ kind: z.literal("listed") }),
  z.strictObject({ kind: z.literal("shuffled"), seed: z.number().int().nonnegative() }),
]);

export type SampleOrder = z.infer<typeof SampleOrderSchema>;

/** How a report names a bundle's sample order (meta.json `order`); undefined where the bundle does not say. */
export function sampleOrderText(order: unknown): string | undefined {
  const parsed = SampleOrderSchema.safeParse(order);
  if (!parsed.success) return undefined;
  return parsed.data.kind === "shuffled"
    ? `the bundle's, a seeded shuffle (seed ${parsed.data.seed}) of its samples sorted by name, made at extraction: independent of the files' order`
    : "the bundle's, as the dataset reader listed the files (extracted with --sample-order listed): the figures depend on it";
}

/** The `format` of a bundle's meta.json written by this version (absent: version 1, written before the key). */
export const BUNDLE_META_FORMAT = "skeleton-cache.bundle-meta/1";

/**
 * Free metadata of a bundle (`meta.json`): a few known fields, anything else
 * kept as given.
 */
export const BundleMetaSchema = z.looseObject({
  /** Schema name and version; readers refuse another version. */
  format: z.literal(BUNDLE_META_FORMAT).optional().describe("schema name and version"),
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
  /** The order of the samples (the stream order): listed as the reader gave them, or a seeded shuffle of their names. */
  order: SampleOrderSchema.optional(),
  /** This bundle's place in a shard set (`skc extract --shard i/n`); absent for a whole bundle. */
  shard: ShardInfoSchema.optional(),
});

export type BundleMeta = z.infer<typeof BundleMetaSchema>;

/** The JSON Schema of meta.json: the text of this package's schemas/bundle-meta.schema.json. */
export function bundleMetaJsonSchema(): string {
  const schema = z.toJSONSchema(BundleMetaSchema, { io: "input" });
  const document = { $id: BUNDLE_META_FORMAT, title: "Skeleton-Cache bundle meta.json", ...schema };
  return `${JSON.stringify(document, null, 2)}\n`;
}

/** What a bundle holds, without the values of F or the descriptors: enough to check its layout. */
export interface BundleLayout {
  /** (N, U). */
  readonly logitsShape: Shape;
  readonly kind: StreamKind;
  /** (N, C, T, V) or (N, 8, C). */
  readonly volumeShape: Shape;
  readonly labels: Int32Array;
  readonly classIds?: Int32Array | undefined;
}

/** Checks a bundle's layout: shapes agree, labels in [0, U), class ids strictly ascending. */
export function checkBundleLayout(layout: BundleLayout, source = "bundle"): void {
  const { logitsShape, kind, volumeShape, labels, classIds } = layout;
  const fail = (field: string, message: string, value?: unknown): never => {
    throw new ShapeError(`${source}: ${field}: ${message}`, {
      file: source,
      field,
      ...(value === undefined ? {} : { value }),
    });
  };
  if (logitsShape.length !== 2)
    fail("logits", `expected (N, U), got ${formatShape(logitsShape)}`, logitsShape);
  const [n, u] = logitsShape as [number, number];
  if (kind === "features" && (volumeShape.length !== 4 || volumeShape[0] !== n))
    fail("features", `expected (${n}, C, T, V), got ${formatShape(volumeShape)}`, volumeShape);
  if (
    kind === "descriptors" &&
    (volumeShape.length !== 3 || volumeShape[0] !== n || volumeShape[1] !== NUM_SLOTS)
  )
    fail("descriptors", `expected (${n}, 8, C), got ${formatShape(volumeShape)}`, volumeShape);
  if (labels.length !== n)
    fail("labels", `has ${labels.length} entries, logits have ${n} samples`, labels.length);
  if (classIds && classIds.length !== u)
    fail("class_ids", `has ${classIds.length} entries, logits have ${u} classes`, classIds.length);
  for (let classIndex = 1; classIds && classIndex < u; classIndex++) {
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
}

/**
 * Checks a labelled stream as a bundle holds it: exactly one of F and the
 * descriptors (F only where its kind says so), its layout
 * (`checkBundleLayout`), the data lengths, and that every value is finite.
 */
export function validateBundle(bundle: LabelledStream, source = "bundle"): void {
  const { logits, features, descriptors, labels, classIds } = bundle;
  const fail = (field: string, message: string): never => {
    throw new ShapeError(`${source}: ${field}: ${message}`, { file: source, field });
  };
  if ((features === undefined) === (descriptors === undefined))
    fail("features", "exactly one of features (N, C, T, V) and descriptors (N, 8, C) is required");
  if (features && bundle.kind !== "features")
    fail("kind", `is ${JSON.stringify(bundle.kind)} but the stream holds features (N, C, T, V)`);
  const volume = (features ?? descriptors)!;
  const kind = features ? "features" : "descriptors";
  checkBundleLayout({ logitsShape: logits.shape, kind, volumeShape: volume.shape, labels, classIds }, source);
  for (const [field, tensor] of [
    ["logits", logits],
    [kind, volume],
  ] as const) {
    const size = tensor.shape.reduce((a, b) => a * b, 1);
    if (tensor.data.length !== size)
      fail(field, `data holds ${tensor.data.length} values, shape needs ${size}`);
  }
  assertFinite(logits.data, "logits", logits.shape, source);
  assertFinite(volume.data, kind, volume.shape, source);
}

/** Parses and checks bundle metadata. */
export function parseBundleMeta(value: unknown, source = "meta.json"): BundleMeta {
  checkFormatVersion(value, BUNDLE_META_FORMAT, { file: source, upgrade: "@skeleton-cache/bundle" });
  const result = BundleMetaSchema.safeParse(value ?? {});
  if (!result.success)
    throw zodIssueError(result.error, {
      input: value ?? {},
      file: source,
      kind: "format",
      message: (issue) => `${source}: invalid bundle meta: ${issue.field}: ${issue.reason}`,
    });
  return result.data;
}
