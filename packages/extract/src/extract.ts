/**
 * `extractBundle`: runs a backbone (through the registry) over the samples of
 * a dataset and writes a bundle (logits + feature volumes F, or only the
 * eight descriptors). The bundle is written in chunks with a journal —
 * running the same extraction again resumes it — on worker threads, and can
 * be cut into shards (`shard: { index, count }`, joined by
 * `mergeBundleShards` of @skeleton-cache/bundle). No console: progress goes
 * through `onProgress`, failures are thrown as typed errors.
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { pathToFileURL } from "node:url";
import type { Backbone } from "@skeleton-cache/backbone";
import {
  type ChunkedBundleWriter,
  openChunkedBundle,
  readBundleDir,
  writeBundle,
} from "@skeleton-cache/bundle";
import type { SkeletonDataset } from "@skeleton-cache/datasets";
import { InterruptedError, ValueError } from "@skeleton-cache/errors";
import { openNpy, readNpy, toIntArray } from "@skeleton-cache/formats";
import { importPlugin } from "@skeleton-cache/registry";
import type { StreamKind } from "@skeleton-cache/skeleton";
import type { Tensor } from "@skeleton-cache/tensor";
import { type EncodeOutput, encodeChunk, prepareChunk } from "./encode.js";
import type { InitMessage } from "./messages.js";
import { backboneConfigOf, openBackbone } from "./open-backbone.js";
import { type ExtractOptions, type ExtractOptionsInput, parseExtractOptions } from "./options.js";
import {
  datasetSpec,
  extractionMeta,
  extractionSettings,
  openDataset,
  planPreprocessing,
  planSamples,
  requestedClasses,
  sampleOrderOf,
} from "./plan.js";
import { runPool, startWorkers, type WorkerSet } from "./pool.js";
import { schedulerJobId } from "./shard.js";

export interface ExtractResult {
  readonly out: string;
  readonly numSamples: number;
  readonly numClasses: number;
  readonly classIds: number[];
  /** What the bundle holds per sample: F or the descriptors. */
  readonly kind: StreamKind;
  readonly shape: number[];
  /** Chunks found finished from an earlier run (resumed), of `chunks`. */
  readonly keptChunks: number;
  readonly chunks: number;
  /** "new", "resumed", or "finished" (the bundle was already complete: nothing was run). */
  readonly state: "new" | "resumed" | "finished";
  /** The write lock of an earlier run whose process was gone (killed), which this run took over. */
  readonly lockTakenOver?: { readonly host: string; readonly pid: number; readonly job?: string };
}

/** Where an extraction stands: sent once before the first chunk runs, then after each chunk is written. */
export interface ExtractProgress {
  /** Samples this run writes (this part's, with a shard). */
  readonly total: number;
  /** Samples written, those kept from an earlier run included. */
  readonly done: number;
  /** Samples kept from an earlier run (counted in `done`). */
  readonly kept: number;
  readonly chunks: number;
  /** Chunks written, those kept from an earlier run included. */
  readonly chunksDone: number;
  /** Chunks kept from an earlier run. */
  readonly keptChunks: number;
}

/** How a caller follows and steers an extraction. */
export interface ExtractRun {
  readonly onProgress?: (progress: ExtractProgress) => void;
  /**
   * Aborting stops the run once each worker's chunk in hand is done (a model
   * run is not cut short); finished chunks are kept and an InterruptedError
   * says how many.
   */
  readonly signal?: AbortSignal;
  /**
   * Modules that register backbone adapters or dataset readers (URLs,
   * absolute paths or package names), imported on this thread and in every
   * worker thread before the backbone opens: a worker has its own registry.
   * E.g. `import.meta.resolve("@skeleton-cache/backbone-onnx")` for the
   * "onnx" adapter. (`options.backboneModule` / `datasetModule`, a user's
   * plug-in, are imported the same way, and refused when they register nothing.)
   */
  readonly pluginModules?: readonly string[];
  /**
   * The scheduler's id of this run, recorded in the output folder's write
   * lock (a second run writing the same folder is refused, naming it).
   * Default: `schedulerJobId(process.env)` (Slurm's `<array job>_<task>`).
   */
  readonly job?: string;
}

