import crypto from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import {
  allClasses,
  assertBatchSize,
  averagePersons,
  type Backbone,
  type BackboneAdapter,
  type BackboneBatch,
  type BackboneOutput,
  checkCandidateClasses,
  createZeroShotHead,
  encodeDataset,
  loadClassEmbeddings,
  parseBackboneConfig,
  selectColumns,
  stackSamples,
  type ZeroShotHead,
} from "@skeleton-cache/backbone";
import { FormatError, ShapeError, ValueError } from "@skeleton-cache/errors";
import { assertFinite, formatShape, type Tensor } from "@skeleton-cache/tensor";
import type * as Ort from "onnxruntime-node";
import { z } from "zod";
import {
  defaultConfigPath,
  modelNameOf,
  modelPreprocessing,
  type OnnxBackboneConfig,
  readOnnxBackboneConfig,
} from "./config.js";
import { onnxruntime } from "./ort.js";
import { checkExecutionProviders, EXECUTION_PROVIDERS, providerFailure } from "./providers.js";

/** Options of `loadOnnxBackbone` / `createBackbone("onnx", options)`. */
export const OnnxBackboneOptionsSchema = z
  .object({
    /** Path of the `.onnx` model. */
    model: z.string().min(1),
    /** Path of the adapter config JSON; default `<model stem>.backbone.json` next to the model. */
    config: z.string().min(1).optional(),
    /** 0-based class ids, strictly ascending; default every class of the model. */
    candidateClasses: z.array(z.number().int().nonnegative()).optional(),
    /** Overrides the config's class-embedding `.npy` (embedding outputs only). */
    classEmbeddings: z.string().min(1).optional(),
    /** Samples per run in `encodeAll` (default 16). */
    batchSize: z.number().int().positive().default(16),
    /** onnxruntime intra-op threads (default: onnxruntime's choice, one per core). */
    threads: z.number().int().positive().optional(),
    /** Runs on a zero input of `batchSize` samples before returning (default 0). */
    warmup: z.number().int().nonnegative().default(0),
    /**
     * onnxruntime execution providers, in order of preference (default
     * ["cpu"]); e.g. ["cuda", "cpu"] where the installed onnxruntime-node
     * build has CUDA. One that is not available is refused up front.
     */
    executionProviders: z.array(z.enum(EXECUTION_PROVIDERS)).min(1).default(["cpu"]),
  })
  .strict();

export type OnnxBackboneOptions = z.input<typeof OnnxBackboneOptionsSchema>;

/** The ONNX adapter: a Backbone over skeleton samples (3, T, V, M). */
export interface OnnxBackbone extends Backbone<Tensor> {
  readonly modelFile: string;
  readonly configFile: string;
  readonly config: OnnxBackboneConfig;
  /** Encodes a stacked batch x (N, 3, T, V, M). */
  run(x: Tensor): Promise<BackboneOutput>;
}

type Dim = number | string;

function tensorMeta(
  session: Ort.InferenceSession,
  name: string,
  outputs: boolean,
): readonly Dim[] | undefined {
  const list = outputs ? session.outputMetadata : session.inputMetadata;
  const meta = list.find((m) => m.name === name);
  if (!meta?.isTensor) return undefined;
  return meta.shape.length > 0 ? meta.shape : undefined;
}

function tensorType(session: Ort.InferenceSession, name: string, outputs: boolean): string | undefined {
  const list = outputs ? session.outputMetadata : session.inputMetadata;
  const meta = list.find((m) => m.name === name);
  return meta?.isTensor ? meta.type : undefined;
}

function showDims(dims: readonly Dim[]): string {
  return `(${dims.map((d) => (d === "" ? "?" : d)).join(", ")})`;
}

function firstBytesHex(file: string): string {
  try {
    const fd = fs.openSync(file, "r");
    const buffer = Buffer.alloc(16);
    const read = fs.readSync(fd, buffer, 0, 16, 0);
    fs.closeSync(fd);
    return buffer.subarray(0, read).toString("hex");
  } catch {
    return "";
  }
}

