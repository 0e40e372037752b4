import { ValueError, zodIssueError } from "@skeleton-cache/errors";
import { z } from "zod";
import type { MethodDefinition, MethodParams, MethodSpec, ParamSpec } from "./method.js";

/** The words of a numeric parameter's refusal: "must be an integer in 1..4096". */
function numericRule(spec: Extract<ParamSpec, { kind: "number" | "integer" }>): string {
  const range = `${spec.min}${spec.max !== undefined ? `..${spec.max}` : " or more"}`;
  return `must be ${spec.kind === "integer" ? "an integer" : "a finite number"} in ${range}`;
}

/** One declared hyper-parameter as a zod schema: its range or choices, its default, its description. */
function paramSchema(key: string, spec: ParamSpec): z.ZodType {
  if (spec.kind === "choice") {
    if (spec.choices.length === 0)
      throw new ValueError(`hyper-parameter ${key} declares no choices`, { field: `params.${key}.choices` });
    const error = `must be one of ${spec.choices.join(", ")}`;
    return z
      .enum(spec.choices as [string, ...string[]], { error })
      .default(spec.default)
      .describe(spec.description);
  }
  const error = numericRule(spec);
  let n = z.number({ error });
  if (spec.kind === "integer") n = n.int({ error });
  n = n.min(spec.min, { error });
  if (spec.max !== undefined) n = n.max(spec.max, { error });
  return n.default(spec.default).describe(spec.description);
}

/** A method's hyper-parameters as one strict zod object (key order = declaration order; defaults applied). */
export function paramsSchema(params: Readonly<Record<string, ParamSpec>>): z.ZodType<MethodParams> {
  return z.strictObject(
    Object.fromEntries(Object.entries(params).map(([key, spec]) => [key, paramSchema(key, spec)])),
  ) as unknown as z.ZodType<MethodParams>;
}

/** Numbers given as text (a command line's `--param k=7`) read as numbers, for the numeric parameters. */
export function numbersFromText(
  params: Readonly<Record<string, ParamSpec>>,
  given: Readonly<Record<string, unknown>>,
): Record<string, unknown> {
  const out: Record<string, unknown> = { ...given };
  for (const [key, value] of Object.entries(given))
    if (params[key] && params[key].kind !== "choice" && typeof value === "string" && value.trim() !== "")
      out[key] = Number(value);
  return out;
}

/**
 * A method's complete hyper-parameters from `given` (partial; numbers may be
 * text): a key the method does not take is refused naming the method and the
 * keys it takes; a value outside its declared range names the key.
 */
export function parseMethodParams(spec: MethodSpec, given: Readonly<Record<string, unknown>>): MethodParams {
  const parsed = spec.configSchema.safeParse(numbersFromText(spec.params, given));
  if (parsed.success) return parsed.data;
  // An unknown key first, as a person fixes the name before the value.
  const unknown = parsed.error.issues.find((issue) => issue.code === "unrecognized_keys");
  const name = spec.name;
  throw zodIssueError(unknown ? { issues: [unknown] } : parsed.error, {
    input: given,
    fieldPrefix: name,
    message: (issue) =>
      issue.unknownFields
        ? `method ${name} takes no hyper-parameter "${issue.field}" (it takes ${Object.keys(spec.params).join(", ")})`
        : `method ${name}: ${issue.field} ${issue.reason}, got ${String(issue.value)}`,
  });
}

/** The specs `defineMethod` made, and the spec of each definition it was given. */
const derived = new WeakSet<object>();
const defined = new WeakMap<MethodDefinition, MethodSpec>();

/**
 * The registry entry of a method: its definition with the zod schema of its
 * hyper-parameters derived from `params` (the same object for the same
 * definition). A default outside its own range is refused, naming it.
 */
export function defineMethod(definition: MethodDefinition): MethodSpec {
  if (derived.has(definition)) return definition as MethodSpec;
  const known = defined.get(definition);
  if (known) return known;
  const params = definition?.params;
  if (typeof params !== "object" || params === null)
    throw new ValueError(`method ${JSON.stringify(definition?.name)} needs params (an object, {} for none)`, {
      field: "params",
      value: params,
    });
  const configSchema = paramsSchema(params);
  // zod returns a default as declared (unchecked): check each one against its own rule.
  const declared = Object.fromEntries(Object.entries(params).map(([key, param]) => [key, param?.default]));
  const defaults = configSchema.safeParse(declared);
  if (!defaults.success)
    throw zodIssueError(defaults.error, {
      input: declared,
      fieldPrefix: "params",
      message: (issue) =>
        `method ${definition.name}: the default of ${issue.field} (${String(params[issue.field]?.default)}) ${issue.reason}`,
    });
  const spec: MethodSpec = { ...definition, configSchema };
  derived.add(spec);
  defined.set(definition, spec);
  return spec;
}
