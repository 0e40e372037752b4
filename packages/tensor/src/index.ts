export { assertFinite, findNonFinite, formatIndex } from "./finite.js";
export {
  argmax,
  argmaxRows,
  COSINE_NORM_EPS,
  cosine,
  dot,
  ENTROPY_PROB_EPS,
  entropy,
  l1NormalizeInPlace,
  norm,
  softmax,
  softmaxInto,
  topK,
} from "./ops.js";
export type { Random } from "./random.js";
export { permutation, seededRandom } from "./random.js";
export type { Shape, Tensor } from "./shape.js";
export { assertShape, assertValidShape, formatShape, shapeSize, tensor, zeros } from "./shape.js";
