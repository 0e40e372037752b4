import { describeValue, ValueError } from "@skeleton-cache/errors";
import { defineRegistry, type RegistryDescription } from "@skeleton-cache/registry";
import type { MethodContext, MethodDefinition, MethodParams, MethodSpec, TestTimeMethod } from "./method.js";
import { knnPast } from "./methods/knn-past.js";
import { skeletonCache } from "./methods/skeleton-cache.js";
import { skeletonCacheMean } from "./methods/skeleton-cache-mean.js";
import { tda } from "./methods/tda.js";
import { defineMethod, parseMethodParams } from "./params.js";

/** Checks what the registry does not: a grid over numeric parameters, the capabilities, "all" kept free. */
function checkMethod(spec: MethodSpec): void {
  const name = spec.name;
  if (name === "all")
    throw new ValueError('method name "all" is reserved (--method all runs every method)', {
      field: "name",
      value: name,
    });
  for (const field of ["title", "reference"] as const)
    if (typeof spec[field] !== "string")
      throw new ValueError(`method ${name} needs a ${field} (text), got ${describeValue(spec[field])}`, {
        field,
        value: spec[field],
      });
  const caps = spec.capabilities;
  if (
    typeof caps !== "object" ||
    caps === null ||
    typeof caps.blocksFill !== "boolean" ||
    typeof caps.fusionWeights !== "boolean" ||
    (caps.slots !== "all" && caps.slots !== "global")
  )
    throw new ValueError(
      `method ${name} needs capabilities { blocksFill: boolean, fusionWeights: boolean, slots: "all" | "global" }, got ${describeValue(caps)}`,
      { field: "capabilities", value: caps },
    );
  for (const [key, values] of Object.entries(spec.grid ?? {})) {
    const param = spec.params[key];
    if (!param || param.kind === "choice" || !Array.isArray(values))
      throw new ValueError(`method ${name}: grid key ${key} is not a numeric hyper-parameter of the method`, {
        field: `grid.${key}`,
        value: values,
      });
    for (const value of values) parseMethodParams(spec, { [key]: value });
  }
}

/**
 * The "method" plug point of @skeleton-cache/registry (one store on
 * globalThis, shared by every installed copy). The shipped methods —
 * skeleton-cache (the default), skeleton-cache-mean, knn-past, tda — are
 * registered on first use, in that order.
 */
const methods = defineRegistry<MethodSpec>({
  kind: "method",
  noun: "method",
  functions: ["create"],
  validate: checkMethod,
  builtins: () => [skeletonCache, skeletonCacheMean, knnPast, tda],
  register: "registerMethod(definition) from @skeleton-cache/tta",
  doc: "docs/write-your-own-method.md",
});

/** The method used when none is named. */
export const DEFAULT_METHOD = skeletonCache.name;

/**
 * Registers a test-time method (a module calls this when imported): its zod
 * config schema is derived from `params`, checked with the rest. The same
 * definition again is a no-op; another under a taken name at the same
 * priority is an error; a higher priority takes the name. Returns the entry.
 */
export function registerMethod(definition: MethodDefinition): MethodSpec {
  const spec = defineMethod(definition);
  methods.register(spec);
  return spec;
}

/** Removes the method at `priority`, or every method under `name`; whether one was registered. */
export function unregisterMethod(name: string, priority?: number): boolean {
  return methods.unregister(name, priority);
}

/** Names of the registered methods: by priority, then registration order (the shipped ones first). */
export function methodNames(): string[] {
  return methods.list();
}

/** The registered methods, in `methodNames()` order. */
export function methodSpecs(): MethodSpec[] {
  return methods.entries();
}

/** Every registered method: name, priority, description and hyper-parameters as JSON Schema. */
export function describeMethods(): RegistryDescription[] {
  return methods.describe();
}

/** The spec of a method; an unknown name is a ValueError naming the known ones. */
export function getMethodSpec(name: string): MethodSpec {
  return methods.require(name);
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
  return parseMethodParams(getMethodSpec(name), given);
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
