/**
 * The report of one evaluation run: report.json is an `EvalReport`. One
 * versioned zod schema says what it holds; the TypeScript types are inferred
 * from it, so the schema, the JSON Schema file (schemas/eval-report.schema.json)
 * and the types cannot drift apart. The shapes are this package's own: the
 * producers' types (metrics' Accuracy, protocols' GridPoint, tta's
 * MethodParams, the CLI's config...) are assignable to them, and nothing
 * here imports the code that computes them.
 */
import { type FormatError, type ValueError, zodIssueError } from "@skeleton-cache/errors";
import { checkFormatVersion, readJsonFile } from "@skeleton-cache/formats";
import { STREAM_KINDS } from "@skeleton-cache/skeleton";
import { z } from "zod";

/** The `format` of report.json written by this version. */
export const EVAL_REPORT_FORMAT = "skeleton-cache.eval-report/1";

const figure = z.number();
const count = z.number().int();

/** Correct out of total, and the percentage. */
const AccuracySchema = z.object({ correct: count, total: count, percent: figure });

/** Per-class accuracy over the samples whose true label is each class. */
const PerClassAccuracySchema = z.object({
  support: z.array(count).describe("samples per true class (U)"),
  correct: z.array(count).describe("correct predictions per true class (U)"),
  percent: z
    .array(figure.nullable())
    .describe("100 · correct / support per class, null for a class with no samples"),
  meanPercent: figure.describe("mean of percent over the classes that have samples"),
});

/** Accuracy figures of one set of predictions. */
export const PredictionSummarySchema = z.object({
  top1: AccuracySchema,
  top5: AccuracySchema.nullable().describe(
    "top-5 (or top-U when U < 5) from the logits; null where no logits exist (second-pass predictions)",
  ),
  perClass: PerClassAccuracySchema,
  confusion: z.array(z.array(count)).describe("row-major U × U, rows = true class"),
});

/** Block occupancy and pseudo-label precision of a cache after the pass. */
const CacheStatisticsSchema = z.object({
  K: count.describe("entries per class block"),
  occupancy: z.array(count).describe("entries per block"),
  totalEntries: count,
  fill: figure.describe("totalEntries / (U · K)"),
  correctEntries: z.array(count).describe("entries per block whose sample's true label is the block's class"),
  precisionPerBlock: z
    .array(figure.nullable())
    .describe("100 · correct / occupancy per block; null for an empty block"),
  precision: figure,
});

/** Generalized zero-shot figures at one calibration. */
const GzslResultSchema = z.object({
  calibration: figure,
  seen: figure,
  unseen: figure,
  harmonic: figure,
  seenSamples: count,
  unseenSamples: count,
  average: z.enum(["sample", "class"]),
});

const GzslModelSchema = z.object({ best: GzslResultSchema, points: z.array(GzslResultSchema) });

/** The generalized zero-shot section: the seen candidates and S, U, H per model. */
export const GzslSectionSchema = z.object({
  seenIds: z.array(count),
  seenIndices: z.array(count),
  average: z.enum(["sample", "class"]),
  mode: z.enum(["given", "sweep"]),
  backbone: GzslModelSchema,
  cache: GzslModelSchema,
});

/** The evaluation protocol a report names: a registry name of @skeleton-cache/protocols (online, validation, orders, reference, or one a user registered). */
const ProtocolNameSchema = z.string().min(1);

/** A method's hyper-parameters, in its declared order (e.g. alpha, beta, K, hedge, hedgeMargin). */
const ParamsSchema = z.record(z.string(), z.union([figure, z.string()]));

/** The method of a run, as the report names it. */
export const MethodSectionSchema = z.object({
  name: z.string().describe("the test-time method's registry name"),
  title: z.string(),
  description: z.string(),
  reference: z.string(),
  capabilities: z.object({
    blocksFill: z
      .boolean()
      .describe("class blocks that can all fill: the reference protocol's second pass applies"),
    fusionWeights: z.boolean().describe("weighs descriptor slots with the prior's class weights (Eq. 9)"),
    slots: z.enum(["all", "global"]).describe("the descriptor slots it reads"),
  }),
  hedgeActive: z
    .boolean()
    .nullable()
    .describe("whether the runner-up hedge was on (the cache methods), null for methods without one"),
});

