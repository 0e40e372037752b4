/**
 * A bundle directory written chunk by chunk, in any order, resumable: the
 * volume (`features.npy` or `descriptors.npy`) and `logits.npy` are created
 * at their full size when the first chunk arrives, each chunk is written in
 * place at its byte offset and flushed, then the journal records it. A crash
 * loses at most the chunks in flight; rerunning skips the journalled ones.
 * `finish` writes labels, class ids and meta.json and removes the journal;
 * the bytes are those `writeBundleDir` writes for the same bundle.
 */
import fs from "node:fs";
import path from "node:path";
import { FormatError, ShapeError, ValueError } from "@skeleton-cache/errors";
import { encodeNpy, encodeNpyHeader, writeFileAtomic } from "@skeleton-cache/formats";
import { shapeSize } from "@skeleton-cache/tensor";
import { metaText } from "./io.js";
import {
  assertSameSettings,
  type BundleJournal,
  JOURNAL_FILE,
  readBundleJournal,
  writeBundleJournal,
} from "./journal.js";
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
}

/** One finished chunk: `count` samples' logits (count × U) and volumes (count × sample size). */
export interface BundleChunk {
  readonly volume: "features" | "descriptors";
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
  /** Flushes and closes the open files (the journal stays: the bundle can be resumed). */
  close(): void;
}

const F32 = 4;

function isEmptyDir(dir: string): boolean {
  return fs.readdirSync(dir).length === 0;
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
  let journal = fs.existsSync(dir) ? readBundleJournal(dir) : null;
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
  } else if (fs.existsSync(dir) && !isEmptyDir(dir)) {
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
    state = "finished";
  } else {
    fs.mkdirSync(dir, { recursive: true });
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
  return chunkedWriter(dir, state, journal, options);
}

