import { spawnSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { FormatError, ValueError } from "@skeleton-cache/errors";
import type { LabelledStream, StreamKind } from "@skeleton-cache/skeleton";
import { permutation, seededRandom } from "@skeleton-cache/tensor";
import { filesOf, tempDir } from "@skeleton-cache/test-support";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  type BundleMeta,
  JOURNAL_FILE,
  LOCK_FILE,
  mergeBundleShards,
  openBundle,
  openChunkedBundle,
  parseShardSpec,
  readBundle,
  shardRange,
  writeBundleDir,
} from "./index.js";

/** A random bundle of n samples: features (n, 2, 3, 4) or descriptors (n, 8, 5), 3 classes. */
function makeBundle(n: number, kind: StreamKind, seed = 1): LabelledStream {
  const random = seededRandom(seed);
  const sample = kind === "features" ? [2, 3, 4] : [8, 5];
  const per = sample.reduce((a, b) => a * b, 1);
  const values = Float32Array.from({ length: n * per }, () => random.next() * 2 - 1);
  const logits = Float32Array.from({ length: n * 3 }, () => random.next() * 4);
  const tensor = { data: values, shape: [n, ...sample] };
  return {
    kind,
    logits: { data: logits, shape: [n, 3] },
    ...(kind === "features" ? { features: tensor } : { descriptors: tensor }),
    labels: Int32Array.from({ length: n }, (_, i) => (i * 7) % 3),
    classIds: Int32Array.from([2, 5, 9]),
    meta: { dataset: "ntu60", sampleNames: Array.from({ length: n }, (_, i) => `s${i}`) },
  };
}

const SETTINGS = { model: "m.onnx", frames: 64 };

/**
 * What a crash of the writer of `dir` leaves: its files as they are and its
 * write lock, naming a process that is gone (a node that ran and exited).
 */
function crashWriterOf(dir: string): void {
  const file = path.join(dir, LOCK_FILE);
  const gone = spawnSync(process.execPath, ["-e", ""]).pid!;
  const lock = JSON.parse(fs.readFileSync(file, "utf8"));
  fs.writeFileSync(file, JSON.stringify({ ...lock, pid: gone }));
}

/** Writes `bundle` through the chunked writer, chunks in the given order. */
function writeChunked(
  dir: string,
  bundle: LabelledStream,
  chunkSize: number,
  order?: number[],
  meta = bundle.meta ?? {},
): void {
  const n = bundle.labels.length;
  const writer = openChunkedBundle(dir, { writer: "test", settings: SETTINGS, samples: n, chunkSize });
  const kind = bundle.features ? "features" : "descriptors";
  const tensor = (bundle.features ?? bundle.descriptors)!;
  const per = tensor.data.length / n;
  for (const k of order ?? writer.pending()) {
    const [start, end] = writer.range(k);
    writer.writeChunk(k, {
      kind,
      sampleShape: tensor.shape.slice(1),
      logits: bundle.logits.data.slice(start * 3, end * 3),
      values: tensor.data.slice(start * per, end * per),
    });
  }
  writer.finish({ labels: bundle.labels, classIds: bundle.classIds!, meta });
}

function readBundleJournalOf(dir: string): number[] {
  return JSON.parse(fs.readFileSync(path.join(dir, JOURNAL_FILE), "utf8")).done;
}

