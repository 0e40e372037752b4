import { describeValue } from "@skeleton-cache/errors";
import { z } from "zod";

/** Names of the four spatial components, in the prior file's order (head, torso, arms, feet). */
export const SPATIAL_KEYS = ["head", "torso", "arms", "feet"] as const;
/** Names of the three temporal components, in the prior file's order (begin, middle, end). */
export const TEMPORAL_KEYS = ["begin", "middle", "end"] as const;

/**
 * The answer asked of the model for one class, as sent in
 * `response_format.json_schema` (strict: every key required, no extra keys).
 * Named keys rather than arrays, so that a strict schema pins the order.
 */
export const AnswerWireSchema = z
  .object({
    spatial: z.strictObject({ head: z.number(), torso: z.number(), arms: z.number(), feet: z.number() }),
    temporal: z.strictObject({ begin: z.number(), middle: z.number(), end: z.number() }),
    gamma: z.number(),
  })
  .strict();

/** One validated, ℓ1-normalised answer. */
export interface ClassAnswer {
  readonly spatial: readonly [number, number, number, number];
  readonly temporal: readonly [number, number, number];
  readonly gamma: number;
}

/** Why an answer was rejected: the field (dotted path), the value found, and what is wrong. */
export interface AnswerIssue {
  readonly field: string;
  readonly value: unknown;
  readonly message: string;
}

/** The result of checking one answer text. */
export type AnswerCheck = { ok: true; answer: ClassAnswer } | { ok: false; issue: AnswerIssue };

function isRecord(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === "object" && !Array.isArray(value);
}

/** Accepts either the named-key form `{head, torso, ...}` or the published array form `[h, t, a, f]`. */
function componentList(keys: readonly string[]) {
  return z.preprocess(
    (value) => (isRecord(value) && keys.every((key) => key in value) ? keys.map((key) => value[key]) : value),
    z.array(z.number().nonnegative()).length(keys.length),
  );
}

/** Lenient validation schema: arrays or named keys, extra top-level keys (e.g. a rationale) ignored. */
const AnswerCheckSchema = z.object({
  spatial: componentList(SPATIAL_KEYS),
  temporal: componentList(TEMPORAL_KEYS),
  gamma: z.number().min(0).max(1),
});

/** The JSON schema sent to servers that support structured output. */
export function answerJsonSchema(): Record<string, unknown> {
  const schema = z.toJSONSchema(AnswerWireSchema) as Record<string, unknown>;
  delete schema.$schema;
  return schema;
}

function valueAt(json: unknown, path: readonly PropertyKey[]): unknown {
  let value = json;
  for (const key of path) {
    if (value === null || typeof value !== "object") return undefined;
    value = (value as Record<PropertyKey, unknown>)[key];
  }
  return value;
}

function describeField(path: readonly PropertyKey[], json: unknown): { field: string; value: unknown } {
  const [group, index] = path;
  const keys = group === "spatial" ? SPATIAL_KEYS : group === "temporal" ? TEMPORAL_KEYS : undefined;
  if (keys && typeof index === "number") {
    const container = isRecord(json) ? json[group as string] : undefined;
    const value = Array.isArray(container)
      ? container[index]
      : isRecord(container)
        ? container[keys[index]!]
        : undefined;
    return { field: `${String(group)}[${index}] (${keys[index]})`, value };
  }
  return { field: path.map(String).join(".") || "(top level)", value: valueAt(json, path) };
}

/**
 * Finds the first balanced JSON object in free text (a model that ignores the
 * JSON modes may wrap it in prose or a ```json fence). Braces inside strings
 * are skipped. Returns null when there is none.
 */
export function extractJsonObject(text: string): string | null {
  for (let start = text.indexOf("{"); start !== -1; start = text.indexOf("{", start + 1)) {
    let depth = 0;
    let inString = false;
    let escaped = false;
    for (let pos = start; pos < text.length; pos++) {
      const ch = text[pos]!;
      if (inString) {
        if (escaped) escaped = false;
        else if (ch === "\\") escaped = true;
        else if (ch === '"') inString = false;
        continue;
      }
      if (ch === '"') inString = true;
      else if (ch === "{") depth++;
      else if (ch === "}") {
        depth--;
        if (depth === 0) {
          const candidate = text.slice(start, pos + 1);
          try {
            JSON.parse(candidate);
            return candidate;
          } catch {
            break;
          }
        }
      }
    }
  }
  return null;
}

function normalise<T extends readonly number[]>(values: T): T {
  let sum = 0;
  for (const v of values) sum += v;
  return values.map((v) => v / sum) as unknown as T;
}

/**
 * Parses and validates one answer text: JSON (or the first balanced JSON
 * object inside prose), then the answer schema, then ℓ1-normalises the
 * spatial and temporal importances (SPEC §5). A rejected answer says which
 * field is wrong and what was found there.
 */
export function checkAnswer(text: string | null | undefined): AnswerCheck {
  if (text === null || text === undefined || text.trim() === "") {
    return { ok: false, issue: { field: "(answer)", value: text ?? null, message: "empty answer" } };
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    const inner = extractJsonObject(text);
    if (inner === null) {
      return {
        ok: false,
        issue: { field: "(answer)", value: text, message: "the answer holds no valid JSON object" },
      };
    }
    json = JSON.parse(inner);
  }
  // Some models wrap the object in one key ({"answer": {...}}, {"<class>": {...}}).
  if (isRecord(json) && !("spatial" in json)) {
    const values = Object.values(json);
    if (values.length === 1 && isRecord(values[0]) && "spatial" in values[0]) json = values[0];
  }
  const result = AnswerCheckSchema.safeParse(json);
  if (!result.success) {
    const issue = result.error.issues[0]!;
    const { field, value } = describeField(issue.path, json);
    return {
      ok: false,
      issue: { field, value, message: `${issue.message} (found ${describeValue(value)})` },
    };
  }
  const { spatial, temporal, gamma } = result.data;
  for (const [group, values] of [
    ["spatial", spatial],
    ["temporal", temporal],
  ] as const) {
    let sum = 0;
    for (const v of values) sum += v;
    if (!(sum > 0)) {
      return {
        ok: false,
        issue: {
          field: group,
          value: values,
          message: `all zero (found ${describeValue(values)}); cannot be ℓ1-normalised`,
        },
      };
    }
  }
  return {
    ok: true,
    answer: {
      spatial: normalise(spatial as unknown as readonly [number, number, number, number]),
      temporal: normalise(temporal as unknown as readonly [number, number, number]),
      gamma,
    },
  };
}