/**
 * Loads an ONNX SZAR backbone with its adapter config and checks, before any
 * sample runs, that the named tensors exist with the right ranks.
 */
export async function loadOnnxBackbone(options: OnnxBackboneOptions): Promise<OnnxBackbone> {
  return openOnnx(parseBackboneConfig(onnxAdapter, options));
}

/**
 * The "onnx" adapter of the registry: registered when the package's main
 * entry is imported; `@skeleton-cache/backbone-onnx/base` gives it unregistered.
 */
export const onnxAdapter: BackboneAdapter<typeof OnnxBackboneOptionsSchema, Tensor> = {
  name: "onnx",
  description: "an ONNX model run by onnxruntime-node (config: <model>.backbone.json beside it)",
  configSchema: OnnxBackboneOptionsSchema,
  origin: "@skeleton-cache/backbone-onnx",
  create: (options) => openOnnx(options),
};

async function openOnnx(opts: z.output<typeof OnnxBackboneOptionsSchema>): Promise<OnnxBackbone> {
  const modelFile = path.resolve(opts.model);
  if (!fs.existsSync(modelFile))
    throw new FormatError(`${modelFile}: cannot read the ONNX model: it does not exist (--model)`, {
      file: modelFile,
      field: "model",
    });
  const configFile = path.resolve(opts.config ?? defaultConfigPath(modelFile));
  if (opts.config === undefined && !fs.existsSync(configFile))
    throw new FormatError(
      `${configFile}: no backbone config for the ONNX model ${modelFile} (it is looked for beside the model as ${path.basename(configFile)}); give one with --model-config FILE (or "config" in --backbone-config), or put it there: tooling/export/export_onnx.py writes it with the model, and packages/backbone-onnx/README.md lists its fields`,
      { file: configFile, field: "config" },
    );
  const config = readOnnxBackboneConfig(configFile);
  assertBatchSize(opts.batchSize);

  let bytes: Uint8Array;
  try {
    bytes = fs.readFileSync(modelFile);
  } catch (error) {
    throw new FormatError(
      `${modelFile}: cannot read the ONNX model (${(error as Error).message})`,
      { file: modelFile },
      { cause: error },
    );
  }
  const providers = checkExecutionProviders(opts.executionProviders, modelFile);
  const sessionOptions: Ort.InferenceSession.SessionOptions = {
    executionProviders: providers,
    graphOptimizationLevel: "all",
    executionMode: "sequential",
    interOpNumThreads: 1,
    logSeverityLevel: 3,
    ...(opts.threads !== undefined ? { intraOpNumThreads: opts.threads } : {}),
  };
  // onnxruntime-node 1.30's Linux build starts Microsoft telemetry (1DS) with
  // its first session: it tries HTTPS uploads and leaves mat-debug-<pid>.log
  // and .ses in the temporary folder of every process. Nothing may reach the
  // network at run time here; ORT_DISABLE_TELEMETRY (read at that moment) turns it off.
  process.env.ORT_DISABLE_TELEMETRY ??= "1";
  let session: Ort.InferenceSession;
  try {
    session = await onnxruntime().InferenceSession.create(bytes, sessionOptions);
  } catch (error) {
    if (providers.some((p) => p !== "cpu")) throw providerFailure(providers, modelFile, error);
    throw new FormatError(
      `${modelFile}: not a loadable ONNX model (${bytes.length} bytes, starting ${firstBytesHex(modelFile) || "empty"}): ${(error as Error).message}`,
      { file: modelFile, value: bytes.length },
      { cause: error },
    );
  }
  try {
    const model = { file: modelFile, sha256: crypto.createHash("sha256").update(bytes).digest("hex") };
    return await buildBackbone(session, { modelFile, configFile, config, opts, model });
  } catch (error) {
    await session.release();
    throw error;
  }
}

