import fs from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";
import { FormatError, summarizeZodIssue, ValueError } from "@skeleton-cache/errors";
import { SETUP_CONFIG_KEYS } from "@skeleton-cache/evaluate/setup";
import { ExtractOptionsSchema } from "@skeleton-cache/extract/options";
import { z } from "zod";

/** YAML, loaded only when a config file needs it (not at every start of skc). */
function parseYaml(text: string): unknown {
  const yaml = createRequire(import.meta.url)("yaml") as typeof import("yaml");
  return yaml.parse(text);
}

/** The shipped demos (apps/eval/assets): real UTD-MHAD skeletons, the SYNTHETIC one, and a SYNTHETIC GZSL one (seen + unseen candidates). */
export const DEMO_IDS = ["utd-mhad", "synthetic", "synthetic-gzsl"] as const;
export type DemoId = (typeof DEMO_IDS)[number];

const S = SETUP_CONFIG_KEYS;

/** Every key a config file (YAML or JSON) may hold; flags override the file. The setup's keys are @skeleton-cache/evaluate's. */
export const EvalConfigSchema = z.strictObject({
  /** Bundle directory or file; omitted: the shipped demo named by `demo`. */
  bundle: z.string().min(1).optional(),
  /**
   * Instead of a bundle: a dataset + backbone, encoded first with the options of
   * `skc extract` (model, data, dataset, split, ...); the bundle is written to
   * `extract.out` (default runs/bundle-<model>-<split>) and then evaluated.
   */
  extract: ExtractOptionsSchema.extend({ out: z.string().min(1).optional() }).optional(),
  /** The shipped demo used when no bundle is given: real UTD-MHAD skeletons (default) or the SYNTHETIC one. */
  demo: z.enum(DEMO_IDS).default("utd-mhad"),
  /** Joint layout of the bundle's feature volume (ntu25, kinect-v1-20, coco17); default: its meta.json's. */
  layout: z.string().min(1).optional(),
  /** Prior: a file, a published id (e.g. ntu60_55_5) or "uniform". */
  prior: z.string().min(1).optional(),
  uniformGamma: S.uniformGamma,
  split: S.split,
  method: S.method,
  params: S.params,
  alpha: S.alpha,
  beta: S.beta,
  K: S.K,
  hedge: S.hedge,
  hedgeMargin: S.hedgeMargin,
  protocol: S.protocol,
  out: z.string().min(1).optional(),
  seed: S.seed,
  orders: S.orders,
  grid: S.grid,
  validationBundle: z.string().min(1).optional(),
  /** Prior for the validation classes (default uniform: the published priors cover unseen classes only). */
  validationPrior: z.string().min(1).optional(),
  ablations: S.ablations,
  gzsl: S.gzsl,
  /** Whether to write the SVG / PNG plots. */
  plots: z.boolean().default(true),
  quiet: z.boolean().default(false),
});

export type EvalConfig = z.infer<typeof EvalConfigSchema>;
/** Config as read from a file or flags, before defaults. */
export type EvalConfigInput = z.input<typeof EvalConfigSchema>;

const PATH_KEYS = ["bundle", "prior", "out", "validationBundle", "validationPrior"] as const;

function describe(value: unknown): string {
  if (value === undefined) return "nothing";
  if (typeof value === "number" && !Number.isFinite(value)) return String(value);
  const text = JSON.stringify(value);
  return text && text.length > 60 ? `${text.slice(0, 57)}...` : String(text);
}

/** Validates a config object; the first problem becomes a ValueError naming the key and value. */
export function parseEvalConfig(
  input: unknown,
  source: string | ((topKey: string) => string) = "config",
): EvalConfig {
  const result = EvalConfigSchema.safeParse(input);
  if (result.success) return result.data;
  const issue = result.error.issues[0]!;
  const sourceOf = (topKey: string) => (typeof source === "string" ? source : source(topKey));
  if (issue.code === "unrecognized_keys") {
    const prefix = issue.path.length ? `${issue.path.join(".")}.` : "";
    const keys = issue.keys.map((k) => `${prefix}${k}`);
    const where = sourceOf(String(issue.path[0] ?? issue.keys[0]));
    throw new ValueError(`${where}: unknown key ${keys.map((k) => `"${k}"`).join(", ")}`, {
      file: where,
      field: keys[0]!,
    });
  }
  const source_ = sourceOf(String(issue.path[0] ?? ""));
  // A flag names itself: "-K/--capacity: must be ≤ 4096"; a file names the key: "run.yaml: K: ...".
  const fromFlag = source_.startsWith("-");
  const key = fromFlag ? issue.path.slice(1).join(".") : issue.path.join(".") || "(top level)";
  const { value } = summarizeZodIssue(result.error, { value: input });
  throw new ValueError(`${source_}: ${key ? `${key}: ` : ""}${issue.message} (found ${describe(value)})`, {
    ...(fromFlag ? {} : { file: source_ }),
    field: fromFlag ? source_ : key,
    value,
  });
}

