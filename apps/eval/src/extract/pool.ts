/**
 * Runs the chunks of an extraction on worker threads. Two ways to use the
 * cores (measured in `pnpm bench`, section extract):
 *
 * - "sessions": each worker parses, preprocesses and runs its own
 *   single-thread model; the main thread only writes.
 * - "preprocess": workers parse and preprocess; the main thread runs one
 *   model session (onnxruntime's own threads) on what they prepared.
 *
 * Chunks finish in any order; `onChunk` (the writer) gets each as it comes.
 * The first error, or an abort, stops every worker once its current chunk is
 * done (a model run cannot be cut short safely); then the pool settles.
 */
import fs from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { Worker } from "node:worker_threads";
import type { BundleChunk } from "@skeleton-cache/bundle";
import type { PreparedChunk } from "./chunk.js";
import {
  type ChunkMessage,
  type InitMessage,
  rebuildError,
  type StopMessage,
  type WorkerReply,
} from "./messages.js";

/**
 * The parent's Node flags for a compiled worker, without those that point
 * module resolution at TypeScript sources (a compiled worker must load the
 * compiled packages).
 */
function compiledExecArgv(): string[] {
  const out: string[] = [];
  const args = process.execArgv;
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    if (
      arg === "--conditions" ||
      arg === "-C" ||
      ((arg === "--import" || arg === "--loader") && /tsx/.test(args[i + 1] ?? ""))
    ) {
      i++;
      continue;
    }
    if (arg.startsWith("--conditions=") || /^--(import|loader)=.*tsx/.test(arg)) continue;
    out.push(arg);
  }
  return out;
}

/** Starts a worker on the compiled worker, or on its TypeScript source (tests, tsx) through tsx. */
function spawnWorker(): Worker {
  const here = import.meta.url;
  if (!here.endsWith(".ts")) {
    try {
      return new Worker(new URL("./worker.js", here), { execArgv: compiledExecArgv() });
    } catch (error) {
      // A process-wide flag of the parent (e.g. --stack-trace-limit) is not allowed in a worker: start it without.
      if ((error as { code?: string }).code !== "ERR_WORKER_INVALID_EXEC_ARGV") throw error;
      return new Worker(new URL("./worker.js", here), { execArgv: [] });
    }
  }
  const entry = new URL("./worker.ts", here).href;
  // tsx's ESM entry (package exports "./esm/api" → import), found from its package.json.
  const manifest = createRequire(here).resolve("tsx/package.json");
  const exportsMap = JSON.parse(fs.readFileSync(manifest, "utf8")).exports["./esm/api"].import
    .default as string;
  const tsx = pathToFileURL(path.join(path.dirname(manifest), exportsMap)).href;
  return new Worker(
    `import(${JSON.stringify(tsx)}).then((m) => { m.register(); return import(${JSON.stringify(entry)}); });`,
    { eval: true, execArgv: ["--conditions=@skc/source"] },
  );
}

/** Worker threads started ahead of the work (their modules load while the main thread plans). */
export interface WorkerSet {
  readonly workers: readonly Worker[];
  /** Ends workers that will not be used (before any work was sent: nothing is running). */
  dispose(): Promise<void>;
}

/** Starts `count` extraction workers now; `runPool` sends them the work later. */
export function startWorkers(count: number): WorkerSet {
  const workers = Array.from({ length: count }, () => spawnWorker());
  const exited = workers.map((worker) => new Promise<void>((done) => worker.once("exit", () => done())));
  return {
    workers,
    async dispose() {
      // "stop" rather than terminate: a worker still loading its native modules ends cleanly once loaded.
      const stop: StopMessage = { type: "stop" };
      for (const worker of workers) worker.postMessage(stop);
      await Promise.all(exited);
    },
  };
}

export interface PoolOptions {
  /** Workers from `startWorkers`; extra ones (more than chunks) are stopped unused. */
  readonly workers: WorkerSet;
  readonly init: InitMessage;
  /** Chunks to run, in dispatch order. */
  readonly chunks: readonly number[];
  readonly names: (k: number) => readonly string[];
  /** Writes a finished chunk (called on the main thread, one at a time). */
  readonly onChunk: (k: number, chunk: BundleChunk) => void;
  /**
   * Sessions mode: encodes a chunk on the main thread's session; used while no
   * worker is ready yet (their start-up — modules, model, first runs — is hidden).
   */
  readonly inline?: (k: number) => Promise<BundleChunk>;
  /** Preprocess mode: encodes what a worker prepared, on the main thread's session. */
  readonly encode?: (prepared: PreparedChunk) => Promise<BundleChunk>;
  readonly signal: AbortSignal;
}

