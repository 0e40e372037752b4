/**
 * A bundle directory written chunk by chunk, in any order, resumable: the
 * volume (`features.npy` or `descriptors.npy`) and `logits.npy` are created
 * at their full size when the first chunk arrives, each chunk is written in
 * place at its byte offset and flushed, then the journal records it. A crash
 * loses at most the chunks in flight; rerunning skips the journalled ones.
 * `finish` writes labels, class ids and meta.json and removes the journal;
 * the bytes are those `writeBundleDir` writes for the same bundle. While it
 * is written the folder holds a write lock (`lock.json`, see lock.ts): a
 * second writer is refused, a killed writer's lock is taken over.
 */
import fs from "node:fs";
import path from "node:path";
import { FormatError, ShapeError, ValueError } from "@skeleton-cache/errors";
import { encodeNpy, encodeNpyHeader, writeFileAtomic } from "@skeleton-cache/formats";
import type { StreamKind } from "@skeleton-cache/skeleton";
import { shapeSize } from "@skeleton-cache/tensor";
import { int64Vector, metaText } from "./io.js";
import {
  assertSameSettings,
  type BundleJournal,
  JOURNAL_FILE,
  readBundleJournal,
  writeBundleJournal,
} from "./journal.js";
import { acquireBundleLock, type BundleLock, LOCK_FILE } from "./lock.js";
import type { BundleMeta } from "./types.js";

/** What a chunked bundle is: who writes it, with which settings, how many samples in which chunks. */
export interface ChunkedBundleOptions {
  readonly writer: string;
  readonly settings: Readonly<Record<string, unknown>>;
  readonly samples: number;
  readonly chunkSize: number;
  /**
   * How often written chunks are made durable (data flushed, then journalled),
   * in ms; default 1000. A crash loses at most the chunks of the last interval
   * (they are run again). 0: after every chunk.
   */
  readonly flushIntervalMs?: number;
  /** The scheduler's id of this task, recorded in the write lock (e.g. Slurm's `<array job>_<task>`). */
  readonly job?: string | undefined;
}

/** One finished chunk: `count` samples' logits (count × U) and volumes (count × sample size). */
export interface BundleChunk {
  readonly kind: StreamKind;
  /** One sample's volume shape: (C, T, V) or (8, C). */
  readonly sampleShape: readonly number[];
  readonly logits: Float32Array;
  readonly values: Float32Array;
}

/** The state of a chunked bundle directory when opened. */
export type ChunkedBundleState = "new" | "resumed" | "finished";

export interface ChunkedBundleWriter {
  readonly dir: string;
  readonly state: ChunkedBundleState;
  readonly chunkSize: number;
  readonly chunks: number;
  /** Chunks not yet written, ascending. */
  pending(): number[];
  /** Chunks written and journalled. */
  doneCount(): number;
  /** Samples [start, end) of chunk `k`. */
  range(k: number): readonly [number, number];
  /** Writes chunk `k` in place; it is journalled at the next flush (idempotent for a written chunk). */
  writeChunk(k: number, chunk: BundleChunk): void;
  /** Flushes the written chunks' data to disk, then journals them. */
  flush(): void;
  /** Writes labels, class ids and meta; removes the journal. Every chunk must be written. */
  finish(tail: { labels: Int32Array; classIds: Int32Array; meta: BundleMeta }): void;
  /** Flushes and closes the open files and releases the lock (the journal stays: the bundle can be resumed). */
  close(): void;
  /**
   * Records in the journal why this run stops (the chunks written so far are
   * journalled first): a merge of the unfinished part reports it.
   */
  recordFailure(failure: { readonly message: string; readonly file?: string | undefined }): void;
  /** The lock of a writer whose owner was gone, which this one took over; undefined otherwise. */
  readonly takenOver: { readonly host: string; readonly pid: number; readonly job?: string } | undefined;
}

const F32 = 4;