/** A module named in `pluginModules`, as workers import it: a URL, or a package name. */
function moduleUrl(spec: string): string {
  return spec.startsWith(".") || path.isAbsolute(spec) ? pathToFileURL(path.resolve(spec)).href : spec;
}

/**
 * Imports the plug-in modules on this thread; returns what every worker imports
 * too. A user's --backbone-module / --dataset-module goes through the
 * registry's importPlugin: one that cannot be imported, or registers nothing,
 * is refused saying what it must resolve and how.
 */
async function importPluginModules(options: ExtractOptions, run: ExtractRun): Promise<string[]> {
  const modules: string[] = [];
  for (const spec of run.pluginModules ?? []) {
    const url = moduleUrl(spec);
    try {
      await import(url);
    } catch (error) {
      throw new ValueError(
        `pluginModules: cannot import ${spec} (${(error as Error).message.split("\n")[0]})`,
        {
          field: "pluginModules",
          value: spec,
        },
      );
    }
    modules.push(url);
  }
  const plugins = [
    { spec: options.backboneModule, flag: "--backbone-module", kind: "backbone" },
    { spec: options.datasetModule, flag: "--dataset-module", kind: "dataset" },
  ];
  for (const { spec, flag, kind } of plugins)
    if (spec !== undefined) modules.push((await importPlugin(spec, { flag, kind })).url);
  return modules;
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

/**
 * Runs the backbone over the split's samples and writes (or resumes, or
 * finds finished) the bundle at `options.out`: a directory, or a .npz /
 * .safetensors file (chunks go to `<out>.partial` until the end). Chunks
 * run on worker threads (`workers`, default one per core; `parallel`:
 * "sessions" or "preprocess") and finish in any order; the bytes written do
 * not depend on how many workers ran, nor on interruptions and resumes.
 */
export async function extractBundle(
  input: ExtractOptionsInput,
  run: ExtractRun = {},
): Promise<ExtractResult> {
  const options = parseExtractOptions(input as Record<string, unknown>);
  const { dir, file } = workDirOf(options);
  const classes = requestedClasses(options); // bad input is refused before any worker starts
  // Workers start now: their modules load while this thread opens the model and lists the data.
  const cores = os.availableParallelism();
  const wanted = options.workers ?? (options.parallel === "preprocess" ? Math.max(1, cores - 1) : cores);
  let early: WorkerSet | null = wanted > 0 ? startWorkers(wanted) : null;
  try {
    return await extractWith(options, run, {
      classes,
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
  run: ExtractRun,
  target: {
    readonly classes: number[] | undefined;
    readonly dir: string;
    readonly file: boolean;
    /** One single-thread session per worker (and on the main thread while they start). */
    readonly sessions: boolean;
    readonly early: () => WorkerSet | null;
  },
): Promise<ExtractResult> {
  const { dir, file } = target;
  const modules = await importPluginModules(options, run);
  const config = backboneConfigOf(options, target.classes);
  // onnx in sessions mode: one intra-op thread per session (the workers' sessions fill the cores).
  if (target.sessions && options.backbone === "onnx" && config.threads === undefined) config.threads = 1;
  let backbone: Backbone<Tensor> | null = await openBackbone(options, config);
  try {
    const classIds = [...backbone.candidateClasses];
    const spec = datasetSpec(options);
    const dataset = openDataset(spec); // listed once; the main thread's chunks read through it too
    const plan = planSamples(dataset, classIds, { ...options, order: sampleOrderOf(options) });
    const preprocessing = planPreprocessing(options, backbone);
    const layout = dataset.layout.id;
    const meta = extractionMeta({ options, backbone, preprocessing, layout, plan });
    const settings = extractionSettings(meta, classIds);
    const writer = openExtractionBundle(dir, {
      settings,
      samples: plan.samples.length,
      chunkSize: options.chunkSize,
      job: run.job ?? schedulerJobId(process.env),
    });
    const state = writer.state;
    const keptChunks = writer.doneCount();
    if (state !== "finished") {
      const output: EncodeOutput = { kind: options.descriptorsOnly ? "descriptors" : "features", layout };
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
        onProgress: run.onProgress,
        signal: run.signal,
      });
      writer.finish({ labels: plan.labels, classIds: Int32Array.from(classIds), meta });
    }
    const kind: StreamKind = options.descriptorsOnly ? "descriptors" : "features";
    const shape = file && state === "finished" ? [] : npyShape(path.join(dir, `${kind}.npy`));
    if (file) {
      writeBundle(options.out, readBundleDir(dir));
      fs.rmSync(dir, { recursive: true, force: true });
    }
    return {
      out: options.out,
      numSamples: plan.samples.length,
      numClasses: classIds.length,
      classIds,
      kind,
      shape,
      keptChunks,
      chunks: writer.chunks,
      state,
      ...(writer.takenOver ? { lockTakenOver: writer.takenOver } : {}),
    };
  } finally {
    await backbone?.close();
  }
}

/** The output folder as a chunked bundle of an extraction (new, resumed, or finished with the same settings). */
function openExtractionBundle(
  dir: string,
  bundle: { settings: Record<string, unknown>; samples: number; chunkSize: number; job: string | undefined },
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
  readonly onProgress: ExtractRun["onProgress"];
  readonly signal: AbortSignal | undefined;
}

/**
 * Runs the pending chunks (inline, or on worker threads) and writes each as it
 * finishes. Returns the main thread's backbone (still open).
 */
async function runChunks(run: ChunkRun): Promise<Backbone<Tensor> | null> {
  const { options, writer, plan, dataset, init, onProgress, signal } = run;
  const pending = writer.pending();
  const total = plan.samples.length;
  const kept = total - pending.reduce((sum, k) => sum + (writer.range(k)[1] - writer.range(k)[0]), 0);
  const keptChunks = writer.chunks - pending.length;
  let done = kept;
  let chunksDone = keptChunks;
  const report = () => onProgress?.({ total, done, kept, chunks: writer.chunks, chunksDone, keptChunks });
  const names = (k: number) => plan.samples.slice(...writer.range(k)).map((info) => info.name);
  const write = (k: number, chunk: Parameters<ChunkedBundleWriter["writeChunk"]>[1]) => {
    writer.writeChunk(k, chunk);
    const [start, end] = writer.range(k);
    done += end - start;
    chunksDone++;
    report();
  };
  report();
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
        // The workers open the adapter that was asked for (its instance may name itself otherwise); "auto" there resolves as here.
        init: {
          ...init,
          backbone: {
            name: options.backbone === "auto" ? run.backbone.name : options.backbone,
            config: run.config,
          },
        },
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
    const stopped = error instanceof InterruptedError || signal?.aborted;
    if (!stopped) {
      // On record in the journal: a merge of this part says why it is unfinished.
      const file = (error as { details?: { file?: unknown } }).details?.file;
      writer.recordFailure({
        message: (error as Error).message ?? String(error),
        ...(typeof file === "string" ? { file } : {}),
      });
    }
    writer.close();
    if (stopped) throw interrupted(writer, plan.samples.length);
    // A bundle this run created with no chunk finished holds nothing to resume: leave no folder behind
    // (but a shard part's stays, its journal saying why, for the merge of its set to report).
    if (writer.state === "new" && writer.doneCount() === 0 && !options.shard)
      fs.rmSync(writer.dir, { recursive: true, force: true });
    throw error;
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
