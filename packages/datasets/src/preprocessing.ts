import { ValueError } from "@skeleton-cache/errors";
import { z } from "zod";

/** The choices of each enumerated preprocessing step (see PreprocessOptions). */
export const BODY_SELECTIONS = ["file-order", "motion-energy"] as const;
export const TEMPORAL_MODES = ["zero-pad", "repeat-pad", "resample"] as const;
export const CENTER_MODES = ["none", "first-frame", "per-frame"] as const;

/**
 * The preprocessing a model expects, as written in an adapter config or a
 * bundle's `meta.json`: every field of PreprocessOptions, each optional.
 */
export const PreprocessingSchema = z.strictObject({
  frames: z.number().int().positive().optional(),
  bodies: z.number().int().positive().optional(),
  bodySelection: z.enum(BODY_SELECTIONS).optional(),
  temporal: z.enum(TEMPORAL_MODES).optional(),
  center: z.enum(CENTER_MODES).optional(),
  align: z.boolean().optional(),
});

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
  const issue = result.error.issues[0]!;
  const field = issue.path.join(".") || "(root)";
  const given = issue.path.length > 0 ? (value as Record<string, unknown>)[String(issue.path[0])] : value;
  throw new ValueError(`${source}: ${field}: ${issue.message} (got ${JSON.stringify(given)})`, {
    file: source,
    field,
    value: given,
  });
}

/**
 * Resolves the preprocessing layer by layer: later layers (e.g. command-line
 * flags) override earlier ones (e.g. the model's adapter config); what no
 * layer sets takes PREPROCESS_DEFAULTS. Key order is fixed, so the result
 * serialises to the same bytes.
 */
export function resolvePreprocessing(
  ...layers: readonly (Readonly<Preprocessing> | undefined)[] // PreprocessOptions objects too: the same fields
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