/** Empty, but for a write lock (being written, or left by a writer that was killed before its first file). */
function isEmptyDir(dir: string): boolean {
  return fs.readdirSync(dir).every((name) => name === LOCK_FILE);
}

/**
 * Opens `dir` for chunked writing: a new (absent or empty) folder, an
 * unfinished one with the same settings (resumed), or a finished one whose
 * `meta.json` records the same settings under `meta.settingsKey` (nothing to
 * do). Anything else is refused, naming the difference.
 */
export function openChunkedBundle(
  dir: string,
  options: ChunkedBundleOptions,
  finished?: { readonly settingsOf: (meta: Record<string, unknown>) => Record<string, unknown> | undefined },
): ChunkedBundleWriter {
  if (!Number.isInteger(options.chunkSize) || options.chunkSize < 1)
    throw new ValueError(`chunk size is ${options.chunkSize}; it must be a positive integer`, {
      field: "chunkSize",
      value: options.chunkSize,
    });
  const finishedHere = () => !readBundleJournal(dir) && !isEmptyDir(dir);
  if (fs.existsSync(dir) && finishedHere()) return openFinished(dir, options, finished);
  fs.mkdirSync(dir, { recursive: true });
  // Locked before the journal is read or written: a second writer stops here.
  const lock = acquireBundleLock(dir, { writer: options.writer, job: options.job });
  try {
    if (finishedHere()) {
      lock.release(); // finished by the writer that held the lock until now
      return openFinished(dir, options, finished);
    }
    let journal = readBundleJournal(dir);
    let state: ChunkedBundleState = "new";
    if (journal) {
      assertSameSettings(dir, journal.settings, options.settings);
      if (journal.samples !== options.samples || journal.chunkSize !== options.chunkSize) {
        assertSameSettings(
          dir,
          { samples: journal.samples, chunkSize: journal.chunkSize },
          { samples: options.samples, chunkSize: options.chunkSize },
        );
      }
      state = "resumed";
      if (journal.failure) {
        // This run is the new attempt: the old failure no longer describes the folder.
        const { failure: _failure, ...rest } = journal;
        journal = rest;
        writeBundleJournal(dir, journal);
      }
    } else {
      journal = {
        format: "skeleton-cache.bundle-journal/1",
        writer: options.writer,
        settings: { ...options.settings },
        samples: options.samples,
        chunkSize: options.chunkSize,
        arrays: null,
        done: [],
      };
      writeBundleJournal(dir, journal);
    }
    return new ChunkedWriter(dir, state, journal, options, lock);
  } catch (error) {
    lock.release();
    throw error;
  }
}

/** A folder with no journal and files in it: a finished bundle with the same settings, or refused. */
function openFinished(
  dir: string,
  options: ChunkedBundleOptions,
  finished:
    | { readonly settingsOf: (meta: Record<string, unknown>) => Record<string, unknown> | undefined }
    | undefined,
): ChunkedBundleWriter {
  const metaFile = path.join(dir, "meta.json");
  const meta = fs.existsSync(metaFile)
    ? (JSON.parse(fs.readFileSync(metaFile, "utf8")) as Record<string, unknown>)
    : undefined;
  const recorded = meta && finished?.settingsOf(meta);
  if (!recorded)
    throw new ValueError(
      `${dir} exists and is neither empty nor an unfinished bundle of ${options.writer}; choose another --out or remove it`,
      { file: dir, field: "out" },
    );
  assertSameSettings(dir, recorded, options.settings);
  return new ChunkedWriter(dir, "finished", null, options, null);
}

/** The writer behind `openChunkedBundle`: open volume files, chunks written, chunks journalled. */
class ChunkedWriter implements ChunkedBundleWriter {
  readonly chunkSize: number;
  readonly chunks: number;
  readonly takenOver: ChunkedBundleWriter["takenOver"];
  /** Written and journalled. */
  private readonly done: Set<number>;
  /** Written, not yet flushed and journalled. */
  private readonly written = new Set<number>();
  /** Open `.npy` files by array name, with the byte where their data starts. */
  private readonly files = new Map<string, { readonly fd: number; readonly dataOffset: number }>();
  private readonly interval: number;
  private lastFlush = Date.now();
  private timer: NodeJS.Timeout | null = null;