/** What `buildBackbone` checks the session against. */
interface LoadedModel {
  readonly modelFile: string;
  readonly configFile: string;
  readonly config: OnnxBackboneConfig;
  readonly opts: z.output<typeof OnnxBackboneOptionsSchema>;
  /** The model's absolute path and the sha256 of its bytes. */
  readonly model: { readonly file: string; readonly sha256: string };
}

/** What the session declares of its three tensors (undefined where the graph leaves a shape symbolic). */
interface Signature {
  readonly inputName: string;
  readonly inputDims: readonly Dim[] | undefined;
  readonly outputDims: readonly Dim[] | undefined;
  /** The batch size of a graph exported with a fixed batch. */
  readonly staticBatch: number | undefined;
}

/** How the raw output becomes logits over the candidate classes. */
interface ClassSelection {
  readonly candidateClasses: number[];
  /** Zero-shot head for an embedding output. */
  readonly head: ZeroShotHead | undefined;
  /** Columns of a logits output, where known. */
  readonly logitColumns: number | undefined;
}

type EmbeddingOutput = Extract<OnnxBackboneConfig["output"], { kind: "embedding" }>;

/** Everything a built backbone's run needs. */
interface Context {
  readonly session: Ort.InferenceSession;
  readonly loaded: LoadedModel;
  readonly signature: Signature;
  readonly classes: ClassSelection;
  closed: boolean;
}

async function buildBackbone(session: Ort.InferenceSession, loaded: LoadedModel): Promise<OnnxBackbone> {
  const { modelFile, configFile, config, opts } = loaded;
  checkTensorNames(session, loaded);
  const signature = checkStaticShapes(session, loaded);
  const ctx: Context = {
    session,
    loaded,
    signature,
    classes: resolveClasses(loaded, signature),
    closed: false,
  };
  const run = (x: Tensor) => runBatch(ctx, x);
  const backbone: OnnxBackbone = {
    name: "onnx",
    modelFile,
    configFile,
    config,
    candidateClasses: ctx.classes.candidateClasses,
    batchSize: opts.batchSize,
    preprocessing: modelPreprocessing(config),
    model: {
      name: config.name ?? modelNameOf(loaded.model.file),
      location: loaded.model.file,
      sha256: loaded.model.sha256,
    },
    run,
    async encode(batch: readonly Tensor[]): Promise<BackboneOutput> {
      return run(stackSamples(batch, modelFile, signature.inputName));
    },
    encodeAll(samples: Iterable<Tensor> | AsyncIterable<Tensor>): AsyncGenerator<BackboneBatch> {
      return encodeDataset(backbone, samples);
    },
    async close(): Promise<void> {
      if (ctx.closed) return;
      ctx.closed = true;
      await session.release();
    },
  };
  await warmUp(ctx, opts.warmup);
  return backbone;
}

/** The config's input and outputs exist in the graph, as float32, and the model has no other input. */
function checkTensorNames(
  session: Ort.InferenceSession,
  { modelFile, configFile, config }: LoadedModel,
): void {
  const inputName = config.input.name;
  if (!session.inputNames.includes(inputName)) {
    throw new ValueError(
      `${configFile}: input.name "${inputName}" is not an input of ${modelFile}; the model's inputs are ${JSON.stringify(session.inputNames)}`,
      { file: configFile, field: "input.name", value: inputName, expected: session.inputNames },
    );
  }
  const unfed = session.inputNames.filter((n) => n !== inputName);
  if (unfed.length > 0) {
    throw new ValueError(
      `${modelFile}: the model has inputs ${JSON.stringify(unfed)} besides "${inputName}"; the adapter feeds only the skeleton input`,
      { file: modelFile, field: "inputs", value: session.inputNames },
    );
  }
  for (const [field, name] of [
    ["features.name", config.features.name],
    ["output.name", config.output.name],
  ] as const) {
    if (!session.outputNames.includes(name)) {
      throw new ValueError(
        `${configFile}: ${field} "${name}" is not an output of ${modelFile}; the model's outputs are ${JSON.stringify(session.outputNames)}`,
        { file: configFile, field, value: name, expected: session.outputNames },
      );
    }
  }
  for (const [name, isOutput] of [
    [inputName, false],
    [config.features.name, true],
    [config.output.name, true],
  ] as const) {
    const type = tensorType(session, name, isOutput);
    if (type !== undefined && type !== "float32") {
      throw new FormatError(`${modelFile}: tensor "${name}" is ${type}; the adapter needs float32`, {
        file: modelFile,
        field: name,
        value: type,
        expected: "float32",
      });
    }
  }
}

