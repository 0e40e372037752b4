import { createRequire } from "node:module";
import { ShapeError, ValueError } from "@skeleton-cache/errors";
import { assertFinite } from "@skeleton-cache/tensor";
import { meanSd } from "./stats.js";

/** jstat ships no types; this is the one function used. */
const jStat = createRequire(import.meta.url)("jstat") as {
  studentt: { inv(p: number, degreesOfFreedom: number): number };
};

/** A paired comparison: per unit (e.g. per training seed) the difference treatment − control. */
export interface PairedDifference {
  /** Units compared. */
  readonly n: number;
  /** Mean difference. */
  readonly mean: number;
  /** Sample standard deviation of the differences (n − 1). */
  readonly sd: number;
  /** Confidence interval of the mean difference (Student t, n − 1 degrees of freedom); null for n < 2. */
  readonly ci: readonly [number, number] | null;
  /** The interval's level (0.95 by default). */
  readonly level: number;
  /** Units whose difference is > 0, and < 0. */
  readonly improved: number;
  readonly worse: number;
}

/**
 * Mean paired difference with its confidence interval,
 * mean ± t_{(1+level)/2, n−1} · sd / √n (t quantile from jstat).
 */
export function pairedDifference(
  treatment: ArrayLike<number>,
  control: ArrayLike<number>,
  level = 0.95,
): PairedDifference {
  if (treatment.length !== control.length) {
    throw new ShapeError(
      `paired values: ${treatment.length} treatment values for ${control.length} controls`,
      {
        field: "control",
        value: control.length,
        expected: treatment.length,
      },
    );
  }
  if (!(level > 0 && level < 1)) {
    throw new ValueError(`confidence level must be in (0, 1), got ${level}`, {
      field: "level",
      value: level,
    });
  }
  assertFinite(treatment, "treatment");
  assertFinite(control, "control");
  const differences = Array.from(treatment, (value, i) => value - control[i]!);
  const { n, mean, sd } = meanSd(differences);
  const half = n > 1 ? (jStat.studentt.inv((1 + level) / 2, n - 1) * sd) / Math.sqrt(n) : null;
  return {
    n,
    mean,
    sd,
    ci: half === null ? null : [mean - half, mean + half],
    level,
    improved: differences.filter((d) => d > 0).length,
    worse: differences.filter((d) => d < 0).length,
  };
}
