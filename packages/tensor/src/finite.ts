import { NonFiniteError } from "@skeleton-cache/errors";
import type { Shape } from "./shape.js";

/** Turns a flat index into a multi-index string like "[3, 0, 7]" for messages. */
export function formatIndex(flatIndex: number, shape?: Shape): string {
  if (!shape || shape.length === 0) return `[${flatIndex}]`;
  const index = new Array<number>(shape.length);
  let rest = flatIndex;
  for (let axis = shape.length - 1; axis >= 0; axis--) {
    const dim = shape[axis]!;
    index[axis] = dim === 0 ? 0 : rest % dim;
    rest = dim === 0 ? 0 : Math.floor(rest / dim);
  }
  return `[${index.join(", ")}]`;
}

/** Index of the first NaN / ±Infinity in `values`, or -1. */
export function findNonFinite(values: ArrayLike<number>): number {
  for (let i = 0; i < values.length; i++) {
    if (!Number.isFinite(values[i]!)) return i;
  }
  return -1;
}

/**
 * Throws NonFiniteError naming `name`, the position and the value of the
 * first NaN / ±Infinity. `shape`, when given, turns the position into a
 * multi-index.
 */
export function assertFinite(values: ArrayLike<number>, name: string, shape?: Shape, file?: string): void {
  const at = findNonFinite(values);
  if (at < 0) return;
  const value = values[at]!;
  const where = formatIndex(at, shape);
  throw new NonFiniteError(
    `${file ? `${file}: ` : ""}${name}${where} is ${value}; finite numbers are required`,
    {
      field: name,
      value,
      position: where,
      ...(file ? { file } : {}),
    },
  );
}