function chunkedWriter(
  dir: string,
  state: ChunkedBundleState,
  initial: BundleJournal | null,
  options: ChunkedBundleOptions,
): ChunkedBundleWriter {
  const chunks = Math.ceil(options.samples / options.chunkSize);
  let journal = initial;
  const done = new Set(
    state === "finished" ? Array.from({ length: chunks }, (_, k) => k) : (journal?.done ?? []),
  );
  /** Written, not yet flushed and journalled. */
  const written = new Set<number>();
  const files = new Map<string, number>();
  const interval = options.flushIntervalMs ?? 1000;
  let lastFlush = Date.now();
  let timer: NodeJS.Timeout | null = null;
  const flush = (): void => {
    if (timer) clearTimeout(timer);
    timer = null;
    lastFlush = Date.now();
    if (written.size === 0 || !journal) return;
    for (const fd of files.values()) fs.fdatasyncSync(fd);
    for (const k of written) done.add(k);
    written.clear();
    journal = { ...journal, done: [...done].sort((a, b) => a - b) };
    writeBundleJournal(dir, journal);
  };

  const fileFor = (name: string, shape: readonly number[]): number => {
    const open = files.get(name);
    if (open !== undefined) return open;
    const file = path.join(dir, `${name}.npy`);
    const header = encodeNpyHeader("f4", shape);
    const size = header.length + shapeSize(shape) * F32;
    const fd = fs.openSync(file, fs.existsSync(file) ? "r+" : "w+");
    const stat = fs.fstatSync(fd);
    if (stat.size !== size) fs.ftruncateSync(fd, size);
    fs.writeSync(fd, header, 0, header.length, 0);
    files.set(name, fd);
    return fd;
  };

  const range = (k: number): readonly [number, number] => {
    if (!Number.isInteger(k) || k < 0 || k >= chunks)
      throw new ValueError(`chunk ${k} is out of range [0, ${chunks})`, { field: "chunk", value: k });
    return [k * options.chunkSize, Math.min(options.samples, (k + 1) * options.chunkSize)];
  };

  const checkChunk = (k: number, chunk: BundleChunk, count: number): void => {
    const arrays = journal!.arrays;
    const classes = chunk.logits.length / count;
    const per = shapeSize(chunk.sampleShape);
    if (!Number.isInteger(classes) || classes < 1 || chunk.values.length !== count * per)
      throw new ShapeError(
        `${dir}: chunk ${k} holds ${chunk.logits.length} logits and ${chunk.values.length} volume values for ${count} samples of shape (${chunk.sampleShape.join(", ")})`,
        { file: dir, field: "chunk", position: k },
      );
    if (
      arrays &&
      (arrays.volume !== chunk.volume ||
        arrays.classes !== classes ||
        arrays.sampleShape.join() !== chunk.sampleShape.join())
    )
      throw new ShapeError(
        `${dir}: chunk ${k} is ${chunk.volume} (${chunk.sampleShape.join(", ")}) with ${classes} classes; earlier chunks were ${arrays.volume} (${arrays.sampleShape.join(", ")}) with ${arrays.classes}`,
        {
          file: dir,
          field: chunk.volume,
          position: k,
          value: [...chunk.sampleShape],
          expected: arrays.sampleShape,
        },
      );
  };

  return {
    dir,
    get state() {
      return state;
    },
    chunkSize: options.chunkSize,
    chunks,
    pending: () => Array.from({ length: chunks }, (_, k) => k).filter((k) => !done.has(k) && !written.has(k)),
    doneCount: () => done.size,
    flush,
    range,
    writeChunk(k, chunk) {
      const [start, end] = range(k);
      if (done.has(k) || written.has(k)) return;
      if (!journal) throw new ValueError(`${dir}: the bundle is finished`, { file: dir });
      checkChunk(k, chunk, end - start);
      journal.arrays ??= {
        volume: chunk.volume,
        sampleShape: [...chunk.sampleShape],
        classes: chunk.logits.length / (end - start),
      };
      const { volume, sampleShape, classes } = journal.arrays;
      const per = shapeSize(sampleShape);
      const writes: [string, readonly number[], Float32Array, number][] = [
        [volume, [options.samples, ...sampleShape], chunk.values, start * per],
        ["logits", [options.samples, classes], chunk.logits, start * classes],
      ];
      for (const [name, shape, values, at] of writes) {
        const fd = fileFor(name, shape);
        const offset = encodeNpyHeader("f4", shape).length + at * F32;
        const bytes = new Uint8Array(values.buffer, values.byteOffset, values.byteLength);
        fs.writeSync(fd, bytes, 0, bytes.length, offset);
      }
      written.add(k);
      if (Date.now() - lastFlush >= interval || written.size + done.size === chunks) flush();
      else if (!timer) {
        timer = setTimeout(flush, interval);
        timer.unref();
      }
    },
    finish({ labels, classIds, meta }) {
      if (state === "finished") return;
      flush();
      if (done.size !== chunks || !journal?.arrays)
        throw new FormatError(`${dir}: ${chunks - done.size} of ${chunks} chunks are not written yet`, {
          file: dir,
          value: done.size,
          expected: chunks,
        });
      if (labels.length !== options.samples)
        throw new ShapeError(`${dir}: ${labels.length} labels for ${options.samples} samples`, {
          file: dir,
          field: "labels",
        });
      for (const fd of files.values()) fs.closeSync(fd);
      files.clear();
      const stale = journal.arrays.volume === "features" ? "descriptors.npy" : "features.npy";
      fs.rmSync(path.join(dir, stale), { force: true });
      writeFileAtomic(
        path.join(dir, "labels.npy"),
        encodeNpy(BigInt64Array.from(labels, BigInt), [labels.length], "i8"),
      );
      writeFileAtomic(
        path.join(dir, "class_ids.npy"),
        encodeNpy(BigInt64Array.from(classIds, BigInt), [classIds.length], "i8"),
      );
      writeFileAtomic(path.join(dir, "meta.json"), metaText(meta));
      fs.rmSync(path.join(dir, JOURNAL_FILE));
      state = "finished";
    },
    close() {
      if (files.size > 0) flush();
      if (timer) clearTimeout(timer);
      timer = null;
      for (const fd of files.values()) fs.closeSync(fd);
      files.clear();
    },
  };
}
