import type { Preprocessing } from "@skeleton-cache/datasets";
import { ShapeError, ValueError } from "@skeleton-cache/errors";
import { formatShape, type Tensor } from "@skeleton-cache/tensor";

/** What a backbone says about the model it runs, for a bundle's `meta.json`. */
export interface BackboneModelInfo {
  /** A readable name, e.g. "utd_mhad_22_5/seed0/model" or the server's name (never just the adapter). */
  readonly name: string;
  /** Where the model is: its file (absolute path) or its URL. */
  readonly location: string;
  /** sha256 (hex) of the model's bytes, where the adapter can read them. */
  readonly sha256?: string;
}

/**
 * What a frozen SZAR backbone gives for a batch of N samples (SPEC §1): base
 * logits over the U candidate classes and the feature volume of its last
 * spatio-temporal layer before pooling, averaged over persons.
 */
export interface BackboneOutput {
  /** Base logits φ̂, float32 (N, U); column u = candidate class u. */
  readonly logits: Tensor;
  /** Feature volume F, float32 (N, C, T, V), mean over persons. */
  readonly features: Tensor;
}

/** One batch of an encoded dataset: the output plus where it sits in the stream. */
export interface BackboneBatch extends BackboneOutput {
  /** Index, in the input stream, of the batch's first sample. */
  readonly offset: number;
  /** Number of samples in the batch (N). */
  readonly count: number;
}

/**
 * A frozen backbone. `Sample` is what one dataset item is for this adapter
 * (a skeleton tensor (3, T, V, M) for ONNX, a sample index for a
 * precomputed bundle).
 */
export interface Backbone<Sample = unknown> {
  /** Registry name of the adapter ("onnx", "precomputed", ...). */
  readonly name: string;
  /**
   * Candidate class ids (0-based dataset class indices, strictly ascending):
   * logits column u belongs to `candidateClasses[u]` (SPEC §1: u = rank of the id).
   */
  readonly candidateClasses: readonly number[];
  /** Samples per `encode` call made by `encodeAll`. */
  readonly batchSize: number;
  /**
   * The preprocessing the model expects (from its adapter config: T, M,
   * temporal mode, centring, ...), which `skc extract` uses unless flags
   * override it. Absent when the adapter does not know.
   */
  readonly preprocessing?: Preprocessing;
  /** The model, for provenance. */
  readonly model?: BackboneModelInfo;
  /** Encodes one batch of samples (any N ≥ 1). */
  encode(batch: readonly Sample[]): Promise<BackboneOutput>;
  /** Encodes a dataset in stream order, `batchSize` samples per batch. */
  encodeAll(samples: Iterable<Sample> | AsyncIterable<Sample>): AsyncGenerator<BackboneBatch>;
  /** Releases the backbone's resources; later calls fail. Idempotent. */
  close(): Promise<void>;
}

/** Checks a batch size option: a positive integer. */
export function assertBatchSize(batchSize: number, field = "batchSize"): number {
  if (!Number.isInteger(batchSize) || batchSize < 1) {
    throw new ValueError(`${field} is ${batchSize}; it must be a positive integer`, {
      field,
      value: batchSize,
    });
  }
  return batchSize;
}

/**
 * Groups a (sync or async) stream of samples into arrays of `size` (the last
 * one shorter), keeping the order.
 */
export async function* batchesOf<Sample>(
  samples: Iterable<Sample> | AsyncIterable<Sample>,
  size: number,
): AsyncGenerator<Sample[]> {
  assertBatchSize(size, "size");
  let batch: Sample[] = [];
  for await (const sample of samples) {
    batch.push(sample);
    if (batch.length === size) {
      yield batch;
      batch = [];
    }
  }
  if (batch.length > 0) yield batch;
}

/**
 * The `encodeAll` every adapter can share: batches the stream with
 * `backbone.batchSize` and checks each output's shapes against the batch.
 */
export async function* encodeDataset<Sample>(
  backbone: Pick<Backbone<Sample>, "encode" | "batchSize" | "candidateClasses" | "name">,
  samples: Iterable<Sample> | AsyncIterable<Sample>,
): AsyncGenerator<BackboneBatch> {
  let offset = 0;
  for await (const batch of batchesOf(samples, backbone.batchSize)) {
    const output = await backbone.encode(batch);
    assertBackboneOutput(output, batch.length, backbone.candidateClasses.length, backbone.name);
    yield { ...output, offset, count: batch.length };
    offset += batch.length;
  }
}

