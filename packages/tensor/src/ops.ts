import { ShapeError } from "@skeleton-cache/errors";

/** Lower clamp of each probability inside the entropy (SPEC §3). */
export const ENTROPY_PROB_EPS = 1e-12;
/** Lower clamp of each vector norm inside the cosine (SPEC §4). */
export const COSINE_NORM_EPS = 1e-8;

/** Index of the largest value; the first index on ties. NaN never wins. */
export function argmax(values: ArrayLike<number>, offset = 0, length = values.length - offset): number {
  if (length <= 0) throw new ShapeError("argmax of an empty vector", { field: "length", value: length });
  let best = 0;
  let bestValue = values[offset]!;
  for (let i = 1; i < length; i++) {
    const v = values[offset + i]!;
    if (v > bestValue || (Number.isNaN(bestValue) && !Number.isNaN(v))) {
      best = i;
      bestValue = v;
    }
  }
  return best;
}

/**
 * argmax of every row of a row-major (rows, columns) matrix: the one row
 * argmax of the project (first index on ties, NaN never wins).
 */
export function argmaxRows(values: ArrayLike<number>, columns: number): Int32Array {
  if (!Number.isInteger(columns) || columns < 1)
    throw new ShapeError(`argmaxRows: ${columns} columns`, { field: "columns", value: columns });
  const rows = Math.floor(values.length / columns);
  const out = new Int32Array(rows);
  for (let row = 0; row < rows; row++) out[row] = argmax(values, row * columns, columns);
  return out;
}

/**
 * Indices of the k largest values, largest first; ties keep the lower index
 * first (a stable order).
 */
export function topK(
  values: ArrayLike<number>,
  k: number,
  offset = 0,
  length = values.length - offset,
): number[] {
  const count = Math.min(k, length);
  const order: number[] = [];
  for (let i = 0; i < length; i++) order.push(i);
  order.sort((a, b) => {
    const va = values[offset + a]!;
    const vb = values[offset + b]!;
    if (va > vb) return -1;
    if (va < vb) return 1;
    return a - b;
  });
  return order.slice(0, count);
}

/**
 * Numerically stable softmax of `length` values of `input` starting at
 * `inputOffset`, written to `out` at `outOffset`. Accumulates in float64.
 */
export function softmaxInto(
  input: ArrayLike<number>,
  out: { [i: number]: number },
  length = input.length,
  inputOffset = 0,
  outOffset = 0,
): void {
  let max = Number.NEGATIVE_INFINITY;
  for (let u = 0; u < length; u++) {
    const v = input[inputOffset + u]!;
    if (v > max) max = v;
  }
  let sum = 0;
  for (let u = 0; u < length; u++) {
    const e = Math.exp(input[inputOffset + u]! - max);
    out[outOffset + u] = e;
    sum += e;
  }
  for (let u = 0; u < length; u++) out[outOffset + u] = out[outOffset + u]! / sum;
}

/** Softmax of a vector, as a new Float64Array. */
export function softmax(input: ArrayLike<number>): Float64Array {
  const out = new Float64Array(input.length);
  softmaxInto(input, out, input.length);
  return out;
}

/** Shannon entropy −Σ p·ln p with each p clamped to at least 1e-12 (SPEC §3). */
export function entropy(
  probabilities: ArrayLike<number>,
  offset = 0,
  length = probabilities.length - offset,
): number {
  let h = 0;
  for (let u = 0; u < length; u++) {
    const p = Math.max(probabilities[offset + u]!, ENTROPY_PROB_EPS);
    h -= p * Math.log(p);
  }
  return h;
}

/** Dot product of `length` values of `a` (from `aOffset`) and `b` (from `bOffset`). */
export function dot(
  a: ArrayLike<number>,
  b: ArrayLike<number>,
  length = a.length,
  aOffset = 0,
  bOffset = 0,
): number {
  let sum = 0;
  for (let c = 0; c < length; c++) sum += a[aOffset + c]! * b[bOffset + c]!;
  return sum;
}

/** Euclidean norm of `length` values of `a` from `offset`. */
export function norm(a: ArrayLike<number>, length = a.length, offset = 0): number {
  let sum = 0;
  for (let c = 0; c < length; c++) {
    const v = a[offset + c]!;
    sum += v * v;
  }
  return Math.sqrt(sum);
}

/**
 * Cosine similarity x·y / (max(‖x‖, 1e-8) · max(‖y‖, 1e-8)) — each norm
 * clamped on its own, as PyTorch 1.13 does (SPEC §4).
 */
export function cosine(
  a: ArrayLike<number>,
  b: ArrayLike<number>,
  length = a.length,
  aOffset = 0,
  bOffset = 0,
): number {
  if (a.length - aOffset < length || b.length - bOffset < length) {
    throw new ShapeError(`cosine: vectors shorter than ${length}`, { field: "length", value: length });
  }
  const na = Math.max(norm(a, length, aOffset), COSINE_NORM_EPS);
  const nb = Math.max(norm(b, length, bOffset), COSINE_NORM_EPS);
  return dot(a, b, length, aOffset, bOffset) / (na * nb);
}

/** Divides `length` values in place by their sum (ℓ1, for non-negative input); a zero sum leaves them. */
export function l1NormalizeInPlace(values: { [i: number]: number; length: number }): void {
  let sum = 0;
  for (let i = 0; i < values.length; i++) sum += Math.abs(values[i]!);
  if (sum === 0) return;
  for (let i = 0; i < values.length; i++) values[i] = values[i]! / sum;
}
