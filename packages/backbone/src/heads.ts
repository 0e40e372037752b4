import { ShapeError, ValueError } from "@skeleton-cache/errors";
import { readNpy, toFloat32 } from "@skeleton-cache/formats";
import { assertFinite, COSINE_NORM_EPS, formatShape, type Tensor } from "@skeleton-cache/tensor";
import { checkCandidateClasses } from "./backbone.js";

/**
 * How a zero-shot head scores an embedding against class text embeddings:
 * cosine similarity divided by a temperature τ (CLIP-style, as SMIE / PURLS
 * / SA-DVAE heads do), or the plain dot product.
 */
export type ZeroShotHeadOptions =
  | { readonly metric: "cosine"; readonly temperature: number }
  | { readonly metric: "dot" };

/** A zero-shot head over fixed class text embeddings (U, D). */
export interface ZeroShotHead {
  readonly metric: "cosine" | "dot";
  /** τ for cosine, 1 for dot. */
  readonly temperature: number;
  /** U: number of classes (rows of the class embeddings). */
  readonly classes: number;
  /** D: embedding dimension. */
  readonly dim: number;
  /** Logits (N, U) of embeddings (N, D). */
  logits(embeddings: Tensor, name?: string): Tensor;
}

function checkOptions(options: ZeroShotHeadOptions): number {
  if (options.metric === "dot") return 1;
  if (options.metric !== "cosine") {
    throw new ValueError(
      `zero-shot head: metric is ${JSON.stringify((options as { metric: unknown }).metric)}; use "cosine" or "dot"`,
      {
        field: "metric",
        value: (options as { metric: unknown }).metric,
      },
    );
  }
  const tau = options.temperature;
  if (!Number.isFinite(tau) || tau <= 0) {
    throw new ValueError(`zero-shot head: temperature is ${tau}; it must be a finite number > 0`, {
      field: "temperature",
      value: tau,
    });
  }
  return tau;
}

function check2d(t: Tensor, name: string): [number, number] {
  if (t.shape.length !== 2) {
    throw new ShapeError(`${name}: expected 2 dimensions, got ${formatShape(t.shape)}`, {
      field: name,
      value: [...t.shape],
    });
  }
  return [t.shape[0]!, t.shape[1]!];
}

/**
 * Builds a zero-shot head over class text embeddings (U, D): logits
 * `cos(e_n, t_u) / τ`, each norm clamped to at least 1e-8 as PyTorch's
 * `cosine_similarity` does, or `e_n · t_u` for "dot".
 */
export function createZeroShotHead(classEmbeddings: Tensor, options: ZeroShotHeadOptions): ZeroShotHead {
  const temperature = checkOptions(options);
  const [classes, dim] = check2d(classEmbeddings, "class embeddings");
  if (classes === 0 || dim === 0) {
    throw new ShapeError(`class embeddings: shape ${formatShape(classEmbeddings.shape)} is empty`, {
      field: "class embeddings",
      value: [...classEmbeddings.shape],
    });
  }
  assertFinite(classEmbeddings.data, "class embeddings", classEmbeddings.shape);
  const text = classEmbeddings.data;
  // Inverse norms of the class rows (1 for dot), computed once.
  const classScale = new Float64Array(classes);
  for (let u = 0; u < classes; u++) {
    if (options.metric === "dot") {
      classScale[u] = 1;
      continue;
    }
    let sum = 0;
    for (let d = 0; d < dim; d++) sum += text[u * dim + d]! ** 2;
    classScale[u] = 1 / Math.max(Math.sqrt(sum), COSINE_NORM_EPS);
  }
  return {
    metric: options.metric,
    temperature,
    classes,
    dim,
    logits(embeddings: Tensor, name = "embeddings"): Tensor {
      const [samples, embDim] = check2d(embeddings, name);
      if (embDim !== dim) {
        throw new ShapeError(
          `${name}: dimension 1 is ${embDim} but the class embeddings have D = ${dim}; shape ${formatShape(embeddings.shape)}`,
          { field: name, value: [...embeddings.shape], position: 1, expected: dim },
        );
      }
      assertFinite(embeddings.data, name, embeddings.shape);
      const emb = embeddings.data;
      const out = new Float32Array(samples * classes);
      for (let n = 0; n < samples; n++) {
        let sampleScale = 1;
        if (options.metric === "cosine") {
          let sum = 0;
          for (let d = 0; d < dim; d++) sum += emb[n * dim + d]! ** 2;
          sampleScale = 1 / Math.max(Math.sqrt(sum), COSINE_NORM_EPS) / temperature;
        }
        for (let u = 0; u < classes; u++) {
          let dotSum = 0;
          for (let d = 0; d < dim; d++) dotSum += emb[n * dim + d]! * text[u * dim + d]!;
          out[n * classes + u] = dotSum * sampleScale * classScale[u]!;
        }
      }
      return { data: out, shape: [samples, classes] };
    },
  };
}

/** Logits (N, U) of embeddings (N, D) against class embeddings (U, D); see createZeroShotHead. */
export function zeroShotLogits(
  embeddings: Tensor,
  classEmbeddings: Tensor,
  options: ZeroShotHeadOptions,
): Tensor {
  return createZeroShotHead(classEmbeddings, options).logits(embeddings);
}

/**
 * Reads class text embeddings (U_all, D) from an `.npy` (float32 or float64)
 * and keeps the rows of `candidateClasses` (0-based class ids, strictly
 * ascending) in that order; all rows when omitted.
 */
export function loadClassEmbeddings(file: string, candidateClasses?: readonly number[]): Tensor {
  const array = readNpy(file);
  if (array.shape.length !== 2) {
    throw new ShapeError(
      `${file}: class embeddings must have 2 dimensions (classes, D), got ${formatShape(array.shape)}`,
      { file, value: [...array.shape], expected: "(classes, D)" },
    );
  }
  const [total, dim] = array.shape as [number, number];
  const values = toFloat32(array, file);
  assertFinite(values, "class embeddings", array.shape, file);
  if (!candidateClasses) return { data: values, shape: [total, dim] };
  const ids = checkCandidateClasses(candidateClasses, total, `candidate classes for ${file}`);
  const out = new Float32Array(ids.length * dim);
  for (let u = 0; u < ids.length; u++) out.set(values.subarray(ids[u]! * dim, (ids[u]! + 1) * dim), u * dim);
  return { data: out, shape: [ids.length, dim] };
}