/** Runs every chunk; resolves when all are written, rejects on the first error or on abort. */
export function runPool(options: PoolOptions): Promise<void> {
  const workers: Worker[] = [];
  const queue = [...options.chunks];
  const prepared: { k: number; prepared: PreparedChunk }[] = [];
  let outstanding = 0;
  /** Chunks sent to each worker and not answered: up to DEPTH, so a worker never waits for the main thread. */
  const inFlight = new Map<Worker, number>();
  const DEPTH = 2;
  let encoding = false;
  let settled = false;

  return new Promise<void>((resolve, reject) => {
    const exited = new Map<Worker, Promise<void>>();
    const finish = (error?: unknown) => {
      if (settled) return;
      settled = true;
      options.signal.removeEventListener("abort", onAbort);
      // Stop every worker gently and wait: terminating one while its model runs would abort the process.
      const stop: StopMessage = { type: "stop" };
      for (const worker of workers) worker.postMessage(stop);
      Promise.all(exited.values()).then(() => (error ? reject(error) : resolve()));
    };
    const onAbort = () => finish(options.signal.reason);
    options.signal.addEventListener("abort", onAbort);

    const maybeDone = () => {
      if (!settled && queue.length === 0 && outstanding === 0 && prepared.length === 0 && !encoding) finish();
    };
    // The main thread takes chunks while no worker is ready, one at a time.
    const runInline = () => {
      if (!options.inline || settled || queue.length === 0 || ready.size > 0) return;
      const k = queue.shift()!;
      outstanding++;
      // A synchronous throw (a file that does not parse) becomes a rejection, so finish() stops the workers.
      new Promise<BundleChunk>((done) => done(options.inline!(k))).then(
        (chunk) => {
          outstanding--;
          if (settled) return;
          try {
            options.onChunk(k, chunk);
          } catch (error) {
            finish(error);
            return;
          }
          runInline();
          maybeDone();
        },
        (error: unknown) => finish(error),
      );
    };
    // Preprocess mode keeps at most workers + 1 prepared chunks waiting for the session.
    const canDispatch = () => !options.encode || prepared.length <= workers.length;
    const dispatch = (worker: Worker) => {
      if (settled || queue.length === 0 || !canDispatch() || (inFlight.get(worker) ?? 0) >= DEPTH)
        return false;
      const k = queue.shift()!;
      outstanding++;
      inFlight.set(worker, (inFlight.get(worker) ?? 0) + 1);
      const message: ChunkMessage = { type: "chunk", k, names: options.names(k) };
      worker.postMessage(message);
      return true;
    };
    const ready = new Set<Worker>();
    const fill = (worker: Worker) => {
      while (dispatch(worker));
    };
    const pump = () => {
      for (const worker of ready) fill(worker);
    };
    const encodeNext = () => {
      if (encoding || settled || prepared.length === 0) return;
      const next = prepared.shift()!;
      encoding = true;
      pump();
      new Promise<BundleChunk>((done) => done(options.encode!(next.prepared))).then(
        (chunk) => {
          encoding = false;
          if (settled) return;
          try {
            options.onChunk(next.k, chunk);
          } catch (error) {
            finish(error);
            return;
          }
          pump();
          encodeNext();
          maybeDone();
        },
        (error: unknown) => finish(error),
      );
    };
    const onReply = (worker: Worker, message: WorkerReply) => {
      if (settled) return;
      if (message.type === "error") return finish(rebuildError(message.error));
      if (message.type === "ready") {
        ready.add(worker);
        fill(worker);
        return maybeDone();
      }
      outstanding--;
      inFlight.set(worker, inFlight.get(worker)! - 1);
      fill(worker); // the next chunk first: the worker keeps busy while this one is written
      if (message.type === "encoded") {
        try {
          options.onChunk(message.k, message.chunk);
        } catch (error) {
          return finish(error);
        }
      } else {
        prepared.push({ k: message.k, prepared: message.prepared });
        encodeNext();
      }
      maybeDone();
    };

    for (const worker of options.workers.workers) {
      workers.push(worker);
      exited.set(worker, new Promise((done) => worker.once("exit", () => done())));
      worker.on("message", (message: WorkerReply) => onReply(worker, message));
      worker.on("error", (error) => finish(error));
      worker.on("exit", (code) => {
        if (!settled && code !== 0) finish(new Error(`an extraction worker exited with code ${code}`));
      });
      worker.postMessage(options.init);
    }
    runInline();
    maybeDone();
  });
}
