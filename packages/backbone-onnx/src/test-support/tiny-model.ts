/**
 * The test backbone: x (N, 3, T, V, M) → transpose/reshape to (N·M, 3, T, V)
 * → Conv 1×1 + ReLU → features (N·M, C, T, V) → ReduceMean over T, V →
 * person mean → MatMul → logits (N, K) (or an embedding (N, D)), plus a
 * plain-JS reference of the same computation.
 */
import { seededRandom, type Tensor } from "@skeleton-cache/tensor";
import { encodeModel, type GraphSpec, type NodeSpec, type ValueSpec } from "./onnx-builder.js";

export interface TinyDims {
  readonly frames: number;
  readonly joints: number;
  readonly persons: number;
  readonly channels: number;
  readonly classes: number;
}

export const TINY: TinyDims = { frames: 6, joints: 5, persons: 2, channels: 4, classes: 7 };

export type TinyVariant =
  /** features per person (N·M, C, T, V), logits (N, K) */
  | "separate"
  /** features averaged in the graph (N, C, T, V) */
  | "averaged"
  /** an embedding output (N, D = K) instead of logits */
  | "embedding"
  /** feature output (N·M, C, T) with a declared shape: no joint axis */
  | "no-joint-axis"
  /** the same, with the output's shape left undeclared: caught at run time */
  | "no-joint-axis-undeclared"
  /** a rank-4 skeleton input (N, 3, T, V) */
  | "rank4-input";

export interface TinyWeights {
  /** (C, 3) */ readonly conv: Float32Array;
  /** (C,) */ readonly bias: Float32Array;
  /** (C, K) */ readonly head: Float32Array;
}

export function tinyWeights(seed: number, dims: TinyDims = TINY): TinyWeights {
  const random = seededRandom(seed);
  const fill = (n: number) => Float32Array.from({ length: n }, () => random.next() * 2 - 1);
  return {
    conv: fill(dims.channels * 3),
    bias: fill(dims.channels),
    head: fill(dims.channels * dims.classes),
  };
}

export function tinyModel(variant: TinyVariant, weights: TinyWeights, dims: TinyDims = TINY): Uint8Array {
  const { frames: T, joints: V, persons: M, channels: C, classes: K } = dims;
  const outputName = variant === "embedding" ? "embedding" : "logits";
  const nodes: NodeSpec[] = [];
  const inputs: ValueSpec[] = [];
  const outputs: ValueSpec[] = [];
  if (variant === "rank4-input") {
    inputs.push({ name: "x", dims: ["N", 3, T, V] });
    nodes.push({
      op: "Conv",
      inputs: ["x", "W", "B"],
      outputs: ["conv"],
      attributes: { kernel_shape: [1, 1] },
    });
  } else {
    inputs.push({ name: "x", dims: ["N", 3, T, V, M] });
    nodes.push(
      { op: "Transpose", inputs: ["x"], outputs: ["x_nm"], attributes: { perm: [0, 4, 1, 2, 3] } },
      { op: "Reshape", inputs: ["x_nm", "shape_in"], outputs: ["x_flat"] },
      { op: "Conv", inputs: ["x_flat", "W", "B"], outputs: ["conv"], attributes: { kernel_shape: [1, 1] } },
    );
  }
  nodes.push({ op: "Relu", inputs: ["conv"], outputs: ["f"] });
  // pooled (N, C): mean over T, V, then over persons.
  nodes.push(
    { op: "ReduceMean", inputs: ["f"], outputs: ["pooled_nm"], attributes: { axes: [2, 3], keepdims: 0 } },
    { op: "Reshape", inputs: ["pooled_nm", "shape_pool"], outputs: ["pooled_split"] },
    {
      op: "ReduceMean",
      inputs: ["pooled_split"],
      outputs: ["pooled"],
      attributes: { axes: [1], keepdims: 0 },
    },
    { op: "MatMul", inputs: ["pooled", "H"], outputs: [outputName] },
  );
  const M_ = variant === "rank4-input" ? 1 : M;
  if (variant === "averaged") {
    nodes.push(
      { op: "Reshape", inputs: ["f", "shape_feat"], outputs: ["f_split"] },
      {
        op: "ReduceMean",
        inputs: ["f_split"],
        outputs: ["features"],
        attributes: { axes: [1], keepdims: 0 },
      },
    );
    outputs.push({ name: "features", dims: ["N", C, T, V] });
  } else if (variant === "no-joint-axis" || variant === "no-joint-axis-undeclared") {
    nodes.push({
      op: "ReduceMean",
      inputs: ["f"],
      outputs: ["features"],
      attributes: { axes: [3], keepdims: 0 },
    });
    outputs.push({ name: "features", dims: variant === "no-joint-axis" ? ["NM", C, T] : null });
  } else {
    nodes.push({ op: "Identity", inputs: ["f"], outputs: ["features"] });
    outputs.push({ name: "features", dims: ["NM", C, T, V] });
  }
  outputs.push({ name: outputName, dims: ["N", K] });
  const spec: GraphSpec = {
    inputs,
    outputs,
    nodes,
    initializers: [
      { name: "W", dims: [C, 3, 1, 1], float: weights.conv },
      { name: "B", dims: [C], float: weights.bias },
      { name: "H", dims: [C, K], float: weights.head },
      ...(variant === "rank4-input" ? [] : [{ name: "shape_in", dims: [4], int64: [-1, 3, T, V] }]),
      { name: "shape_pool", dims: [3], int64: [-1, M_, C] },
      ...(variant === "averaged" ? [{ name: "shape_feat", dims: [5], int64: [-1, M_, C, T, V] }] : []),
    ],
  };
  return encodeModel(spec);
}

/** Plain-JS reference: person-averaged features (N, C, T, V) and logits / embedding (N, K). */
export function tinyReference(
  x: Tensor,
  weights: TinyWeights,
  dims: TinyDims = TINY,
): { features: Tensor; output: Tensor } {
  const [N, , T, V, M] = x.shape as [number, number, number, number, number];
  const { channels: C, classes: K } = dims;
  const features = new Float32Array(N * C * T * V);
  const output = new Float32Array(N * K);
  for (let n = 0; n < N; n++) {
    const pooled = new Float64Array(C);
    for (let c = 0; c < C; c++)
      for (let t = 0; t < T; t++)
        for (let v = 0; v < V; v++) {
          let personSum = 0;
          for (let m = 0; m < M; m++) {
            let act = weights.bias[c]!;
            for (let k = 0; k < 3; k++)
              act += weights.conv[c * 3 + k]! * x.data[(((n * 3 + k) * T + t) * V + v) * M + m]!;
            personSum += Math.max(act, 0);
          }
          features[((n * C + c) * T + t) * V + v] = personSum / M;
          pooled[c] = pooled[c]! + personSum / (M * T * V);
        }
    for (let k = 0; k < K; k++) {
      let sum = 0;
      for (let c = 0; c < C; c++) sum += pooled[c]! * weights.head[c * K + k]!;
      output[n * K + k] = sum;
    }
  }
  return { features: { data: features, shape: [N, C, T, V] }, output: { data: output, shape: [N, K] } };
}

/** A seeded skeleton batch (N, 3, T, V, M). */
export function tinyInput(samples: number, seed: number, dims: TinyDims = TINY): Tensor {
  const random = seededRandom(seed);
  const shape = [samples, 3, dims.frames, dims.joints, dims.persons];
  const data = Float32Array.from({ length: shape.reduce((a, b) => a * b, 1) }, () => random.normal());
  return { data, shape };
}