  constructor(
    readonly dir: string,
    private currentState: ChunkedBundleState,
    private journal: BundleJournal | null,
    private readonly options: ChunkedBundleOptions,
    private lock: BundleLock | null,
  ) {
    const stale = lock?.takenOver;
    this.takenOver = stale
      ? { host: stale.host, pid: stale.pid, ...(stale.job ? { job: stale.job } : {}) }
      : undefined;
    this.chunkSize = options.chunkSize;
    this.chunks = Math.ceil(options.samples / options.chunkSize);
    const all = Array.from({ length: this.chunks }, (_, k) => k);
    this.done = new Set(currentState === "finished" ? all : (journal?.done ?? []));
    this.interval = options.flushIntervalMs ?? 1000;
  }

  get state(): ChunkedBundleState {
    return this.currentState;
  }

  pending(): number[] {
    return Array.from({ length: this.chunks }, (_, k) => k).filter(
      (k) => !this.done.has(k) && !this.written.has(k),
    );
  }

  doneCount(): number {
    return this.done.size;
  }

  flush(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    this.lastFlush = Date.now();
    if (this.written.size === 0 || !this.journal) return;
    // A writer whose lock was taken over journals nothing: the journal is the new owner's.
    if (this.lock && !this.lock.held()) return;
    for (const { fd } of this.files.values()) fs.fdatasyncSync(fd);
    for (const k of this.written) this.done.add(k);
    this.written.clear();
    this.journal = { ...this.journal, done: [...this.done].sort((a, b) => a - b) };
    writeBundleJournal(this.dir, this.journal);
  }

  range(k: number): readonly [number, number] {
    if (!Number.isInteger(k) || k < 0 || k >= this.chunks)
      throw new ValueError(`chunk ${k} is out of range [0, ${this.chunks})`, { field: "chunk", value: k });
    return [k * this.chunkSize, Math.min(this.options.samples, (k + 1) * this.chunkSize)];
  }

  writeChunk(k: number, chunk: BundleChunk): void {
    const [start, end] = this.range(k);
    if (this.done.has(k) || this.written.has(k)) return;
    if (!this.journal) throw new ValueError(`${this.dir}: the bundle is finished`, { file: this.dir });
    this.lock?.assertHeld();
    this.checkChunk(k, chunk, end - start);
    this.journal.arrays ??= {
      volume: chunk.kind,
      sampleShape: [...chunk.sampleShape],
      classes: chunk.logits.length / (end - start),
    };
    const { volume, sampleShape, classes } = this.journal.arrays;
    const { samples } = this.options;
    const per = shapeSize(sampleShape);
    this.writeRows(volume, [samples, ...sampleShape], chunk.values, start * per);
    this.writeRows("logits", [samples, classes], chunk.logits, start * classes);
    this.written.add(k);
    if (Date.now() - this.lastFlush >= this.interval || this.written.size + this.done.size === this.chunks)
      this.flush();
    else if (!this.timer) {
      this.timer = setTimeout(() => this.flush(), this.interval);
      this.timer.unref();
    }
  }

  finish({ labels, classIds, meta }: { labels: Int32Array; classIds: Int32Array; meta: BundleMeta }): void {
    if (this.currentState === "finished") return;
    this.flush();
    const { dir, chunks, done, journal } = this;
    if (done.size !== chunks || !journal?.arrays)
      throw new FormatError(`${dir}: ${chunks - done.size} of ${chunks} chunks are not written yet`, {
        file: dir,
        value: done.size,
        expected: chunks,
      });
    if (labels.length !== this.options.samples)
      throw new ShapeError(`${dir}: ${labels.length} labels for ${this.options.samples} samples`, {
        file: dir,
        field: "labels",
      });
    this.closeFiles();
    const stale = journal.arrays.volume === "features" ? "descriptors.npy" : "features.npy";
    fs.rmSync(path.join(dir, stale), { force: true });
    for (const [name, values] of [
      ["labels", labels],
      ["class_ids", classIds],
    ] as const) {
      const array = int64Vector(values);
      writeFileAtomic(path.join(dir, `${name}.npy`), encodeNpy(array.data, array.shape, array.dtype));
    }
    writeFileAtomic(path.join(dir, "meta.json"), metaText(meta));
    // The lock goes first: a folder without a journal is a finished bundle, and holds nothing else.
    this.releaseLock();
    fs.rmSync(path.join(dir, JOURNAL_FILE));
    this.currentState = "finished";
  }

