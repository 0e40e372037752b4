/**
 * `skc extract`: runs a backbone (through the registry) over the samples of a
 * dataset and writes a bundle (logits + feature volumes F, or only the eight
 * descriptors), ready for `skc eval`. The bundle is written in chunks with a
 * journal — rerunning the same command resumes it — on every core, and can
 * be cut into shards (`--shard i/n`, joined by `skc bundle merge`).
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { type Backbone, createBackbone, resolveBackbone } from "@skeleton-cache/backbone";
import {
  type ChunkedBundleWriter,
  openChunkedBundle,
  readBundleDir,
  writeBundle,
} from "@skeleton-cache/bundle";
import type { SkeletonDataset } from "@skeleton-cache/datasets";
import { InterruptedError, ValueError } from "@skeleton-cache/errors";
import { openNpy, readJsonFile, readNpy, readTextFile, toIntArray } from "@skeleton-cache/formats";
import type { Tensor } from "@skeleton-cache/tensor";
import YAML from "yaml";
import { encodeChunk, prepareChunk } from "./extract/chunk.js";
import type { InitMessage } from "./extract/messages.js";
import type { ExtractOptions } from "./extract/options.js";
import {
  datasetSpec,
  extractionMeta,
  extractionSettings,
  openDataset,
  planPreprocessing,
  planSamples,
  requestedClasses,
} from "./extract/plan.js";
import { runPool, startWorkers, type WorkerSet } from "./extract/pool.js";
import type { Progress } from "./progress.js";

export type { ExtractOptions, ExtractOptionsInput } from "./extract/options.js";
export {
  EXTRACT_DATASETS,
  ExtractOptionsSchema,
  PARALLEL_MODES,
  parseExtractOptions,
} from "./extract/options.js";

export interface ExtractResult {
  readonly out: string;
  readonly numSamples: number;
  readonly numClasses: number;
  readonly classIds: number[];
  readonly stored: "features" | "descriptors";
  readonly shape: number[];
  /** Chunks found finished from an earlier run (resumed), of `chunks`. */
  readonly keptChunks: number;
  readonly chunks: number;
  /** "new", "resumed", or "finished" (the bundle was already complete: nothing was run). */
  readonly state: "new" | "resumed" | "finished";
}

/**
 * Imports a module that registers adapters (`--backbone-module`): a file path
 * (relative to the working directory) or a package name. Returns its URL or
 * specifier, for the workers to import too.
 */
async function importAdapterModule(spec: string): Promise<string> {
  const target =
    spec.startsWith(".") || path.isAbsolute(spec) ? pathToFileURL(path.resolve(spec)).href : spec;
  try {
    await import(target);
  } catch (error) {
    throw new ValueError(
      `--backbone-module: cannot import ${spec} (${(error as Error).message.split("\n")[0]})`,
      {
        field: "backboneModule",
        value: spec,
      },
    );
  }
  return target;
}

/** Config keys whose relative paths, in a --backbone-config file, are relative to that file. */
const PATH_KEYS = ["model", "config", "classEmbeddings", "bundle"];

