import { ShapeError, ValueError } from "@skeleton-cache/errors";

/** A row-major (C order) shape. */
export type Shape = readonly number[];

/** A float32 array with an explicit row-major shape. */
export interface Tensor {
  readonly data: Float32Array;
  readonly shape: Shape;
}

/** Number of elements of a shape (1 for a scalar shape []). */
export function shapeSize(shape: Shape): number {
  let size = 1;
  for (let axis = 0; axis < shape.length; axis++) size *= shape[axis]!;
  return size;
}

export function formatShape(shape: Shape): string {
  return `(${shape.join(", ")}${shape.length === 1 ? "," : ""})`;
}

/** Checks a shape: every dimension a non-negative integer. */
export function assertValidShape(shape: Shape, name = "shape"): void {
  for (let axis = 0; axis < shape.length; axis++) {
    const dim = shape[axis]!;
    if (!Number.isInteger(dim) || dim < 0) {
      throw new ValueError(`${name}: dimension ${axis} is ${dim}; dimensions must be non-negative integers`, {
        field: name,
        value: dim,
        position: axis,
      });
    }
  }
}

/** Wraps data as a tensor after checking that its length matches the shape. */
export function tensor(data: Float32Array, shape: Shape, name = "tensor"): Tensor {
  assertValidShape(shape, name);
  const expected = shapeSize(shape);
  if (data.length !== expected) {
    throw new ShapeError(
      `${name}: data has ${data.length} elements but shape ${formatShape(shape)} needs ${expected}`,
      { field: name, value: data.length, expected },
    );
  }
  return { data, shape: [...shape] };
}

/** A zero-filled tensor. */
export function zeros(shape: Shape): Tensor {
  assertValidShape(shape);
  return { data: new Float32Array(shapeSize(shape)), shape: [...shape] };
}

/**
 * Checks that `actual` matches `expected`, where a dimension of `expected`
 * may be `-1` (any size) or a string (any size, named, for the message).
 * Returns the actual shape.
 */
export function assertShape(actual: Shape, expected: readonly (number | string)[], name: string): Shape {
  const describe = (): string =>
    `(${expected.map((d) => (typeof d === "string" ? d : d < 0 ? "*" : String(d))).join(", ")})`;
  if (actual.length !== expected.length) {
    throw new ShapeError(
      `${name}: expected ${expected.length} dimensions ${describe()}, got ${actual.length}: ${formatShape(actual)}`,
      { field: name, value: [...actual], expected: describe() },
    );
  }
  for (let axis = 0; axis < expected.length; axis++) {
    const want = expected[axis]!;
    if (typeof want === "number" && want >= 0 && actual[axis] !== want) {
      throw new ShapeError(
        `${name}: dimension ${axis} is ${actual[axis]}, expected ${want}; shape ${formatShape(actual)}, expected ${describe()}`,
        { field: name, value: [...actual], expected: describe(), position: axis },
      );
    }
  }
  return actual;
}
