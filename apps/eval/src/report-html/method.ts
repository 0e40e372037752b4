/**
 * Which test-time method a run used, as far as report.html needs to know:
 * the traced replay explains Skeleton-Cache's pass only.
 */
import type { EvalReport } from "../run.js";

/** Method names (report.json `method`) whose pass the trace recorder can replay. */
export const TRACEABLE = new Set(["skeleton-cache", undefined]);

/**
 * The test-time method of a run, where report.json names one (`method` as a
 * string or `{ name }`, or `config.method`); undefined: Skeleton-Cache, the
 * only method before methods were named.
 */
export function methodName(report: EvalReport): string | undefined {
  const named = report as { method?: unknown; config: { method?: unknown } };
  const value = named.method ?? named.config.method;
  if (typeof value === "string") return value;
  if (value && typeof value === "object" && typeof (value as { name?: unknown }).name === "string")
    return (value as { name: string }).name;
  return undefined;
}
