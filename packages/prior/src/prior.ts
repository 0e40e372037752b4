import { describeValue, summarizeZodIssue, ValueError, zodIssueError } from "@skeleton-cache/errors";
import { readJsonFile, writeFileAtomic } from "@skeleton-cache/formats";
import type { z } from "zod";
import { type ClassSpread, PriorFileSchema, type PriorProvenance } from "./schema.js";

/** A class's importances, ℓ1-normalised. */
export interface ClassImportance {
  /** head, torso, arms, feet; sums to 1 (uniform 1/4 where the file gave none). */
  readonly spatial: readonly [number, number, number, number];
  /** begin, middle, end; sums to 1 (uniform 1/3 where the file gave none). */
  readonly temporal: readonly [number, number, number];
  /** γ_u ∈ [0, 1]. */
  readonly gamma: number;
  /** Whether the file gave spatial / temporal importances (false = uniform fill-in). */
  readonly given: { readonly spatial: boolean; readonly temporal: boolean };
}

/**
 * A loaded prior. `classes[i]` is class i's importances, or null where the
 * prior has no entry: i is the candidate index for a split prior, the
 * dataset class index for a dataset prior.
 */
export interface Prior {
  readonly kind: "split" | "dataset";
  readonly numClasses: number;
  readonly classes: readonly (ClassImportance | null)[];
  readonly classNames?: readonly string[];
  readonly split?: string;
  readonly dataset?: string;
  readonly provenance?: PriorProvenance;
  readonly spread?: readonly (ClassSpread | null)[];
  /** Where it was loaded from, for messages. */
  readonly file?: string;
}

const UNIFORM_SPATIAL = [0.25, 0.25, 0.25, 0.25] as const;
const UNIFORM_TEMPORAL = [1 / 3, 1 / 3, 1 / 3] as const;

function normalise<T extends readonly number[]>(values: T, what: string, file: string, key: string): T {
  let sum = 0;
  for (const v of values) sum += v;
  if (sum <= 0) {
    throw new ValueError(
      `${file}: weights.${key}.${what} sums to 0 (${describeValue(values)}); it cannot be ℓ1-normalised`,
      {
        file,
        field: `weights.${key}.${what}`,
        value: values,
      },
    );
  }
  return values.map((v) => v / sum) as unknown as T;
}

/** Up to five issues of a prior file, each `field: reason (found value)` (one line names them all). */
function formatIssues(error: z.ZodError, json: unknown): string {
  return error.issues
    .slice(0, 5)
    .map((issue) => summarizeZodIssue({ issues: [issue] }, { value: json }))
    .map((issue) => `${issue.field}: ${issue.reason} (found ${describeValue(issue.value)})`)
    .join("; ");
}

/** Validates a parsed prior JSON and ℓ1-normalises its importances (SPEC §5). */
export function parsePrior(json: unknown, file = "<prior>"): Prior {
  const result = PriorFileSchema.safeParse(json);
  if (!result.success) {
    throw zodIssueError(result.error, {
      input: json,
      file,
      message: () => `${file}: invalid prior: ${formatIssues(result.error, json)}`,
    });
  }
  const data = result.data;
  const numClasses = data.num_classes;
  const classes: (ClassImportance | null)[] = new Array(numClasses).fill(null);
  for (const [key, entry] of Object.entries(data.weights)) {
    const index = Number(key);
    if (index >= numClasses) {
      throw new ValueError(`${file}: weights has class key "${key}" but num_classes is ${numClasses}`, {
        file,
        field: `weights.${key}`,
        value: index,
        expected: `< ${numClasses}`,
      });
    }
    const spatial = entry.spatial
      ? normalise(entry.spatial as unknown as readonly [number, number, number, number], "spatial", file, key)
      : UNIFORM_SPATIAL;
    const temporal = entry.temporal
      ? normalise(entry.temporal as unknown as readonly [number, number, number], "temporal", file, key)
      : UNIFORM_TEMPORAL;
    classes[index] = {
      spatial,
      temporal,
      gamma: entry.gamma,
      given: { spatial: entry.spatial !== undefined, temporal: entry.temporal !== undefined },
    };
  }
  if (data.class_names && data.class_names.length !== numClasses) {
    throw new ValueError(
      `${file}: class_names has ${data.class_names.length} names but num_classes is ${numClasses}`,
      { file, field: "class_names", value: data.class_names.length, expected: numClasses },
    );
  }
  const keyedByDataset = data.keyed_by
    ? data.keyed_by === "dataset_class"
    : data.split === undefined && data.dataset !== undefined;
  let spread: (ClassSpread | null)[] | undefined;
  if (data.spread) {
    spread = new Array(numClasses).fill(null);
    for (const [key, entry] of Object.entries(data.spread)) {
      const index = Number(key);
      if (index < numClasses) spread[index] = entry;
    }
  }
  return {
    kind: keyedByDataset ? "dataset" : "split",
    numClasses,
    classes,
    file,
    ...(data.class_names ? { classNames: data.class_names } : {}),
    ...(data.split !== undefined ? { split: data.split } : {}),
    ...(data.dataset !== undefined ? { dataset: data.dataset } : {}),
    ...(data.provenance ? { provenance: data.provenance } : {}),
    ...(spread ? { spread } : {}),
  };
}

/** Reads, validates and normalises a prior file. */
export function loadPrior(path: string): Prior {
  return parsePrior(readJsonFile(path, "prior"), path);
}

/** Rounds to 6 decimals so saved files are stable and readable. */
function round6(values: readonly number[]): number[] {
  return values.map((v) => Math.round(v * 1e6) / 1e6);
}

