import { BUNDLE_META_FORMAT, BundleMetaSchema, parseBundleMeta } from "@skeleton-cache/bundle";
import { FormatError } from "@skeleton-cache/errors";
import { checkFormatVersion, readJsonFile } from "@skeleton-cache/formats";
import { z } from "zod";

export type { BundleMeta } from "@skeleton-cache/bundle";
/** A bundle's meta.json: its owner is @skeleton-cache/bundle (schema, version, reader check). */
export { BUNDLE_META_FORMAT, BundleMetaSchema, parseBundleMeta };

/** The `format` of report.json written by this version. */
export const EVAL_REPORT_FORMAT = "skeleton-cache.eval-report/1";

const figure = z.number();
const accuracy = z.looseObject({ correct: z.number().int(), total: z.number().int(), percent: figure });
const predictionSummary = z.looseObject({
  top1: accuracy,
  top5: accuracy.nullable(),
  perClass: z.looseObject({ percent: z.array(figure.nullable()), meanPercent: figure }),
  confusion: z.array(z.array(z.number().int())),
});

/** report.json of an eval run: the figures and where they came from. */
export const EvalReportSchema = z.looseObject({
  format: z.literal(EVAL_REPORT_FORMAT).describe("schema name and version"),
  tool: z.looseObject({ name: z.string(), version: z.string() }),
  synthetic: z.boolean(),
  syntheticNote: z.string().nullable(),
  protocol: z.looseObject({
    name: z.enum(["online", "validation", "orders", "reference"]),
    description: z.string(),
    selectsOnTestLabels: z.boolean(),
  }),
  config: z.record(z.string(), z.unknown()).describe("the resolved config (flags and file, with defaults)"),
  seed: z.number().int(),
  bundle: z.looseObject({
    source: z.string(),
    numSamples: z.number().int(),
    numClasses: z.number().int(),
    channels: z.number().int(),
    input: z.enum(["features", "descriptors"]),
    classIds: z.array(z.number().int()).nullable(),
    classNames: z.array(z.string()),
    meta: BundleMetaSchema,
  }),
  prior: z.looseObject({ kind: z.string(), source: z.string(), split: z.string().nullable() }),
  method: z
    .looseObject({
      name: z.string(),
      title: z.string(),
      description: z.string(),
      reference: z.string(),
      capabilities: z.record(z.string(), z.unknown()),
      hedgeActive: z.boolean().nullable(),
    })
    .describe("the test-time method (@skeleton-cache/tta registry name) and what it supports"),
  params: z
    .record(z.string(), z.union([figure, z.string()]))
    .describe("the method's hyper-parameters of the main pass (e.g. alpha, beta, K, hedge, hedgeMargin)"),
  results: z.looseObject({
    backbone: predictionSummary,
    cache: predictionSummary,
    gain: figure,
    cacheStatistics: z.record(z.string(), z.unknown()).nullable(),
    running: z.looseObject({
      positions: z.array(z.number().int()),
      backbone: z.array(figure),
      cache: z.array(figure),
    }),
  }),
  stream: z
    .looseObject({
      runs: z.number().int(),
      expectedRuns: figure,
      longestRun: z.number().int(),
      sortedByLabel: z.boolean(),
    })
    .describe("how the labels run along the bundle's order (long runs of one class = sorted by label)"),
  warnings: z.array(z.string()),
  grid: z.record(z.string(), z.unknown()).nullable(),
  validation: z.record(z.string(), z.unknown()).nullable(),
  orders: z.record(z.string(), z.unknown()).nullable(),
  reference: z.record(z.string(), z.unknown()).nullable(),
  ablations: z.array(z.record(z.string(), z.unknown())).nullable(),
  gzsl: z.record(z.string(), z.unknown()).nullable(),
  files: z.array(z.string()),
  timing: z.record(z.string(), z.number()),
});
export type EvalReportFile = z.infer<typeof EvalReportSchema>;

function firstIssue(error: z.ZodError, file: string, what: string): FormatError {
  const issue = error.issues[0]!;
  const field = issue.path.join(".") || "(top level)";
  return new FormatError(`${file}: ${what}: ${field}: ${issue.message}`, { file, field });
}

/** Reads and checks a run's report.json. */
export function readEvalReport(file: string): EvalReportFile {
  const value = readJsonFile(file, "report");
  checkFormatVersion(value, EVAL_REPORT_FORMAT, {
    file,
    upgrade: "@skeleton-cache/skc",
    missing: `written by an older skc (before ${EVAL_REPORT_FORMAT}); run \`skc eval\` again to rebuild it`,
  });
  const result = EvalReportSchema.safeParse(value);
  if (!result.success) throw firstIssue(result.error, file, "invalid report");
  return result.data;
}

/** The JSON Schema files of apps/eval/schemas/, by file name. */
export function jsonSchemaFiles(): Record<string, string> {
  const render = (schema: z.ZodType, id: string, title: string) =>
    `${JSON.stringify({ $id: id, title, ...z.toJSONSchema(schema, { io: "input" }) }, null, 2)}\n`;
  return {
    "bundle-meta.schema.json": render(
      BundleMetaSchema,
      BUNDLE_META_FORMAT,
      "Skeleton-Cache bundle meta.json",
    ),
    "eval-report.schema.json": render(
      EvalReportSchema,
      EVAL_REPORT_FORMAT,
      "Skeleton-Cache skc eval report.json",
    ),
  };
}