  close(): void {
    if (this.files.size > 0) this.flush();
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    this.closeFiles();
    this.releaseLock();
  }

  recordFailure(failure: { readonly message: string; readonly file?: string | undefined }): void {
    if (!this.journal || this.currentState === "finished" || (this.lock && !this.lock.held())) return;
    this.flush();
    this.journal = {
      ...this.journal,
      failure: { message: failure.message, ...(failure.file ? { file: failure.file } : {}) },
    };
    writeBundleJournal(this.dir, this.journal);
  }

  private releaseLock(): void {
    this.lock?.release();
    this.lock = null;
  }

  private closeFiles(): void {
    for (const { fd } of this.files.values()) fs.closeSync(fd);
    this.files.clear();
  }

  /** Writes `values` into array `name` (a float32 `.npy` of `shape`) at element `at`. */
  private writeRows(name: string, shape: readonly number[], values: Float32Array, at: number): void {
    const { fd, dataOffset } = this.fileFor(name, shape);
    const bytes = new Uint8Array(values.buffer, values.byteOffset, values.byteLength);
    fs.writeSync(fd, bytes, 0, bytes.length, dataOffset + at * F32);
  }

  /** The open file of array `name`, created (or resumed) at its full size with its header. */
  private fileFor(name: string, shape: readonly number[]): { fd: number; dataOffset: number } {
    const open = this.files.get(name);
    if (open !== undefined) return open;
    const file = path.join(this.dir, `${name}.npy`);
    const header = encodeNpyHeader("f4", shape);
    const size = header.length + shapeSize(shape) * F32;
    const fd = fs.openSync(file, fs.existsSync(file) ? "r+" : "w+");
    if (fs.fstatSync(fd).size !== size) fs.ftruncateSync(fd, size);
    fs.writeSync(fd, header, 0, header.length, 0);
    const opened = { fd, dataOffset: header.length };
    this.files.set(name, opened);
    return opened;
  }

  /** A chunk of `count` samples agrees with itself and with the chunks before it. */
  private checkChunk(k: number, chunk: BundleChunk, count: number): void {
    const { dir } = this;
    const arrays = this.journal!.arrays;
    const classes = chunk.logits.length / count;
    const per = shapeSize(chunk.sampleShape);
    if (!Number.isInteger(classes) || classes < 1 || chunk.values.length !== count * per)
      throw new ShapeError(
        `${dir}: chunk ${k} holds ${chunk.logits.length} logits and ${chunk.values.length} volume values for ${count} samples of shape (${chunk.sampleShape.join(", ")})`,
        { file: dir, field: "chunk", position: k },
      );
    const same =
      !arrays ||
      (arrays.volume === chunk.kind &&
        arrays.classes === classes &&
        arrays.sampleShape.join() === chunk.sampleShape.join());
    if (!same)
      throw new ShapeError(
        `${dir}: chunk ${k} is ${chunk.kind} (${chunk.sampleShape.join(", ")}) with ${classes} classes; earlier chunks were ${arrays.volume} (${arrays.sampleShape.join(", ")}) with ${arrays.classes}`,
        {
          file: dir,
          field: chunk.kind,
          position: k,
          value: [...chunk.sampleShape],
          expected: arrays.sampleShape,
        },
      );
  }
}
