/**
 * Which test-time method a run used, as far as report.html needs to know:
 * the traced replay explains Skeleton-Cache's pass only.
 */

import type { EvalReport } from "@skeleton-cache/report";
import { DEFAULT_METHOD } from "@skeleton-cache/tta";

/** Method names (report.json `method.name`) whose pass the trace recorder can replay. */
export const TRACEABLE: ReadonlySet<string> = new Set([DEFAULT_METHOD]);

/** The test-time method of a run (report.json `method.name`). */
export function methodName(report: EvalReport): string {
  return report.method.name;
}
