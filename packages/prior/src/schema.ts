import { z } from "zod";

/** One class's importances as written in a prior file (before ℓ1-normalisation). */
export const ClassImportanceSchema = z.object({
  /** Importances of head, torso, arms, feet (descriptor slots 0–3). */
  spatial: z.array(z.number().finite().nonnegative()).length(4).optional(),
  /** Importances of the begin, middle, end phases (slots 4–6). */
  temporal: z.array(z.number().finite().nonnegative()).length(3).optional(),
  /** γ_u ∈ [0, 1]: weight of the global descriptor against the local ones (Eq. 9). */
  gamma: z.number().finite().min(0).max(1),
});

/** Spread (standard deviation per component) over the n samples of a self-consistent prior. */
export const ClassSpreadSchema = z.object({
  spatial: z.array(z.number().finite().nonnegative()).length(4).optional(),
  temporal: z.array(z.number().finite().nonnegative()).length(3).optional(),
  gamma: z.number().finite().nonnegative().optional(),
  samples: z.number().int().positive().optional(),
});

/** Where a prior came from. Every field optional: the published priors carry none. */
export const PriorProvenanceSchema = z.looseObject({
  kind: z.string().optional(),
  model: z.string().optional(),
  endpoint_host: z.string().optional(),
  prompt_id: z.string().optional(),
  prompt_sha256: z.string().optional(),
  /** sha256 of every rendered prompt (all classes, in index order): pins class names and descriptions too. */
  rendered_sha256: z.string().optional(),
  /** Response format the endpoint ended up with: json_schema, json_object or text (llm-prior). */
  response_format: z.string().optional(),
  temperature: z.number().finite().optional(),
  samples_per_class: z.number().int().positive().optional(),
  date: z.string().optional(),
  note: z.string().optional(),
  source: z.string().optional(),
});

/**
 * A prior file. Accepts the authors' published files unchanged
 * (`{split, num_classes, class_names, weights: {"<u>": {spatial, temporal, gamma}}}`)
 * and dataset priors (`{dataset, ...}` keyed by dataset class index).
 * Unknown top-level keys are kept (loose) so newer files still load.
 */
export const PriorFileSchema = z.looseObject({
  split: z.string().optional(),
  dataset: z.string().optional(),
  num_classes: z.number().int().positive(),
  class_names: z.array(z.string()).optional(),
  /** "split" (keys = candidate index) or "dataset" (keys = dataset class index). Inferred when absent. */
  keyed_by: z.enum(["candidate", "dataset_class"]).optional(),
  provenance: PriorProvenanceSchema.optional(),
  weights: z.record(
    z.string().regex(/^\d+$/, "class keys must be non-negative integers"),
    ClassImportanceSchema,
  ),
  spread: z.record(z.string().regex(/^\d+$/), ClassSpreadSchema).optional(),
});

export type PriorFile = z.infer<typeof PriorFileSchema>;
export type PriorProvenance = z.infer<typeof PriorProvenanceSchema>;
export type ClassSpread = z.infer<typeof ClassSpreadSchema>;