/** Ranks and fixed sizes, where the graph declares them, against (N, 3, T, V, M), (N, C, T, V) and (N, K). */
function checkStaticShapes(session: Ort.InferenceSession, loaded: LoadedModel): Signature {
  const { modelFile, config } = loaded;
  const inputName = config.input.name;
  const inputDims = tensorMeta(session, inputName, false);
  if (inputDims) checkInputDims(inputDims, loaded);
  const featureDims = tensorMeta(session, config.features.name, true);
  if (featureDims && featureDims.length !== 4) {
    const expected = config.features.persons === "separate" ? "(N·M, C, T, V)" : "(N, C, T, V)";
    throw new ShapeError(
      `${modelFile}: feature output "${config.features.name}" has rank ${featureDims.length} ${showDims(featureDims)}${featureDims.length < 4 ? ": no joint axis" : ""}; expected ${expected} (the last spatio-temporal layer before pooling)`,
      { file: modelFile, field: config.features.name, value: [...featureDims], expected },
    );
  }
  const outputDims = tensorMeta(session, config.output.name, true);
  if (outputDims && outputDims.length !== 2) {
    throw new ShapeError(
      `${modelFile}: ${config.output.kind} output "${config.output.name}" has rank ${outputDims.length} ${showDims(outputDims)}; expected (N, ${config.output.kind === "logits" ? "K" : "D"})`,
      { file: modelFile, field: config.output.name, value: [...outputDims] },
    );
  }
  const staticBatch = typeof inputDims?.[0] === "number" ? inputDims[0] : undefined;
  return { inputName, inputDims, outputDims, staticBatch };
}

/** The declared skeleton input is (N, 3, T, V, M) and agrees with the config's frames, joints and persons. */
function checkInputDims(inputDims: readonly Dim[], { modelFile, configFile, config }: LoadedModel): void {
  const inputName = config.input.name;
  if (inputDims.length !== 5) {
    throw new ShapeError(
      `${modelFile}: input "${inputName}" has rank ${inputDims.length} ${showDims(inputDims)}; the skeleton input must be (N, 3, T, V, M) (a model that takes derived streams, e.g. (N, I, C, T, V, M), needs a wrapper that builds them in forward: tooling/export/README.md)`,
      { file: modelFile, field: inputName, value: [...inputDims], expected: "(N, 3, T, V, M)" },
    );
  }
  if (typeof inputDims[1] === "number" && inputDims[1] !== 3) {
    throw new ShapeError(
      `${modelFile}: input "${inputName}" has ${inputDims[1]} channels ${showDims(inputDims)}; expected 3 (x, y, z) at dimension 1`,
      { file: modelFile, field: inputName, value: [...inputDims], position: 1, expected: 3 },
    );
  }
  for (const [axis, key] of [
    [2, "frames"],
    [3, "joints"],
    [4, "persons"],
  ] as const) {
    const dim = inputDims[axis];
    const want = config.input[key];
    if (typeof dim === "number" && want !== undefined && dim !== want) {
      throw new ShapeError(
        `${configFile}: input.${key} is ${want} but input "${inputName}" of ${modelFile} has ${dim} at dimension ${axis} ${showDims(inputDims)}`,
        { file: configFile, field: `input.${key}`, value: want, expected: dim },
      );
    }
  }
}