/** The prior as JSON in the published schema (plus the optional fields this project adds). */
export function priorToJson(prior: Prior): Record<string, unknown> {
  const weights: Record<string, unknown> = {};
  prior.classes.forEach((entry, index) => {
    if (!entry) return;
    weights[String(index)] = {
      ...(entry.given.spatial ? { spatial: round6(entry.spatial) } : {}),
      ...(entry.given.temporal ? { temporal: round6(entry.temporal) } : {}),
      gamma: entry.gamma,
    };
  });
  const out: Record<string, unknown> = {};
  if (prior.split !== undefined) out.split = prior.split;
  if (prior.dataset !== undefined) out.dataset = prior.dataset;
  out.num_classes = prior.numClasses;
  if (prior.classNames) out.class_names = [...prior.classNames];
  out.keyed_by = prior.kind === "dataset" ? "dataset_class" : "candidate";
  if (prior.provenance) out.provenance = prior.provenance;
  out.weights = weights;
  if (prior.spread) {
    const spread: Record<string, unknown> = {};
    prior.spread.forEach((entry, index) => {
      if (entry) spread[String(index)] = entry;
    });
    out.spread = spread;
  }
  return out;
}

/** Writes a prior file atomically. */
export function savePrior(path: string, prior: Prior): void {
  writeFileAtomic(path, `${JSON.stringify(priorToJson(prior), null, 1)}\n`);
}

/** The no-LLM baseline: uniform parts, uniform phases, the same γ for every class. */
export function uniformPrior(numClasses: number, gamma = 0.5, classNames?: readonly string[]): Prior {
  if (!Number.isInteger(numClasses) || numClasses <= 0) {
    throw new ValueError(`uniformPrior: numClasses must be a positive integer, got ${numClasses}`, {
      field: "numClasses",
      value: numClasses,
    });
  }
  if (!(gamma >= 0 && gamma <= 1)) {
    throw new ValueError(`uniformPrior: gamma must be in [0, 1], got ${gamma}`, {
      field: "gamma",
      value: gamma,
    });
  }
  const entry: ClassImportance = {
    spatial: UNIFORM_SPATIAL,
    temporal: UNIFORM_TEMPORAL,
    gamma,
    given: { spatial: true, temporal: true },
  };
  return {
    kind: "split",
    numClasses,
    classes: new Array(numClasses).fill(entry),
    provenance: {
      kind: "uniform",
      note: `uniform part and phase importances, gamma ${gamma} for every class`,
    },
    ...(classNames ? { classNames } : {}),
  };
}

/**
 * Turns a dataset prior (keyed by dataset class index) into the prior of a
 * split whose candidates are `candidateIds` (dataset class indices): class u
 * of the result is the candidate of rank u among the sorted ids (SPEC §1).
 * A split prior is returned as is when its size matches.
 */
export function selectPriorForSplit(
  prior: Prior,
  candidateIds: readonly number[],
  splitName?: string,
): Prior {
  const sorted = [...candidateIds].sort((a, b) => a - b);
  if (prior.kind === "split") {
    if (prior.numClasses !== sorted.length) {
      throw new ValueError(
        `${prior.file ?? "prior"}: split prior has ${prior.numClasses} classes but the split has ${sorted.length} candidates`,
        { file: prior.file, field: "num_classes", value: prior.numClasses, expected: sorted.length },
      );
    }
    return prior;
  }
  const classes: (ClassImportance | null)[] = [];
  const spread: (ClassSpread | null)[] = [];
  const names: string[] = [];
  for (const id of sorted) {
    if (!Number.isInteger(id) || id < 0 || id >= prior.numClasses) {
      throw new ValueError(
        `${prior.file ?? "prior"}: candidate class id ${id} is outside the dataset prior's ${prior.numClasses} classes`,
        { file: prior.file, field: "candidateIds", value: id },
      );
    }
    classes.push(prior.classes[id] ?? null);
    spread.push(prior.spread?.[id] ?? null);
    if (prior.classNames) names.push(prior.classNames[id]!);
  }
  return {
    kind: "split",
    numClasses: sorted.length,
    classes,
    ...(prior.classNames ? { classNames: names } : {}),
    ...(splitName !== undefined ? { split: splitName } : {}),
    ...(prior.dataset !== undefined ? { dataset: prior.dataset } : {}),
    ...(prior.provenance
      ? {
          provenance: {
            ...prior.provenance,
            source: `selected from dataset prior for ids ${sorted.join(",")}`,
          },
        }
      : {}),
    ...(prior.spread ? { spread } : {}),
    ...(prior.file ? { file: prior.file } : {}),
  };
}

/** Throws unless every class 0..numClasses-1 has importances; names the missing classes. */
export function assertPriorCovers(prior: Prior, numClasses: number): void {
  if (prior.numClasses !== numClasses) {
    throw new ValueError(
      `${prior.file ?? "prior"}: prior has ${prior.numClasses} classes but there are ${numClasses} candidate classes`,
      { file: prior.file, field: "num_classes", value: prior.numClasses, expected: numClasses },
    );
  }
  const missing: string[] = [];
  prior.classes.forEach((entry, index) => {
    if (!entry) missing.push(prior.classNames ? `${index} (${prior.classNames[index]})` : String(index));
  });
  if (missing.length > 0) {
    throw new ValueError(`${prior.file ?? "prior"}: no importances for class ${missing.join(", ")}`, {
      file: prior.file,
      field: "weights",
      value: missing,
    });
  }
}