describe("chunked bundle writer", () => {
  it("writes, in any chunk order, the bytes writeBundleDir writes", () => {
    const root = tempDir("skc-chunked-");
    let run = 0;
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 23 }),
        fc.integer({ min: 1, max: 9 }),
        fc.constantFrom("features" as const, "descriptors" as const),
        fc.integer({ min: 0, max: 1000 }),
        (n, chunkSize, kind, seed) => {
          run++;
          const bundle = makeBundle(n, kind, seed);
          const whole = path.join(root, `whole-${run}`);
          writeBundleDir(whole, bundle);
          const chunked = path.join(root, `chunked-${run}`);
          const chunks = Math.ceil(n / chunkSize);
          writeChunked(chunked, bundle, chunkSize, permutation(chunks, seed));
          expect(filesOf(chunked)).toEqual(filesOf(whole));
        },
      ),
      { numRuns: 25 },
    );
  });

  it("an unfinished bundle is refused by every reader, naming the journal and how to finish it", () => {
    const dir = path.join(tempDir("skc-chunked-"), "b");
    const bundle = makeBundle(10, "features");
    const writer = openChunkedBundle(dir, {
      writer: "skc extract",
      settings: SETTINGS,
      samples: 10,
      chunkSize: 4,
    });
    writer.writeChunk(1, {
      kind: "features",
      sampleShape: [2, 3, 4],
      logits: bundle.logits.data.slice(12, 24),
      values: bundle.features!.data.slice(4 * 24, 8 * 24),
    });
    writer.close();
    // Plant the other files too, so only the journal tells it is unfinished.
    for (const name of ["labels.npy", "class_ids.npy", "meta.json"]) {
      const whole = path.join(tempDir("skc-whole-"), "w");
      writeBundleDir(whole, bundle);
      fs.copyFileSync(path.join(whole, name), path.join(dir, name));
    }
    for (const read of [() => readBundle(dir), () => openBundle(dir)]) {
      const error = (() => {
        try {
          read();
        } catch (e) {
          return e;
        }
      })() as FormatError;
      expect(error).toBeInstanceOf(FormatError);
      expect(error.message).toBe(
        `${dir}: an unfinished bundle (${path.join(dir, JOURNAL_FILE)}: 1 of 3 chunks written by skc extract); rerun the same command to finish it, or remove the folder`,
      );
    }
  });

  it("resumes with the same settings, refuses other settings naming the difference, and knows a finished bundle", () => {
    const dir = path.join(tempDir("skc-chunked-"), "b");
    const bundle = makeBundle(10, "descriptors");
    const chunk = (start: number, end: number) => ({
      kind: "descriptors" as const,
      sampleShape: [8, 5],
      logits: bundle.logits.data.slice(start * 3, end * 3),
      values: bundle.descriptors!.data.slice(start * 40, end * 40),
    });
    const options = { writer: "test", settings: SETTINGS, samples: 10, chunkSize: 3 };
    const first = openChunkedBundle(dir, options);
    expect(first.state).toBe("new");
    first.writeChunk(2, chunk(6, 9));
    first.writeChunk(0, chunk(0, 3));
    first.close();
    expect(() => openChunkedBundle(dir, { ...options, settings: { ...SETTINGS, frames: 32 } })).toThrow(
      `${dir} was started with frames = 64; this run has frames = 32. Rerun with the same options to continue, or choose another --out`,
    );
    expect(() => openChunkedBundle(dir, { ...options, chunkSize: 4 })).toThrow(
      /chunkSize = 3; this run has chunkSize = 4/,
    );
    const second = openChunkedBundle(dir, options);
    expect(second.state).toBe("resumed");
    expect(second.pending()).toEqual([1, 3]);
    for (const k of second.pending()) second.writeChunk(k, chunk(...second.range(k)));
    const meta: BundleMeta = { ...bundle.meta, extraction: SETTINGS };
    second.finish({ labels: bundle.labels, classIds: bundle.classIds!, meta });
    expect(fs.existsSync(path.join(dir, JOURNAL_FILE))).toBe(false);
    expect(Array.from(readBundle(dir).descriptors!.data)).toEqual(Array.from(bundle.descriptors!.data));
    const settingsOf = (m: Record<string, unknown>) => m.extraction as Record<string, unknown> | undefined;
    expect(openChunkedBundle(dir, options, { settingsOf }).state).toBe("finished");
    expect(() =>
      openChunkedBundle(dir, { ...options, settings: { model: "other.onnx", frames: 64 } }, { settingsOf }),
    ).toThrow(/was started with model = "m.onnx"; this run has model = "other.onnx"/);
    expect(() => openChunkedBundle(dir, options)).toThrow(/neither empty nor an unfinished bundle/);
  });
});

describe("chunked bundle durability", () => {
  it("journals written chunks only once their data is flushed (interval, flush, close); unjournalled ones run again", () => {
    const dir = path.join(tempDir("skc-chunked-"), "b");
    const bundle = makeBundle(8, "descriptors");
    const chunk = (start: number, end: number) => ({
      kind: "descriptors" as const,
      sampleShape: [8, 5],
      logits: bundle.logits.data.slice(start * 3, end * 3),
      values: bundle.descriptors!.data.slice(start * 40, end * 40),
    });
    const options = { writer: "test", settings: SETTINGS, samples: 8, chunkSize: 2, flushIntervalMs: 60_000 };
    const writer = openChunkedBundle(dir, options);
    writer.writeChunk(0, chunk(0, 2));
    writer.writeChunk(3, chunk(6, 8));
    expect(readBundleJournalOf(dir)).toEqual([]);
    expect(writer.pending()).toEqual([1, 2]);
    writer.flush();
    expect(readBundleJournalOf(dir)).toEqual([0, 3]);
    writer.writeChunk(1, chunk(2, 4));
    // A crash now (no close): chunk 1 is not journalled, so a rerun does it again.
    crashWriterOf(dir);
    const again = openChunkedBundle(dir, options);
    expect(again.pending()).toEqual([1, 2]);
    again.writeChunk(1, chunk(2, 4));
    again.writeChunk(2, chunk(4, 6)); // the last one: everything is flushed
    expect(readBundleJournalOf(dir)).toEqual([0, 1, 2, 3]);
    again.finish({ labels: bundle.labels, classIds: bundle.classIds!, meta: bundle.meta! });
    expect(Array.from(readBundle(dir).descriptors!.data)).toEqual(Array.from(bundle.descriptors!.data));
  });
});

