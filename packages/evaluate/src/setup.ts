import { ValueError } from "@skeleton-cache/errors";
import { checkGrid, type Grid, methodGrid } from "@skeleton-cache/protocols";
import { getMethodSpec, type MethodParams, methodNames, resolveMethodParams } from "@skeleton-cache/tta";
import { type EvalConfig, PARAM_SHORTHANDS } from "./config.js";

/** The methods a config runs: the one it names, or every registered one for "all". */
export function configMethods(config: EvalConfig): string[] {
  return config.method === "all" ? methodNames() : [config.method];
}

/**
 * The complete hyper-parameters of `method` under a config: the method's
 * defaults, then the shorthand keys (alpha, beta, K, hedge, hedgeMargin),
 * then `params[method]`. For a single method, a shorthand or a `params`
 * entry it does not take is refused naming the method; with "all" the
 * shorthands go to the methods that take them.
 */
export function methodParams(config: EvalConfig, method: string): MethodParams {
  const spec = getMethodSpec(method);
  const single = config.method !== "all";
  const given: Record<string, unknown> = {};
  for (const key of PARAM_SHORTHANDS) {
    const value = config[key];
    if (value === undefined) continue;
    if (key in spec.params || single) given[key] = value;
  }
  for (const [name, values] of Object.entries(config.params)) {
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
 * The validation grid of `method`: the config's `grid` where it names only
 * the method's parameters (checked), else the method's own grid. With a
 * single method a grid it cannot take is an error naming the method.
 */
export function methodGridOf(config: EvalConfig, method: string): Grid {
  const grid = config.grid;
  if (!grid) return methodGrid(method);
  const spec = getMethodSpec(method);
  if (config.method === "all" && !Object.keys(grid).every((key) => key in spec.params))
    return methodGrid(method);
  checkGrid(method, grid);
  return grid;
}
