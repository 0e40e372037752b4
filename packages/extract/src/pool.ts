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
import type { PreparedChunk } from "./encode.js";
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
  return new Promise<void>((resolve, reject) => new Pool(options, resolve, reject).start());
}

/** Chunks sent to one worker and not answered: up to this many, so a worker never waits for the main thread. */
const DEPTH = 2;

/** The state of one `runPool` call: what is queued, in flight, prepared, and who is ready. */
class Pool {
  private readonly workers: Worker[] = [];
  private readonly exited = new Map<Worker, Promise<void>>();
  private readonly ready = new Set<Worker>();
  private readonly queue: number[];
  /** Preprocess mode: chunks prepared by workers, waiting for the main thread's session. */
  private readonly prepared: { k: number; prepared: PreparedChunk }[] = [];
  private readonly inFlight = new Map<Worker, number>();
  /** Chunks taken from the queue and not yet answered (workers or inline). */
  private outstanding = 0;
  private encoding = false;
  private settled = false;
  private readonly onAbort = () => this.finish(this.options.signal.reason);

  constructor(
    private readonly options: PoolOptions,
    private readonly resolve: () => void,
    private readonly reject: (error: unknown) => void,
  ) {
    this.queue = [...options.chunks];
  }

  start(): void {
    this.options.signal.addEventListener("abort", this.onAbort);
    for (const worker of this.options.workers.workers) {
      this.workers.push(worker);
      this.exited.set(worker, new Promise((done) => worker.once("exit", () => done())));
      worker.on("message", (message: WorkerReply) => this.onReply(worker, message));
      worker.on("error", (error) => this.finish(error));
      worker.on("exit", (code) => {
        if (!this.settled && code !== 0)
          this.finish(new Error(`an extraction worker exited with code ${code}`));
      });
      worker.postMessage(this.options.init);
    }
    this.runInline();
    this.maybeDone();
  }

  /** Settles once: stops every worker gently and waits (terminating one while its model runs would abort the process). */
  private finish(error?: unknown): void {
    if (this.settled) return;
    this.settled = true;
    this.options.signal.removeEventListener("abort", this.onAbort);
    const stop: StopMessage = { type: "stop" };
    for (const worker of this.workers) worker.postMessage(stop);
    Promise.all(this.exited.values()).then(() => (error ? this.reject(error) : this.resolve()));
  }

  private maybeDone(): void {
    const idle =
      this.queue.length === 0 && this.outstanding === 0 && this.prepared.length === 0 && !this.encoding;
    if (!this.settled && idle) this.finish();
  }

  /** Hands a finished chunk to the writer; false (and the pool settled) when the writer throws. */
  private write(k: number, chunk: BundleChunk): boolean {
    try {
      this.options.onChunk(k, chunk);
      return true;
    } catch (error) {
      this.finish(error);
      return false;
    }
  }

  /** Sessions mode: the main thread takes chunks while no worker is ready, one at a time. */
  private runInline(): void {
    const { inline } = this.options;
    if (!inline || this.settled || this.queue.length === 0 || this.ready.size > 0) return;
    const k = this.queue.shift()!;
    this.outstanding++;
    // A synchronous throw (a file that does not parse) becomes a rejection, so finish() stops the workers.
    new Promise<BundleChunk>((done) => done(inline(k))).then(
      (chunk) => {
        this.outstanding--;
        if (this.settled || !this.write(k, chunk)) return;
        this.runInline();
        this.maybeDone();
      },
      (error: unknown) => this.finish(error),
    );
  }

  /** Sends the next chunk to `worker`; preprocess mode keeps at most workers + 1 prepared chunks waiting. */
  private dispatch(worker: Worker): boolean {
    const canDispatch = !this.options.encode || this.prepared.length <= this.workers.length;
    const depth = this.inFlight.get(worker) ?? 0;
    if (this.settled || this.queue.length === 0 || !canDispatch || depth >= DEPTH) return false;
    const k = this.queue.shift()!;
    this.outstanding++;
    this.inFlight.set(worker, depth + 1);
    const message: ChunkMessage = { type: "chunk", k, names: this.options.names(k) };
    worker.postMessage(message);
    return true;
  }

  private fill(worker: Worker): void {
    while (this.dispatch(worker));
  }

  private pump(): void {
    for (const worker of this.ready) this.fill(worker);
  }

  /** Preprocess mode: encodes the next prepared chunk on the main thread's session. */
  private encodeNext(): void {
    const { encode } = this.options;
    if (!encode || this.encoding || this.settled || this.prepared.length === 0) return;
    const next = this.prepared.shift()!;
    this.encoding = true;
    this.pump();
    new Promise<BundleChunk>((done) => done(encode(next.prepared))).then(
      (chunk) => {
        this.encoding = false;
        if (this.settled || !this.write(next.k, chunk)) return;
        this.pump();
        this.encodeNext();
        this.maybeDone();
      },
      (error: unknown) => this.finish(error),
    );
  }

  private onReply(worker: Worker, message: WorkerReply): void {
    if (this.settled) return;
    if (message.type === "error") {
      this.finish(rebuildError(message.error));
      return;
    }
    if (message.type === "ready") {
      this.ready.add(worker);
      this.fill(worker);
      this.maybeDone();
      return;
    }
    this.outstanding--;
    this.inFlight.set(worker, this.inFlight.get(worker)! - 1);
    this.fill(worker); // the next chunk first: the worker keeps busy while this one is written
    if (message.type === "encoded") {
      if (!this.write(message.k, message.chunk)) return;
    } else {
      this.prepared.push({ k: message.k, prepared: message.prepared });
      this.encodeNext();
    }
    this.maybeDone();
  }
}