/** Reads a --backbone-config file (JSON, or YAML by extension). */
function readBackboneConfigFile(file: string): Record<string, unknown> {
  const value = /\.ya?ml$/i.test(file)
    ? YAML.parse(readTextFile(file, "backbone config"))
    : readJsonFile(file, "backbone config");
  if (typeof value !== "object" || value === null || Array.isArray(value))
    throw new ValueError(`${file}: a backbone config is an object of the adapter's fields`, {
      file,
      field: "(root)",
    });
  const config = { ...(value as Record<string, unknown>) };
  for (const key of PATH_KEYS) {
    const entry = config[key];
    if (typeof entry === "string" && !path.isAbsolute(entry) && !/^[a-z]+:\/\//.test(entry))
      config[key] = path.resolve(path.dirname(file), entry);
  }
  return config;
}

/** The adapter config: the file's fields, then --model / --model-config, candidate classes and batch size. */
function backboneConfigOf(options: ExtractOptions, classes: number[] | undefined): Record<string, unknown> {
  const config = options.backboneConfig ? readBackboneConfigFile(options.backboneConfig) : {};
  if (options.model !== undefined) config.model = options.model;
  if (options.modelConfig !== undefined) config.config = options.modelConfig;
  if (classes) config.candidateClasses = classes;
  config.batchSize = options.batchSize;
  return config;
}

async function openBackbone(
  options: ExtractOptions,
  config: Record<string, unknown>,
): Promise<Backbone<Tensor>> {
  // onnxruntime loads here, not when the CLI starts (skc --help and skc eval on a bundle never need it).
  await import("@skeleton-cache/backbone-onnx"); // registers "onnx"
  const source = options.backboneConfig;
  if (options.backbone === "onnx" && config.model === undefined)
    throw new ValueError(
      "extract with the onnx backbone needs --model FILE.onnx (or model in --backbone-config)",
      {
        field: "model",
      },
    );
  return options.backbone === "auto"
    ? resolveBackbone<Tensor>(config, source ? { source } : {})
    : createBackbone<Tensor>(options.backbone, config, source ? { source } : {});
}

function readClassIds(dir: string): number[] | undefined {
  const file = path.join(dir, "class_ids.npy");
  return fs.existsSync(file) ? Array.from(toIntArray(readNpy(file))) : undefined;
}

/** Where the chunks go: the bundle directory, or a work folder beside a .npz / .safetensors target. */
function workDirOf(options: ExtractOptions): { dir: string; file: boolean } {
  const file = /\.(npz|safetensors)$/i.test(options.out);
  if (file && options.shard)
    throw new ValueError(
      `--out: a shard part is a directory (got ${options.out}); skc bundle merge joins the parts`,
      {
        field: "out",
        value: options.out,
      },
    );
  return { dir: file ? `${options.out}.partial` : options.out, file };
}

/** Runs the backbone over the split's samples and writes (or resumes) the bundle. */
export async function runExtract(
  options: ExtractOptions,
  progress: Progress,
  control: { readonly signal?: AbortSignal } = {},
): Promise<ExtractResult> {
  const { dir, file } = workDirOf(options);
  // Workers start now: their modules load while this thread opens the model and lists the data.
  const cores = os.availableParallelism();
  const wanted = options.workers ?? (options.parallel === "preprocess" ? Math.max(1, cores - 1) : cores);
  let early: WorkerSet | null = wanted > 0 ? startWorkers(wanted) : null;
  try {
    return await extractWith(options, progress, control, {
      dir,
      file,
      sessions: options.parallel === "sessions" && wanted > 0,
      early: () => {
        const set = early;
        early = null;
        return set;
      },
    });
  } finally {
    await early?.dispose();
  }
}

async function extractWith(
  options: ExtractOptions,
  progress: Progress,
  control: { readonly signal?: AbortSignal },
  target: {
    readonly dir: string;
    readonly file: boolean;
    /** One single-thread session per worker (and on the main thread while they start). */
    readonly sessions: boolean;
    readonly early: () => WorkerSet | null;
  },
): Promise<ExtractResult> {
  const { dir, file } = target;
  const modules = options.backboneModule ? [await importAdapterModule(options.backboneModule)] : [];
  const classes = requestedClasses(options);
  const config = backboneConfigOf(options, classes);
  // onnx in sessions mode: one intra-op thread per session (the workers' sessions fill the cores).
  if (target.sessions && options.backbone === "onnx" && config.threads === undefined) config.threads = 1;
  let backbone: Backbone<Tensor> | null = await openBackbone(options, config);
  try {
    const classIds = [...backbone.candidateClasses];
    const spec = datasetSpec(options);
    const dataset = openDataset(spec); // listed once; the main thread's chunks read through it too
    const plan = planSamples(dataset, classIds, options);
    const preprocessing = planPreprocessing(options, backbone);
    const layout = dataset.layout.id;
    const meta = extractionMeta({ options, backbone, preprocessing, layout, plan });
    const settings = extractionSettings(meta, classIds);
    const writer = openExtractionBundle(dir, {
      settings,
      samples: plan.samples.length,
      chunkSize: options.chunkSize,
    });
    const state = writer.state;
    const keptChunks = writer.doneCount();
    if (state !== "finished") {
      const output = { descriptorsOnly: options.descriptorsOnly, layout };
      const init: InitMessage = {
        type: "init",
        modules,
        dataset: spec,
        preprocessing,
        output,
      };
      backbone = await runChunks({
        workers: target.early,
        options,
        writer,
        plan,
        dataset,
        backbone,
        config,
        init,
        progress,
        signal: control.signal,
      });
      writer.finish({ labels: plan.labels, classIds: Int32Array.from(classIds), meta });
    }
    const stored = options.descriptorsOnly ? "descriptors" : "features";
    const shape = file && state === "finished" ? [] : npyShape(path.join(dir, `${stored}.npy`));
    if (file) {
      writeBundle(options.out, readBundleDir(dir));
      fs.rmSync(dir, { recursive: true, force: true });
    }
    return {
      out: options.out,
      numSamples: plan.samples.length,
      numClasses: classIds.length,
      classIds,
      stored,
      shape,
      keptChunks,
      chunks: writer.chunks,
      state,
    };
  } finally {
    await backbone?.close();
  }
}

/** The output folder as a chunked bundle of `skc extract` (new, resumed, or finished with the same settings). */
function openExtractionBundle(
  dir: string,
  bundle: { settings: Record<string, unknown>; samples: number; chunkSize: number },
): ChunkedBundleWriter {
  return openChunkedBundle(
    dir,
    { writer: "skc extract", ...bundle },
    {
      settingsOf: (recorded) =>
        recorded.source === "skc extract" ? extractionSettings(recorded, readClassIds(dir) ?? []) : undefined,
    },
  );
}

function npyShape(file: string): number[] {
  const npy = openNpy(file);
  npy.close();
  return [...npy.shape];
}

interface ChunkRun {
  /** Takes the workers started early (null: run on the main thread). */
  readonly workers: () => WorkerSet | null;
  readonly options: ExtractOptions;
  readonly writer: ChunkedBundleWriter;
  readonly plan: ReturnType<typeof planSamples>;
  /** The dataset the plan was made from (the main thread reads its chunks through it; workers open their own). */
  readonly dataset: SkeletonDataset;
  readonly backbone: Backbone<Tensor>;
  readonly config: Record<string, unknown>;
  readonly init: InitMessage;
  readonly progress: Progress;
  readonly signal: AbortSignal | undefined;
}

/**
 * Runs the pending chunks (inline, or on worker threads) and writes each as it
 * finishes. Returns the main thread's backbone (still open).
 */
async function runChunks(run: ChunkRun): Promise<Backbone<Tensor> | null> {
  const { options, writer, plan, dataset, init, progress, signal } = run;
  const pending = writer.pending();
  const total = plan.samples.length;
  const doneSamples = total - pending.reduce((sum, k) => sum + (writer.range(k)[1] - writer.range(k)[0]), 0);
  const names = (k: number) => plan.samples.slice(...writer.range(k)).map((info) => info.name);
  const write = (k: number, chunk: Parameters<ChunkedBundleWriter["writeChunk"]>[1]) => {
    writer.writeChunk(k, chunk);
    const [start, end] = writer.range(k);
    progress.tick(end - start);
  };
  progress.start(total, "extract", "samples", { initial: doneSamples, rate: true });
  try {
    const workers = pending.length > 0 ? run.workers() : null;
    if (!workers) {
      for (const k of pending) {
        if (signal?.aborted) throw signal.reason;
        write(
          k,
          await encodeChunk(run.backbone, prepareChunk(dataset, names(k), init.preprocessing), init.output),
        );
      }
      return run.backbone;
    }
    const controller = new AbortController();
    signal?.addEventListener("abort", () => controller.abort(signal.reason), { once: true });
    if (options.parallel === "sessions") {
      // The main thread encodes chunks with its own session until a worker is ready.
      await runPool({
        workers,
        init: { ...init, backbone: { name: run.backbone.name, config: run.config } },
        chunks: pending,
        names,
        onChunk: write,
        inline: (k) =>
          encodeChunk(run.backbone, prepareChunk(dataset, names(k), init.preprocessing), init.output),
        signal: controller.signal,
      });
      return run.backbone;
    }
    await runPool({
      workers,
      init,
      chunks: pending,
      names,
      onChunk: write,
      encode: (prepared) => encodeChunk(run.backbone, prepared, init.output),
      signal: controller.signal,
    });
    return run.backbone;
  } catch (error) {
    writer.close();
    if (error instanceof InterruptedError || signal?.aborted) throw interrupted(writer, plan.samples.length);
    // A bundle this run created with no chunk finished holds nothing to resume: leave no folder behind.
    if (writer.state === "new" && writer.doneCount() === 0)
      fs.rmSync(writer.dir, { recursive: true, force: true });
    throw error;
  } finally {
    progress.stop();
  }
}

function interrupted(writer: ChunkedBundleWriter, samples: number): InterruptedError {
  const kept = writer.chunks - writer.pending().length;
  const keptSamples =
    samples - writer.pending().reduce((sum, k) => sum + writer.range(k)[1] - writer.range(k)[0], 0);
  return new InterruptedError(
    `interrupted: ${kept} of ${writer.chunks} chunks (${keptSamples} of ${samples} samples) are kept in ${writer.dir}; rerun the same command to continue`,
    { file: writer.dir, value: kept, expected: writer.chunks },
  );
}