/** Candidate classes: columns of a logits output, or rows of the class embeddings behind a zero-shot head. */
function resolveClasses(loaded: LoadedModel, { outputDims }: Signature): ClassSelection {
  const { modelFile, configFile, config, opts } = loaded;
  if (config.output.kind !== "logits") return embeddingHead(loaded, config.output, outputDims);
  const declared = typeof outputDims?.[1] === "number" ? outputDims[1] : undefined;
  if (declared !== undefined && config.output.classes !== undefined && declared !== config.output.classes) {
    throw new ShapeError(
      `${configFile}: output.classes is ${config.output.classes} but logits "${config.output.name}" of ${modelFile} have ${declared} columns`,
      { file: configFile, field: "output.classes", value: config.output.classes, expected: declared },
    );
  }
  const logitColumns = declared ?? config.output.classes;
  if (opts.classEmbeddings !== undefined) {
    throw new ValueError(
      `classEmbeddings is set but ${configFile} declares a logits output; class embeddings need an embedding output`,
      { field: "classEmbeddings", value: opts.classEmbeddings },
    );
  }
  if (opts.candidateClasses) {
    return {
      candidateClasses: checkCandidateClasses(opts.candidateClasses, logitColumns),
      head: undefined,
      logitColumns,
    };
  }
  if (logitColumns !== undefined)
    return { candidateClasses: allClasses(logitColumns), head: undefined, logitColumns };
  throw new ValueError(
    `${configFile}: the logits of ${modelFile} have a symbolic class dimension; set output.classes in the config or pass candidateClasses`,
    { file: configFile, field: "output.classes" },
  );
}

/** An embedding output: the zero-shot head over the class embeddings the config (or the options) name. */
function embeddingHead(
  { modelFile, configFile, opts }: LoadedModel,
  output: EmbeddingOutput,
  outputDims: readonly Dim[] | undefined,
): ClassSelection {
  const embeddingFile = path.resolve(
    opts.classEmbeddings ?? path.resolve(path.dirname(configFile), output.classEmbeddings),
  );
  const classEmbeddings = loadClassEmbeddings(embeddingFile, opts.candidateClasses);
  const head = createZeroShotHead(classEmbeddings, output.head);
  const embeddingDim = outputDims?.[1];
  if (typeof embeddingDim === "number" && embeddingDim !== head.dim) {
    throw new ShapeError(
      `${embeddingFile}: class embeddings have D = ${head.dim} but embedding "${output.name}" of ${modelFile} has ${embeddingDim}`,
      { file: embeddingFile, value: head.dim, expected: embeddingDim },
    );
  }
  const candidateClasses = opts.candidateClasses
    ? [...opts.candidateClasses]
    : allClasses(classEmbeddings.shape[0]!);
  return { candidateClasses, head, logitColumns: undefined };
}

/** The model's T, V, M: the graph's fixed sizes first, else the config's. */
function inputSizes({ signature: { inputDims }, loaded: { config } }: Context): (number | undefined)[] {
  return [
    typeof inputDims?.[2] === "number" ? inputDims[2] : config.input.frames,
    typeof inputDims?.[3] === "number" ? inputDims[3] : config.input.joints,
    typeof inputDims?.[4] === "number" ? inputDims[4] : config.input.persons,
  ];
}

/** A skeleton batch x (N, 3, T, V, M) that the model can take: sizes, length, finite values. */
function checkBatch(ctx: Context, x: Tensor): void {
  const { modelFile } = ctx.loaded;
  const { inputName } = ctx.signature;
  if (ctx.closed) throw new ValueError(`onnx backbone ${modelFile} is closed`, { file: modelFile });
  if (x.shape.length !== 5) {
    throw new ShapeError(
      `${modelFile}: skeleton batch for input "${inputName}" has shape ${formatShape(x.shape)}; expected (N, 3, T, V, M)`,
      { file: modelFile, field: inputName, value: [...x.shape], expected: "(N, 3, T, V, M)" },
    );
  }
  const expectDims = [undefined, 3, ...inputSizes(ctx)];
  for (let axis = 1; axis < 5; axis++) {
    const want = expectDims[axis];
    if (want !== undefined && x.shape[axis] !== want) {
      throw new ShapeError(
        `${modelFile}: skeleton batch for input "${inputName}" has ${x.shape[axis]} at dimension ${axis} ${formatShape(x.shape)}; the model needs ${want} (N, 3, T, V, M)`,
        { file: modelFile, field: inputName, value: [...x.shape], position: axis, expected: want },
      );
    }
  }
  if (x.data.length !== x.shape.reduce((a, b) => a * b, 1)) {
    throw new ShapeError(
      `${modelFile}: skeleton batch has ${x.data.length} values but shape ${formatShape(x.shape)}`,
      {
        field: inputName,
        value: x.data.length,
      },
    );
  }
  if (x.shape[0] === 0)
    throw new ShapeError(`${modelFile}: empty skeleton batch (N = 0)`, { field: inputName, value: 0 });
  assertFinite(x.data, inputName, x.shape);
}