/** One point of a grid: parameter name → value. */
const GridValuesSchema = z.record(z.string(), figure);

/** A grid point's result. */
const GridPointSchema = z.object({ values: GridValuesSchema, correct: count, top1: figure });

/** A grid point of the reference protocol: the online pass and its conditional second pass. */
const ReferencePointSchema = GridPointSchema.extend({
  onlineCorrect: count,
  secondPassFired: z.boolean(),
  allBlocksFull: z.boolean(),
});

/** Mean, sample standard deviation, min and max of n values. */
const MeanSdSchema = z.object({ n: count, mean: figure, sd: figure, min: figure, max: figure });

/**
 * The resolved config of the run (flags and file, with defaults), as
 * report.json records it: what fixes the figures is required, the rest
 * (where the inputs came from, output switches) is recorded when given.
 */
export const RunConfigSchema = z
  .object({
    method: z.string().describe("the test-time method evaluated"),
    protocol: ProtocolNameSchema,
    seed: count,
    uniformGamma: figure.describe("γ of the uniform prior (Eq. 9 with equal part and phase importances)"),
    params: z.record(z.string(), ParamsSchema).describe("hyper-parameters per method, as given"),
    orders: count.optional().describe("R: stream orders of the spread (0: none)"),
    ablations: z.boolean().optional(),
    bundle: z.string().optional(),
    extract: z
      .record(z.string(), z.unknown())
      .optional()
      .describe(
        "the dataset + backbone encoded first (skc extract's options; their keys vary with the backbone)",
      ),
    demo: z.string().optional(),
    layout: z.string().optional(),
    prior: z.string().optional(),
    split: z.string().optional(),
    alpha: figure.optional(),
    beta: figure.optional(),
    K: count.optional(),
    hedge: z.enum(["auto", "on", "off"]).optional(),
    hedgeMargin: figure.optional(),
    grid: z.record(z.string(), z.array(figure)).optional(),
    validationBundle: z.string().optional(),
    validationPrior: z.string().optional(),
    gzsl: z
      .object({
        seen: z.array(count).optional(),
        calibration: figure.optional(),
        sweep: z.object({ from: figure, to: figure, steps: count }).optional(),
        average: z.enum(["sample", "class"]).optional(),
      })
      .optional(),
    out: z.string().optional(),
    plots: z.boolean().optional().describe("whether the SVG / PNG plots were written"),
    quiet: z.boolean().optional(),
  })
  .describe("the resolved config (flags and file, with defaults)");

