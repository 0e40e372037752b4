import fs from "node:fs";
import path from "node:path";
import { type Preprocessing, PreprocessingSchema } from "@skeleton-cache/datasets";
import { FormatError, zodIssueError } from "@skeleton-cache/errors";
import { z } from "zod";

/** The `format` tag of an adapter config file. */
export const ONNX_BACKBONE_CONFIG_FORMAT = "skeleton-cache.onnx-backbone/1";

const tensorName = z.string().min(1);
const positiveInt = z.number().int().positive();

/** The zero-shot head of an embedding output: cosine / τ or dot. */
export const ZeroShotHeadSchema = z.discriminatedUnion("metric", [
  z.object({ metric: z.literal("cosine"), temperature: z.number().positive().finite() }).strict(),
  z.object({ metric: z.literal("dot") }).strict(),
]);

/**
 * The JSON file next to an ONNX model that says which tensor is which. The
 * skeleton input is (N, 3, T, V, M); the feature output is either per person
 * (N·M, C, T, V) ("separate", averaged by the adapter) or already averaged
 * (N, C, T, V); the class output is logits (N, K) or an embedding (N, D)
 * scored by a zero-shot head against class text embeddings (an `.npy`,
 * resolved relative to the config file).
 */
export const OnnxBackboneConfigSchema = z
  .object({
    format: z.literal(ONNX_BACKBONE_CONFIG_FORMAT),
    /** The model's name in bundles and reports (default: from its path, e.g. "utd_mhad_22_5/seed0/model"). */
    name: z.string().min(1).optional(),
    input: z
      .object({
        name: tensorName,
        /** T when the model needs a fixed length (used for warm-up). */
        frames: positiveInt.optional(),
        /** V: joints (25 for NTU). */
        joints: positiveInt.optional(),
        /** M: persons per sample (2 for NTU). */
        persons: positiveInt.optional(),
      })
      .strict(),
    features: z
      .object({
        name: tensorName,
        persons: z.enum(["separate", "averaged"]),
      })
      .strict(),
    output: z.discriminatedUnion("kind", [
      z
        .object({
          kind: z.literal("logits"),
          name: tensorName,
          /** K: the model's classes, when the graph leaves it symbolic. */
          classes: positiveInt.optional(),
        })
        .strict(),
      z
        .object({
          kind: z.literal("embedding"),
          name: tensorName,
          /** `.npy` (classes, D) of class text embeddings, relative to the config file. */
          classEmbeddings: z.string().min(1),
          head: ZeroShotHeadSchema,
        })
        .strict(),
    ]),
    /**
     * The preprocessing the model was trained with (frames, bodies,
     * bodySelection, temporal, center, align — see @skeleton-cache/datasets);
     * `skc extract` uses it unless flags override it. `input.frames` and
     * `input.persons` stand for `frames` and `bodies` when these are unset.
     */
    preprocessing: PreprocessingSchema.optional(),
    /** Free-form provenance (exporter, source model, command). */
    source: z.record(z.string(), z.unknown()).optional(),
  })
  .strict();

export type OnnxBackboneConfig = z.infer<typeof OnnxBackboneConfigSchema>;

/** Where the config of a model is looked for by default: `<model stem>.backbone.json`. */
export function defaultConfigPath(modelFile: string): string {
  const dir = path.dirname(modelFile);
  const stem = path.basename(modelFile).replace(/\.onnx$/i, "");
  return path.join(dir, `${stem}.backbone.json`);
}

/** Validates a parsed config object; `file` names it in errors. */
export function parseOnnxBackboneConfig(value: unknown, file = "<config>"): OnnxBackboneConfig {
  const result = OnnxBackboneConfigSchema.safeParse(value);
  if (!result.success)
    throw zodIssueError(result.error, {
      input: value,
      file,
      kind: "format",
      message: (issue) => `${file}: ${issue.field}: ${issue.reason}\n${z.prettifyError(result.error)}`,
    });
  return result.data;
}

/** Reads and validates an adapter config JSON file. */
export function readOnnxBackboneConfig(file: string): OnnxBackboneConfig {
  let text: string;
  try {
    text = fs.readFileSync(file, "utf8");
  } catch (error) {
    throw new FormatError(
      `${file}: cannot read the ONNX backbone config (${(error as Error).message})`,
      { file },
      { cause: error },
    );
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new FormatError(
      `${file}: not valid JSON (${(error as Error).message})`,
      { file },
      { cause: error },
    );
  }
  return parseOnnxBackboneConfig(value, file);
}

/** The preprocessing a model's config asks for: `preprocessing`, with T and M from `input` where unset. */
export function modelPreprocessing(config: OnnxBackboneConfig): Preprocessing {
  return {
    ...(config.input.frames !== undefined ? { frames: config.input.frames } : {}),
    ...(config.input.persons !== undefined ? { bodies: config.input.persons } : {}),
    ...config.preprocessing,
  };
}

/** Stems that say nothing about a model: the name then includes its folders. */
const GENERIC_STEMS = new Set(["model", "best", "last", "final", "checkpoint", "export", "backbone", "net"]);

/**
 * A readable model name from its path: the file stem, preceded by up to two
 * parent folders while the name is a generic stem ("model", "best", ...):
 * `models/utd_mhad_22_5/seed0/model.onnx` → "utd_mhad_22_5/seed0/model".
 */
export function modelNameOf(file: string): string {
  const parts = path.resolve(file).split(path.sep).filter(Boolean);
  const stem = parts.pop()!.replace(/\.onnx$/i, "");
  if (!GENERIC_STEMS.has(stem.toLowerCase())) return stem;
  return [...parts.slice(-2), stem].join("/");
}