describe("shards", () => {
  it("parses i/n and cuts N samples into contiguous parts covering each sample once", () => {
    expect(parseShardSpec("2/8")).toEqual({ index: 2, count: 8 });
    expect(() => parseShardSpec("8/8")).toThrow(/shard "8\/8" is not i\/n with 0 ≤ i < n/);
    expect(() => parseShardSpec("a/b")).toThrow(ValueError);
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 500 }), fc.integer({ min: 1, max: 40 }), (total, count) => {
        let next = 0;
        for (let i = 0; i < count; i++) {
          const [start, end] = shardRange(total, i, count);
          expect(start).toBe(next);
          expect(end).toBeGreaterThanOrEqual(start);
          next = end;
        }
        expect(next).toBe(total);
      }),
    );
  });

  function writeParts(root: string, bundle: LabelledStream, count: number): string[] {
    const n = bundle.labels.length;
    const tensor = (bundle.features ?? bundle.descriptors)!;
    const per = tensor.data.length / n;
    const dirs: string[] = [];
    for (let i = 0; i < count; i++) {
      const [start, end] = shardRange(n, i, count);
      const part: LabelledStream = {
        kind: bundle.kind,
        logits: { data: bundle.logits.data.slice(start * 3, end * 3), shape: [end - start, 3] },
        [bundle.features ? "features" : "descriptors"]: {
          data: tensor.data.slice(start * per, end * per),
          shape: [end - start, ...tensor.shape.slice(1)],
        },
        labels: bundle.labels.slice(start, end),
        classIds: bundle.classIds,
        meta: {
          ...bundle.meta,
          sampleNames: (bundle.meta!.sampleNames as string[]).slice(start, end),
          shard: { index: i, count, offset: start, total: n },
        },
      };
      const dir = path.join(root, `part-${i}`);
      writeChunked(dir, part, 2);
      dirs.push(dir);
    }
    return dirs;
  }

  it("merge joins a shard set into the bytes of the whole bundle", () => {
    for (const kind of ["features", "descriptors"] as const) {
      const root = tempDir("skc-shards-");
      const bundle = makeBundle(17, kind, 4);
      const whole = path.join(root, "whole");
      writeChunked(whole, bundle, 5);
      const parts = writeParts(root, bundle, 4);
      const merged = path.join(root, "merged");
      // Parts in any order on the command line.
      const result = mergeBundleShards([parts[2]!, parts[0]!, parts[3]!, parts[1]!], merged);
      expect(result).toEqual({ out: merged, parts: 4, samples: 17, kind });
      expect(filesOf(merged)).toEqual(filesOf(whole));
    }
  });

  it("refuses a missing, a duplicated or an unfinished part, naming it; writes nothing", () => {
    const root = tempDir("skc-shards-");
    const bundle = makeBundle(9, "descriptors", 5);
    const parts = writeParts(root, bundle, 3);
    const out = path.join(root, "merged");
    expect(() => mergeBundleShards([parts[0]!, parts[2]!], out)).toThrow(
      "part 1/3 is missing (given: 0/3, 2/3)",
    );
    expect(() => mergeBundleShards([parts[0]!, parts[1]!, parts[1]!, parts[2]!], out)).toThrow(
      `part 1/3 is given twice: ${parts[1]} and ${parts[1]}`,
    );
    fs.writeFileSync(
      path.join(parts[2]!, JOURNAL_FILE),
      JSON.stringify({
        format: "skeleton-cache.bundle-journal/1",
        writer: "skc extract",
        settings: {},
        samples: 3,
        chunkSize: 2,
        arrays: null,
        done: [0],
      }),
    );
    expect(() => mergeBundleShards(parts, out)).toThrow(new RegExp(`^${parts[2]}: an unfinished bundle`));
    fs.rmSync(path.join(parts[2]!, JOURNAL_FILE));
    const meta = JSON.parse(fs.readFileSync(path.join(parts[1]!, "meta.json"), "utf8"));
    fs.writeFileSync(path.join(parts[1]!, "meta.json"), JSON.stringify({ ...meta, dataset: "ntu120" }));
    expect(() => mergeBundleShards(parts, out)).toThrow(/part 1\/3 was made with other settings/);
    expect(fs.existsSync(out)).toBe(false);
    expect(fs.readdirSync(root).sort()).toEqual(["part-0", "part-1", "part-2"]);
  });
});
