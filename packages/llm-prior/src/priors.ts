import { ValueError } from "@skeleton-cache/errors";
import { type Prior, uniformPrior } from "@skeleton-cache/prior";
import { type ClassSelection, selectClasses } from "./classes.js";

/** What `checkPrior` found. */
export interface PriorCheck {
  readonly prior: Prior;
  /** Classes with importances. */
  readonly present: number;
  /** Classes without (0-based keys). */
  readonly missing: number[];
}

/**
 * Checks a loaded prior for use: it must have classes, and at least one of
 * them must have importances (a generate run that failed before its first
 * class leaves such a file); with `numClasses`, exactly that many classes;
 * with `complete`, every class. Throws ValueError naming the file and field.
 */
export function checkPrior(
  prior: Prior,
  file: string,
  options: { readonly numClasses?: number | undefined; readonly complete?: boolean | undefined } = {},
): PriorCheck {
  if (prior.numClasses === 0)
    throw new ValueError(`${file}: holds no classes (num_classes 0)`, {
      file,
      field: "num_classes",
      value: 0,
    });
  if (options.numClasses !== undefined && prior.numClasses !== options.numClasses) {
    throw new ValueError(`${file}: num_classes is ${prior.numClasses}, expected ${options.numClasses}`, {
      file,
      field: "num_classes",
      value: prior.numClasses,
      expected: options.numClasses,
    });
  }
  const missing = prior.classes.flatMap((entry, index) => (entry === null ? [index] : []));
  if (missing.length === prior.numClasses) {
    throw new ValueError(
      `${file}: none of its ${prior.numClasses} classes has importances (an interrupted or failed generate leaves such a file; rerun it to fill the classes in)`,
      { file, field: "weights", value: 0, expected: prior.numClasses },
    );
  }
  if (options.complete && missing.length > 0) {
    throw new ValueError(`${file}: no importances for class ${missing.join(", ")}`, {
      file,
      field: "weights",
      value: missing,
    });
  }
  return { prior, present: prior.numClasses - missing.length, missing };
}

/** The no-LLM baseline for a class selection: uniform parts and phases, γ = `gamma`, names and split kept. */
export function uniformPriorFor(selection: ClassSelection, gamma: number): Prior {
  const classes = selectClasses(selection.names, { candidates: selection.candidates });
  const base = uniformPrior(
    classes.length,
    gamma,
    classes.map((spec) => spec.name),
  );
  return {
    ...base,
    kind: selection.kind,
    ...(selection.split !== undefined ? { split: selection.split } : {}),
    ...(selection.dataset !== undefined ? { dataset: selection.dataset } : {}),
  };
}
