import { zodIssueError } from "@skeleton-cache/errors";
import { z } from "zod";

/** The choices of each enumerated preprocessing step (see `Preprocessing`). */
export const BODY_SELECTIONS = ["file-order", "motion-energy"] as const;
export const TEMPORAL_MODES = ["zero-pad", "repeat-pad", "resample"] as const;
export const CENTER_MODES = ["none", "first-frame", "per-frame"] as const;

/**
 * The preprocessing steps SZAR backbones' data pipelines use, each optional,
 * as `preprocessSequence` takes them and as an adapter config or a bundle's
 * `meta.json` records them. With the defaults (every step off) the output is
 * the classic ST-GCN `ntu_gendata` layout: the first `bodies` bodies in file
 * order, raw coordinates, zero-padded to `frames` = 300.
 */
export const PreprocessingSchema = z.strictObject({
  /** Output length T (default 300, ST-GCN's max_frame). */
  frames: z.number().int().positive().optional(),
  /** Output bodies M (default 2, ST-GCN's max_body). */
  bodies: z.number().int().positive().optional(),
  /**
   * "file-order" (default): body slots 0..M−1 as listed in the file (ST-GCN
   * `tools/utils/ntu_read_skeleton.py read_xyz`). "motion-energy": keep the M
   * slots with the largest Σ_c std(x_c) over their non-zero frames, most
   * active first (2s-AGCN / MS-G3D `data_gen/ntu_gendata.py`, `get_nonzero_std`;
   * ties keep file order).
   */
  bodySelection: z.enum(BODY_SELECTIONS).optional(),
  /**
   * "zero-pad" (default): frames after the sequence are zeros. "repeat-pad":
   * the sequence is repeated from its start until T frames are filled (as
   * 2s-AGCN `pre_normalization` pads null frames). Both keep the first T
   * frames of a longer sequence. "resample": linear interpolation of the
   * sequence onto T evenly spaced time points (first and last frame kept).
   */
  temporal: z.enum(TEMPORAL_MODES).optional(),
  /**
   * "none" (default); "first-frame": subtract the spine joint
   * (layout.spineJoint) of body 0 at its first present frame from every
   * present joint; "per-frame": subtract body 0's spine joint of the same
   * frame (2s-AGCN `pre_normalization`). Absent (all-zero) joints stay zero.
   */
  center: z.enum(CENTER_MODES).optional(),
  /**
   * Rotate every present joint so that, at body 0's first present frame, the
   * spine vector (layout.alignJoints spineLow → spineHigh) points along +z
   * and the hip vector (hipLeft → hipRight), projected off the spine, along
   * +x (the view alignment of 2s-AGCN `pre_normalization`, with hips for
   * shoulders). Default false.
   */
  align: z.boolean().optional(),
});

/** The preprocessing of a sequence: the one type for it (this package owns it). */
export type Preprocessing = z.infer<typeof PreprocessingSchema>;

/** Every step decided: what `preprocessSequence` ran, as recorded in a bundle. */
export type ResolvedPreprocessing = Required<Preprocessing>;

/** The defaults of `preprocessSequence` (the classic ST-GCN `ntu_gendata` layout). */
export const PREPROCESS_DEFAULTS: Readonly<ResolvedPreprocessing> = Object.freeze({
  frames: 300,
  bodies: 2,
  bodySelection: "file-order",
  temporal: "zero-pad",
  center: "none",
  align: false,
});

/** Checks a preprocessing object; a bad field is a ValueError naming `source`, the field and the value. */
export function parsePreprocessing(value: unknown, source = "preprocessing"): Preprocessing {
  const result = PreprocessingSchema.safeParse(value);
  if (result.success) return result.data;
  throw zodIssueError(result.error, {
    input: value,
    file: source,
    message: (issue) => `${source}: ${issue.field}: ${issue.reason} (got ${JSON.stringify(issue.value)})`,
  });
}

/**
 * Resolves the preprocessing layer by layer: later layers (e.g. command-line
 * flags) override earlier ones (e.g. the model's adapter config); what no
 * layer sets takes PREPROCESS_DEFAULTS. Key order is fixed, so the result
 * serialises to the same bytes.
 */
export function resolvePreprocessing(
  ...layers: readonly (Readonly<Preprocessing> | undefined)[]
): ResolvedPreprocessing {
  const out: Record<string, unknown> = { ...PREPROCESS_DEFAULTS };
  for (const layer of layers) {
    if (!layer) continue;
    for (const key of Object.keys(PREPROCESS_DEFAULTS)) {
      const value = (layer as Record<string, unknown>)[key];
      if (value !== undefined) out[key] = value;
    }
  }
  return parsePreprocessing(out) as ResolvedPreprocessing;
}
