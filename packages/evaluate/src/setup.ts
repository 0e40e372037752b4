/**
 * What `evaluate` runs: the setup, one zod schema (defaults applied by
 * `parseSetup`), and how it gives each method its hyper-parameters and grid.
 * The CLI's config (flags and a config file) maps onto it; the keys that only
 * the CLI knows (bundle paths, the run folder, the progress bar) are not here.
 */
import { ValueError, zodIssueError } from "@skeleton-cache/errors";
import type { ResolvedPrior } from "@skeleton-cache/prior";
import { checkGrid, type Grid, methodGrid, protocolNames } from "@skeleton-cache/protocols";
import type { LabelledStream } from "@skeleton-cache/skeleton";
import {
  DEFAULT_METHOD,
  getMethodSpec,
  type MethodParams,
  methodNames,
  resolveMethodParams,
} from "@skeleton-cache/tta";
import { z } from "zod";

const finite = z.number().refine(Number.isFinite, "must be a finite number");
const nonNegative = finite.refine((v) => v >= 0, "must be ≥ 0");

/** Generalized zero-shot: the seen candidates and calibrated stacking. */
export const GzslSchema = z.strictObject({
  /** Dataset class ids of the seen candidates (default: the split's seen list). */
  seen: z.array(z.number().int().nonnegative()).optional(),
  /** Constant subtracted from seen-class scores; omit to sweep. */
  calibration: finite.optional(),
  /** Sweep of calibration constants: from, to, steps. */
  sweep: z
    .strictObject({ from: finite, to: finite, steps: z.number().int().min(1).max(1001) })
    .default({ from: 0, to: 2, steps: 21 }),
  /** Average S and U over samples (default) or over classes. */
  average: z.enum(["sample", "class"]).default("sample"),
});

/** A prior and how it was named (report.json `prior` records `kind` and `source`): what @skeleton-cache/prior's `resolvePrior` returns. */
type NamedPrior = Pick<ResolvedPrior, "prior" | "kind" | "source" | "note">;

const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === "object" && value !== null;

const NamedPriorSchema = z.custom<NamedPrior>(
  (value) =>
    isObject(value) &&
    isObject(value.prior) &&
    typeof value.kind === "string" &&
    typeof value.source === "string",
  "must be { prior, kind, source } (what resolvePrior of @skeleton-cache/prior returns)",
);

const StreamSchema = z.custom<LabelledStream>(
  (value) => isObject(value) && isObject(value.logits) && value.labels instanceof Int32Array,
  "must be a labelled stream { kind, logits, descriptors | features, labels, ... }",
);

/**
 * The hyper-parameter keys shared by the cache methods, given without naming
 * the method (the CLI's --alpha, --beta, -K, --hedge, --hedge-margin).
 */
export const PARAM_SHORTHANDS = ["alpha", "beta", "K", "hedge", "hedgeMargin"] as const;

/** The setup's keys that the CLI's config shares (flags and file), in report.json's order. */
export const SETUP_CONFIG_KEYS = {
  /** γ of the uniform prior (the default prior, the ablations' no-LLM baseline). */
  uniformGamma: z.number().min(0).max(1).default(0.5),
  /** Split id: the stream's classes are checked against it; the GZSL seen list (default: meta.split's). */
  split: z.string().min(1).optional(),
  /** The test-time method (`@skeleton-cache/tta`'s registry), or "all" to compare every one. */
  method: z
    .string()
    .refine((name) => name === "all" || methodNames().includes(name), {
      error: () => `unknown method; known methods: ${methodNames().join(", ")}, or all`,
    })
    .default(DEFAULT_METHOD),
  /** Hyper-parameters per method, e.g. { "knn-past": { k: 5 } } (the method's defaults fill the rest). */
  params: z.record(z.string(), z.record(z.string(), z.union([finite, z.string()]))).default({}),
  /** Shorthands for the cache methods' α ≥ 0 (Eq. 12; 0 = the backbone alone), β ≥ 0 (Eq. 6), K, hedge. */
  alpha: nonNegative.optional(),
  beta: nonNegative.optional(),
  K: z.number().int().min(1).max(4096).optional(),
  hedge: z.enum(["auto", "on", "off"]).optional(),
  hedgeMargin: z.number().min(0).max(1).optional(),
  /** The protocol (`@skeleton-cache/protocols`' registry: online, validation, orders, reference, or yours). */
  protocol: z
    .string()
    .refine((name) => protocolNames().includes(name), {
      error: () => `unknown protocol; known protocols: ${protocolNames().join(", ")}`,
    })
    .default("online"),
  seed: z
    .number()
    .int()
    .min(0)
    .max(2 ** 31 - 1)
    .default(0),
  /** R: permutations of the orders protocol, and of the spread beside an online or validation run (0: none). */
  orders: z.number().int().min(0).max(10000).default(10),
  /** Grid of the validation protocol (default: the method's own grid; the reference protocol always uses the method's). */
  grid: z.record(z.string(), z.array(nonNegative).min(1)).optional(),
  /** Ablations at the final hyper-parameters: descriptor subsets × the prior vs the uniform one. */
  ablations: z.boolean().default(true),
  gzsl: GzslSchema.optional(),
} as const;