/** Encodes x (N, 3, T, V, M): features (N, C, T, V) and logits over the candidate classes. */
async function runBatch(ctx: Context, x: Tensor): Promise<BackboneOutput> {
  checkBatch(ctx, x);
  const { config } = ctx.loaded;
  const [samples, channels, frames, joints, persons] = x.shape as [number, number, number, number, number];
  // A graph exported with a fixed batch runs in chunks of that size, the last padded with zeros.
  const chunk = ctx.signature.staticBatch ?? samples;
  const sampleSize = channels * frames * joints * persons;
  const featureParts: Tensor[] = [];
  const outputParts: Tensor[] = [];
  for (let start = 0; start < samples; start += chunk) {
    const count = Math.min(chunk, samples - start);
    let data = x.data.subarray(start * sampleSize, (start + count) * sampleSize);
    if (count < chunk) {
      const padded = new Float32Array(chunk * sampleSize);
      padded.set(data);
      data = padded;
    }
    const { features, output } = await runChunk(ctx, {
      data,
      shape: [chunk, channels, frames, joints, persons],
    });
    featureParts.push(normaliseFeatures(ctx, features, { chunk, persons, keep: count }));
    outputParts.push(checkOutput(ctx, output, { chunk, keep: count }));
  }
  const features = concatRows(featureParts);
  const raw = concatRows(outputParts);
  const { head, candidateClasses } = ctx.classes;
  const logits = head
    ? head.logits(raw, `embedding "${config.output.name}" of ${ctx.loaded.modelFile}`)
    : selectColumns(raw, candidateClasses);
  return { logits, features };
}

/** One session run; both outputs float32 and finite. */
async function runChunk(ctx: Context, x: Tensor): Promise<{ features: Tensor; output: Tensor }> {
  const { modelFile, config } = ctx.loaded;
  const feeds = { [ctx.signature.inputName]: new (onnxruntime().Tensor)("float32", x.data, [...x.shape]) };
  const results = await ctx.session.run(feeds, [config.features.name, config.output.name]);
  const take = (name: string): Tensor => {
    const value = results[name]!;
    if (value.type !== "float32") {
      throw new FormatError(`${modelFile}: output "${name}" is ${value.type}; the adapter needs float32`, {
        file: modelFile,
        field: name,
        value: value.type,
      });
    }
    const data = value.data as Float32Array;
    const shape = value.dims.map(Number);
    assertFinite(data, `output "${name}" of ${modelFile}`, shape, modelFile);
    return { data, shape };
  };
  return { features: take(config.features.name), output: take(config.output.name) };
}