/**
 * Checks an adapter's output: logits (N, U) and features (N, C, T, V) with
 * matching N. Throws ShapeError naming the adapter and the tensor.
 */
export function assertBackboneOutput(
  output: BackboneOutput,
  count: number,
  classes: number,
  name: string,
): void {
  const { logits, features } = output;
  if (logits.shape.length !== 2 || logits.shape[0] !== count || logits.shape[1] !== classes) {
    throw new ShapeError(
      `backbone "${name}": logits have shape (${logits.shape.join(", ")}), expected (${count}, ${classes})`,
      { field: "logits", value: [...logits.shape], expected: [count, classes] },
    );
  }
  if (features.shape.length !== 4 || features.shape[0] !== count) {
    throw new ShapeError(
      `backbone "${name}": features have shape (${features.shape.join(", ")}), expected (${count}, C, T, V)`,
      { field: "features", value: [...features.shape], expected: `(${count}, C, T, V)` },
    );
  }
}

/**
 * Checks candidate class ids: non-empty, non-negative integers, strictly
 * ascending (SPEC §1), each below `total` when given. Returns a copy.
 */
export function checkCandidateClasses(
  classes: readonly number[],
  total?: number,
  source = "candidateClasses",
): number[] {
  if (classes.length === 0) {
    throw new ValueError(`${source}: the candidate class list is empty`, { field: source, value: [] });
  }
  for (let u = 0; u < classes.length; u++) {
    const id = classes[u]!;
    if (!Number.isInteger(id) || id < 0) {
      throw new ValueError(`${source}[${u}] is ${id}; class ids are non-negative integers`, {
        field: source,
        position: u,
        value: id,
      });
    }
    if (total !== undefined && id >= total) {
      throw new ValueError(`${source}[${u}] is ${id}; the model has ${total} classes (ids 0..${total - 1})`, {
        field: source,
        position: u,
        value: id,
        expected: `< ${total}`,
      });
    }
    if (u > 0 && id <= classes[u - 1]!) {
      throw new ValueError(
        `${source}[${u}] is ${id} after ${classes[u - 1]}; candidate classes must be strictly ascending (class u = rank of its id)`,
        { field: source, position: u, value: id },
      );
    }
  }
  return [...classes];
}

/** `[0, 1, ..., count - 1]`: every class of a model as candidates. */
export function allClasses(count: number): number[] {
  const ids: number[] = [];
  for (let u = 0; u < count; u++) ids.push(u);
  return ids;
}

/** Stacks samples (3, T, V, M) of one shape into a batch (N, 3, T, V, M). */
export function stackSamples(samples: readonly Tensor[], model = "backbone", inputName = "x"): Tensor {
  if (samples.length === 0) throw new ShapeError(`${model}: empty batch`, { field: inputName, value: 0 });
  const first = samples[0]!;
  if (first.shape.length !== 4) {
    throw new ShapeError(
      `${model}: sample 0 for input "${inputName}" has shape ${formatShape(first.shape)}; each sample must be (3, T, V, M)`,
      { field: inputName, position: 0, value: [...first.shape], expected: "(3, T, V, M)" },
    );
  }
  const size = first.data.length;
  const out = new Float32Array(samples.length * size);
  for (let n = 0; n < samples.length; n++) {
    const sample = samples[n]!;
    const same = sample.shape.length === 4 && sample.shape.every((d, axis) => d === first.shape[axis]);
    if (!same || sample.data.length !== size) {
      throw new ShapeError(
        `${model}: sample ${n} for input "${inputName}" has shape ${formatShape(sample.shape)} but sample 0 has ${formatShape(first.shape)}; a batch needs one shape (pad or crop T in preprocessing)`,
        { field: inputName, position: n, value: [...sample.shape], expected: [...first.shape] },
      );
    }
    out.set(sample.data, n * size);
  }
  return { data: out, shape: [samples.length, ...first.shape] };
}

/** Columns `columns` of a (N, K) matrix, in that order: candidate logits out of all the model's classes. */
export function selectColumns(logits: Tensor, columns: readonly number[]): Tensor {
  const [samples, total] = logits.shape as [number, number];
  const out = new Float32Array(samples * columns.length);
  for (let n = 0; n < samples; n++)
    for (let u = 0; u < columns.length; u++)
      out[n * columns.length + u] = logits.data[n * total + columns[u]!]!;
  return { data: out, shape: [samples, columns.length] };
}