/** Everything `evaluate` takes besides the stream; `parseSetup` fills the defaults. */
export const EvalSetupSchema = z.strictObject({
  ...SETUP_CONFIG_KEYS,
  /** The prior (default: uniform over the stream's candidates with γ = uniformGamma). */
  prior: NamedPriorSchema.optional(),
  /** The validation protocol's stream (the split's validation classes) and its prior. */
  validation: z.strictObject({ stream: StreamSchema, prior: NamedPriorSchema }).optional(),
});

/** A checked setup, defaults filled. */
export type EvalSetup = z.infer<typeof EvalSetupSchema>;
/** A setup as written, before defaults. */
export type EvalSetupInput = z.input<typeof EvalSetupSchema>;
/** The GZSL part of a setup. */
export type GzslSetup = z.infer<typeof GzslSchema>;

/** Checks a setup and fills its defaults; the first problem is a ValueError naming the key and value. */
export function parseSetup(input: unknown): EvalSetup {
  const result = EvalSetupSchema.safeParse(input ?? {});
  if (result.success) return result.data;
  throw zodIssueError(result.error, { input, what: "setup" });
}

/** The setup keys a method's hyper-parameters are resolved from. */
type ParamSource = Pick<EvalSetup, "method" | "params" | (typeof PARAM_SHORTHANDS)[number]>;

/** The methods a setup runs: the one it names, or every registered one for "all". */
export function setupMethods(setup: Pick<EvalSetup, "method">): string[] {
  return setup.method === "all" ? methodNames() : [setup.method];
}

/**
 * The complete hyper-parameters of `method` under a setup: the method's
 * defaults, then the shorthand keys (alpha, beta, K, hedge, hedgeMargin),
 * then `params[method]`. For a single method, a shorthand or a `params`
 * entry it does not take is refused naming the method; with "all" the
 * shorthands go to the methods that take them.
 */
export function methodParams(setup: ParamSource, method: string): MethodParams {
  const spec = getMethodSpec(method);
  const single = setup.method !== "all";
  const given: Record<string, unknown> = {};
  for (const key of PARAM_SHORTHANDS) {
    const value = setup[key];
    if (value === undefined) continue;
    if (key in spec.params || single) given[key] = value;
  }
  for (const [name, values] of Object.entries(setup.params)) {
    getMethodSpec(name); // an unknown method names the known ones
    if (name === method) Object.assign(given, values);
    else if (single) {
      throw new ValueError(
        `params for method ${name} given, but the run's method is ${method} (--method ${name}, or --method all)`,
        { field: `params.${name}`, value: values },
      );
    }
  }
  return resolveMethodParams(method, given);
}

/**
 * The validation grid of `method`: the setup's `grid` where it names only
 * the method's parameters (checked), else the method's own grid. With a
 * single method a grid it cannot take is an error naming the method.
 */
export function methodGridOf(setup: Pick<EvalSetup, "method" | "grid">, method: string): Grid {
  const grid = setup.grid;
  if (!grid) return methodGrid(method);
  const spec = getMethodSpec(method);
  if (setup.method === "all" && !Object.keys(grid).every((key) => key in spec.params))
    return methodGrid(method);
  checkGrid(method, grid);
  return grid;
}
