import { ValueError } from "@skeleton-cache/errors";
import type { MethodContext, MethodParams, MethodSpec, ParamSpec, TestTimeMethod } from "./method.js";
import { knnPast } from "./methods/knn-past.js";
import { skeletonCache } from "./methods/skeleton-cache.js";
import { skeletonCacheMean } from "./methods/skeleton-cache-mean.js";
import { tda } from "./methods/tda.js";

/** Every method, the default (the paper's) first. */
export const METHODS: readonly MethodSpec[] = [skeletonCache, skeletonCacheMean, knnPast, tda];

/** The method used when none is named. */
export const DEFAULT_METHOD = skeletonCache.name;

/** Names of the registered methods, in registry order. */
export function methodNames(): string[] {
  return METHODS.map((m) => m.name);
}

/** The spec of a method; an unknown name is a ValueError naming the known ones. */
export function getMethodSpec(name: string): MethodSpec {
  const spec = METHODS.find((m) => m.name === name);
  if (!spec) {
    throw new ValueError(`unknown method "${name}"; known methods: ${methodNames().join(", ")}`, {
      field: "method",
      value: name,
    });
  }
  return spec;
}

function checkParam(method: string, key: string, spec: ParamSpec, value: unknown): number | string {
  const where = `method ${method}: ${key}`;
  if (spec.kind === "choice") {
    if (typeof value !== "string" || !spec.choices.includes(value)) {
      throw new ValueError(`${where} must be one of ${spec.choices.join(", ")}, got ${String(value)}`, {
        field: `${method}.${key}`,
        value,
      });
    }
    return value;
  }
  const n = typeof value === "string" && value.trim() !== "" ? Number(value) : value;
  const integer = spec.kind === "integer";
  const bad =
    typeof n !== "number" ||
    !Number.isFinite(n) ||
    (integer && !Number.isInteger(n)) ||
    n < spec.min ||
    (spec.max !== undefined && n > spec.max);
  if (bad) {
    const range = `${spec.min}${spec.max !== undefined ? `..${spec.max}` : " or more"}`;
    throw new ValueError(
      `${where} must be ${integer ? "an integer" : "a finite number"} in ${range}, got ${String(value)}`,
      { field: `${method}.${key}`, value },
    );
  }
  return n as number;
}

/**
 * A method's complete hyper-parameters: its declared defaults overridden by
 * `given`. A key the method does not take is refused naming the method and
 * the keys it takes; a value outside its declared range names the key.
 */
export function resolveMethodParams(
  name: string,
  given: Readonly<Record<string, unknown>> = {},
): MethodParams {
  const spec = getMethodSpec(name);
  const out: Record<string, number | string> = {};
  for (const key of Object.keys(given)) {
    if (!(key in spec.params)) {
      throw new ValueError(
        `method ${name} takes no hyper-parameter "${key}" (it takes ${Object.keys(spec.params).join(", ")})`,
        { field: `${name}.${key}`, value: given[key] },
      );
    }
  }
  for (const [key, param] of Object.entries(spec.params)) {
    out[key] = given[key] === undefined ? param.default : checkParam(name, key, param, given[key]);
  }
  return out;
}

/** Builds a method by name; `params` may be partial (defaults fill the rest). */
export function createMethod(
  name: string,
  context: MethodContext,
  params: Readonly<Record<string, unknown>> = {},
): TestTimeMethod {
  const spec = getMethodSpec(name);
  if (context.weights && !spec.capabilities.fusionWeights) {
    throw new ValueError(`method ${name} does not use fusion weights; ablation weights do not apply`, {
      field: "weights",
      value: name,
    });
  }
  return spec.create(context, resolveMethodParams(name, params));
}