/** Reads a YAML or JSON config file; relative paths inside resolve against its directory. */
export function readConfigFile(file: string): Record<string, unknown> {
  let text: string;
  try {
    text = fs.readFileSync(file, "utf8");
  } catch (error) {
    throw new FormatError(
      `${file}: cannot read config (${(error as Error).message})`,
      { file },
      { cause: error },
    );
  }
  let data: unknown;
  try {
    data = file.toLowerCase().endsWith(".json") ? JSON.parse(text) : parseYaml(text);
  } catch (error) {
    throw new FormatError(
      `${file}: not valid ${file.toLowerCase().endsWith(".json") ? "JSON" : "YAML"} (${(error as Error).message.split("\n")[0]})`,
      { file },
      { cause: error },
    );
  }
  if (data === null || data === undefined) return {};
  if (typeof data !== "object" || Array.isArray(data)) {
    throw new ValueError(`${file}: a config must be a mapping of keys to values`, { file, value: data });
  }
  const out: Record<string, unknown> = { ...(data as Record<string, unknown>) };
  const dir = path.dirname(file);
  for (const key of PATH_KEYS) {
    const value = out[key];
    if (typeof value === "string" && looksLikePath(value)) out[key] = path.resolve(dir, value);
  }
  if (typeof out.extract === "object" && out.extract !== null && !Array.isArray(out.extract)) {
    const extract: Record<string, unknown> = { ...(out.extract as Record<string, unknown>) };
    for (const key of ["model", "modelConfig", "backboneConfig", "data", "out"]) {
      if (typeof extract[key] === "string") extract[key] = path.resolve(dir, extract[key] as string);
    }
    out.extract = extract;
  }
  return out;
}

/** A prior value that names a file (not a published id or "uniform"). */
function looksLikePath(value: string): boolean {
  return value.includes("/") || value.includes("\\") || value.endsWith(".json") || value.startsWith(".");
}

/**
 * Merges the config file (if any) with flags (flags win) and validates. A bad
 * value from a flag is named as the user typed it: `flagNames` maps a config
 * key to its flag (e.g. `K` → `-K/--capacity`); otherwise `--<kebab-key>`.
 */
export function resolveConfig(
  file: string | undefined,
  flags: Record<string, unknown>,
  flagNames: Readonly<Record<string, string>> = {},
): EvalConfig {
  const base = file ? readConfigFile(file) : {};
  const merged: Record<string, unknown> = { ...base };
  for (const [key, value] of Object.entries(flags)) {
    if (value === undefined) continue;
    if (
      (key === "gzsl" || key === "extract" || key === "params") &&
      typeof value === "object" &&
      value !== null &&
      typeof base[key] === "object"
    ) {
      merged[key] =
        key === "params" ? mergeParams(base[key], value) : { ...(base[key] as object), ...(value as object) };
    } else merged[key] = value;
  }
  return parseEvalConfig(merged, (topKey) =>
    flags[topKey] !== undefined ? (flagNames[topKey] ?? flagOf(topKey)) : (file ?? "options"),
  );
}

/** Per-method hyper-parameters of the file, each method's keys overridden by the flags'. */
function mergeParams(file: unknown, flags: object): Record<string, unknown> {
  const out: Record<string, unknown> = { ...(file as Record<string, unknown>) };
  for (const [method, values] of Object.entries(flags)) {
    const before = out[method];
    out[method] =
      typeof before === "object" && before !== null ? { ...before, ...(values as object) } : values;
  }
  return out;
}

/** The flag of a config key: `-K/--capacity` for K, `--param` for params, else `--kebab-case`. */
function flagOf(key: string): string {
  if (key === "K") return "-K/--capacity";
  if (key === "params") return "--param";
  return `--${key.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`;
}