/** report.json of an eval run: the figures and where they came from. */
export const EvalReportSchema = z.object({
  format: z.literal(EVAL_REPORT_FORMAT).describe("schema name and version"),
  tool: z
    .looseObject({ name: z.string(), version: z.string() })
    .describe("the program that wrote the report, its version and its packages' versions"),
  synthetic: z.boolean(),
  syntheticNote: z.string().nullable(),
  protocol: z.object({
    name: ProtocolNameSchema,
    description: z.string(),
    selectsOnTestLabels: z.boolean(),
  }),
  config: RunConfigSchema,
  seed: count,
  stream: z
    .object({
      numSamples: count,
      runs: count,
      expectedRuns: figure,
      longestRun: count,
      sortedByLabel: z.boolean(),
      order: z
        .string()
        .optional()
        .describe(
          "what the bundle's order is, as its meta.json `order` records it; absent where it does not say",
        ),
    })
    .describe("how the labels run along the bundle's order (long runs of one class = sorted by label)"),
  warnings: z.array(z.string()).describe("what the reader of the figures must know"),
  bundle: z.object({
    source: z.string(),
    numSamples: count.nonnegative(),
    numClasses: count.positive(),
    channels: count,
    input: z.enum(STREAM_KINDS).describe("what the stream held: F (described by Eq. 3–4) or the descriptors"),
    classIds: z.array(count).nullable(),
    classNames: z.array(z.string()),
    meta: z
      .record(z.string(), z.unknown())
      .describe("the bundle's meta.json as read (its schema: skeleton-cache.bundle-meta/1, other keys kept)"),
  }),
  prior: z.object({
    kind: z.string(),
    source: z.string(),
    split: z.string().nullable(),
    note: z
      .string()
      .optional()
      .describe("what the reader must know about the prior, e.g. an ntu120 prior on an ntu60 bundle"),
  }),
  method: MethodSectionSchema.describe("the test-time method and what it supports"),
  params: ParamsSchema.describe(
    "the method's hyper-parameters of the main pass (the one in predictions.csv)",
  ),
  results: z.object({
    backbone: PredictionSummarySchema,
    cache: PredictionSummarySchema,
    gain: figure,
    cacheStatistics: CacheStatisticsSchema.nullable().describe("null for a method without class blocks"),
    running: z.object({
      positions: z.array(count),
      backbone: z.array(figure),
      cache: z.array(figure),
    }),
  }),
  grid: z
    .object({
      on: z.enum(["validation bundle", "test labels"]),
      keys: z.array(z.string()).describe("the grid's parameter names, outermost first"),
      points: z.array(z.union([ReferencePointSchema, GridPointSchema])),
      best: z.union([ReferencePointSchema, GridPointSchema]),
    })
    .nullable(),
  validation: z
    .object({
      bundle: z.string(),
      prior: z.object({ kind: z.string(), source: z.string() }),
      numSamples: count,
      numClasses: count,
      chosen: GridValuesSchema,
      validationTop1: figure,
    })
    .nullable(),
  orders: z
    .object({
      R: count,
      seeds: z.array(count),
      top1: z.array(figure),
      summary: MeanSdSchema,
      backboneTop1: figure,
      streamOrderTop1: figure,
    })
    .nullable()
    .describe("the spread over R stream orders (the orders protocol, and beside online / validation runs)"),
  reference: z
    .object({
      label: z.string(),
      best: ReferencePointSchema,
      reportedTop1: figure,
      meanMaxBaseLogit: figure,
      threshold: figure,
      fixed: z.object({ params: ParamsSchema, top1: figure }),
    })
    .nullable(),
  ablations: z
    .array(
      z.object({
        id: z.string(),
        descriptors: z.string(),
        slots: z.array(count),
        prior: z.enum(["llm", "uniform"]).describe("llm = the run's prior, uniform = the no-LLM baseline"),
        correct: count,
        top1: figure,
      }),
    )
    .nullable(),
  gzsl: GzslSectionSchema.nullable(),
  files: z.array(z.string()),
  timing: z.record(z.string(), z.number()).describe("seconds per phase"),
});

/** Everything a run computed; report.json is this object. */
export type EvalReport = z.infer<typeof EvalReportSchema>;
/** Accuracy figures of one set of predictions (report.json `results.backbone`, `results.cache`). */
export type PredictionSummary = z.infer<typeof PredictionSummarySchema>;
/** report.json `gzsl`. */
export type GzslSection = z.infer<typeof GzslSectionSchema>;
/** report.json `method`. */
export type MethodSection = z.infer<typeof MethodSectionSchema>;
/** report.json `config`. */
export type RunConfig = z.infer<typeof RunConfigSchema>;

function firstIssue(error: z.ZodError, file: string, what: string): FormatError | ValueError {
  return zodIssueError(error, {
    file,
    kind: "format",
    message: (issue) => `${file}: ${what}: ${issue.field}: ${issue.reason}`,
  });
}

/** Reads and checks a run's report.json: its format version, then every field. */
export function readEvalReport(file: string): EvalReport {
  const value = readJsonFile(file, "report");
  checkFormatVersion(value, EVAL_REPORT_FORMAT, {
    file,
    upgrade: "@skeleton-cache/report",
    missing: `written by an older skc (before ${EVAL_REPORT_FORMAT}); run \`skc eval\` again to rebuild it`,
  });
  const result = EvalReportSchema.safeParse(value);
  if (!result.success) throw firstIssue(result.error, file, "invalid report");
  return result.data;
}

/** The JSON Schema of report.json: the text of this package's schemas/eval-report.schema.json. */
export function evalReportJsonSchema(): string {
  const schema = z.toJSONSchema(EvalReportSchema, { io: "input" });
  const document = { $id: EVAL_REPORT_FORMAT, title: "Skeleton-Cache skc eval report.json", ...schema };
  return `${JSON.stringify(document, null, 2)}\n`;
}