/** Features (chunk[·M], C, T, V) → (keep, C, T, V), persons averaged where the model keeps them apart. */
function normaliseFeatures(
  ctx: Context,
  features: Tensor,
  { chunk, persons, keep }: { chunk: number; persons: number; keep: number },
): Tensor {
  const { modelFile, config } = ctx.loaded;
  const name = config.features.name;
  const separate = config.features.persons === "separate";
  const expected = separate ? `(${chunk}·${persons}, C, T, V)` : `(${chunk}, C, T, V)`;
  if (features.shape.length !== 4) {
    throw new ShapeError(
      `${modelFile}: feature output "${name}" has shape ${formatShape(features.shape)}${features.shape.length < 4 ? ": no joint axis" : ""}; expected ${expected}`,
      { file: modelFile, field: name, value: [...features.shape], expected },
    );
  }
  const rows = separate ? chunk * persons : chunk;
  if (features.shape[0] !== rows) {
    throw new ShapeError(
      `${modelFile}: feature output "${name}" has shape ${formatShape(features.shape)}; expected ${expected} (features.persons is "${config.features.persons}")`,
      { file: modelFile, field: name, value: [...features.shape], position: 0, expected: rows },
    );
  }
  const averaged = separate ? averagePersons(features, persons, name) : features;
  return keepRows(averaged, keep);
}

/** The raw output (chunk, K or D) → its first `keep` rows, its columns checked against the classes asked for. */
function checkOutput(ctx: Context, output: Tensor, { chunk, keep }: { chunk: number; keep: number }): Tensor {
  const { modelFile, config } = ctx.loaded;
  const { logitColumns, candidateClasses } = ctx.classes;
  const name = config.output.name;
  if (output.shape.length !== 2 || output.shape[0] !== chunk) {
    throw new ShapeError(
      `${modelFile}: ${config.output.kind} output "${name}" has shape ${formatShape(output.shape)}; expected (${chunk}, ${config.output.kind === "logits" ? "K" : "D"})`,
      { file: modelFile, field: name, value: [...output.shape] },
    );
  }
  if (logitColumns !== undefined && output.shape[1] !== logitColumns) {
    throw new ShapeError(
      `${modelFile}: logits "${name}" have ${output.shape[1]} columns; the config says ${logitColumns} classes`,
      { file: modelFile, field: name, value: [...output.shape], position: 1, expected: logitColumns },
    );
  }
  const last = candidateClasses[candidateClasses.length - 1]!;
  if (config.output.kind === "logits" && output.shape[1]! <= last) {
    throw new ValueError(
      `${modelFile}: logits "${name}" have ${output.shape[1]} columns but candidate class ${last} was asked for`,
      { file: modelFile, field: "candidateClasses", value: last },
    );
  }
  return keepRows(output, keep);
}

/** `rounds` runs on a zero input of one batch, so the first real batch is not the slow one. */
async function warmUp(ctx: Context, rounds: number): Promise<void> {
  if (rounds <= 0) return;
  const { configFile, opts } = ctx.loaded;
  const dims = inputSizes(ctx);
  const missing = ["frames", "joints", "persons"].filter((_, i) => dims[i] === undefined);
  if (missing.length > 0) {
    throw new ValueError(
      `${configFile}: warm-up needs the input's ${missing.join(", ")}; set input.${missing[0]} in the config (the graph leaves it symbolic) or pass warmup: 0`,
      { file: configFile, field: `input.${missing[0]}` },
    );
  }
  const [frames, joints, persons] = dims as [number, number, number];
  const n = ctx.signature.staticBatch ?? opts.batchSize;
  const zerosInput = {
    data: new Float32Array(n * 3 * frames * joints * persons),
    shape: [n, 3, frames, joints, persons],
  };
  for (let round = 0; round < rounds; round++) await runBatch(ctx, zerosInput);
}

function keepRows(t: Tensor, rows: number): Tensor {
  if (t.shape[0] === rows) return t;
  const rowSize = t.data.length / t.shape[0]!;
  return { data: t.data.slice(0, rows * rowSize), shape: [rows, ...t.shape.slice(1)] };
}

function concatRows(parts: Tensor[]): Tensor {
  if (parts.length === 1) return parts[0]!;
  let rows = 0;
  let length = 0;
  for (const part of parts) {
    rows += part.shape[0]!;
    length += part.data.length;
  }
  const data = new Float32Array(length);
  let offset = 0;
  for (const part of parts) {
    data.set(part.data, offset);
    offset += part.data.length;
  }
  return { data, shape: [rows, ...parts[0]!.shape.slice(1)] };
}
