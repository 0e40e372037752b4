/**
 * Shards: a dataset of N samples is cut into n contiguous parts, part i
 * holding samples [⌊i·N/n⌋, ⌊(i+1)·N/n⌋), each written as its own bundle
 * directory whose meta.json carries `shard`. `mergeBundleShards` joins a
 * complete set into one bundle, byte for byte the bundle a single run over
 * all N samples writes: the arrays are concatenated file by file (streamed,
 * never loaded whole), `sampleNames` concatenated, `shard` dropped.
 */
import fs from "node:fs";
import path from "node:path";
import { FormatError, ValueError } from "@skeleton-cache/errors";
import {
  encodeNpyHeader,
  type NpyFile,
  openNpy,
  readJsonFile,
  stageOutput,
  writeFileAtomic,
} from "@skeleton-cache/formats";
import type { StreamKind } from "@skeleton-cache/skeleton";
import { metaText } from "./io.js";
import { chunkCount, failureText, JOURNAL_FILE, readBundleJournal } from "./journal.js";
import { type ShardInfo, ShardInfoSchema } from "./types.js";

/** Parses `--shard i/n` (0-based i < n). */
export function parseShardSpec(spec: string, field = "shard"): { index: number; count: number } {
  const match = /^(\d+)\/(\d+)$/.exec(spec.trim());
  const index = match ? Number(match[1]) : Number.NaN;
  const count = match ? Number(match[2]) : Number.NaN;
  if (!match || count < 1 || index >= count)
    throw new ValueError(
      `shard ${JSON.stringify(spec)} is not i/n with 0 ≤ i < n (e.g. 0/8 … 7/8; Slurm: --shard $SLURM_ARRAY_TASK_ID/8)`,
      { field, value: spec },
    );
  return { index, count };
}

/** Samples [start, end) of part `index` of `count` over `total` samples. */
export function shardRange(total: number, index: number, count: number): [number, number] {
  return [Math.floor((index * total) / count), Math.floor(((index + 1) * total) / count)];
}

/** One part, opened for merging. */
interface Part {
  readonly dir: string;
  readonly shard: ShardInfo;
  readonly meta: Record<string, unknown>;
  readonly kind: StreamKind;
}

function readPart(dir: string): Part {
  if (!fs.existsSync(dir) || !fs.statSync(dir).isDirectory())
    throw new FormatError(
      `${dir}: not a bundle directory (a shard part is a folder written by skc extract --shard)`,
      {
        file: dir,
      },
    );
  const journal = readBundleJournal(dir);
  if (journal) {
    // Unfinished: say which part it is (its journal's settings carry it) and why its run stopped.
    const shard = ShardInfoSchema.safeParse(journal.settings.shard);
    const which = shard.success ? `, part ${shard.data.index}/${shard.data.count} of the set` : "";
    throw new FormatError(
      `${dir}: an unfinished bundle${which} (${path.join(dir, JOURNAL_FILE)}: ${journal.done.length} of ${chunkCount(journal)} chunks written by ${journal.writer}${failureText(journal)}); rerun its task (it resumes from the journal), then merge again`,
      {
        file: path.join(dir, JOURNAL_FILE),
        field: "done",
        value: journal.done.length,
        expected: chunkCount(journal),
      },
    );
  }
  const metaFile = path.join(dir, "meta.json");
  const meta = readJsonFile(metaFile, "bundle meta") as Record<string, unknown>;
  const parsed = ShardInfoSchema.safeParse(meta.shard);
  if (!parsed.success)
    throw new FormatError(`${metaFile}: no valid "shard" entry; ${dir} is not a part of a shard set`, {
      file: metaFile,
      field: "shard",
      value: meta.shard,
    });
  const hasFeatures = fs.existsSync(path.join(dir, "features.npy"));
  return { dir, shard: parsed.data, meta, kind: hasFeatures ? "features" : "descriptors" };
}

/** The part of a meta that must agree across parts: everything but the part's own samples and place. */
function sharedMeta(meta: Record<string, unknown>): Record<string, unknown> {
  const { shard: _shard, sampleNames: _names, ...rest } = meta;
  return rest;
}

/** Checks the set: one shard count, each index exactly once, the same settings everywhere. */
function checkShardSet(parts: readonly Part[]): Part[] {
  if (parts.length === 0) throw new ValueError("bundle merge: no parts given", { field: "parts", value: 0 });
  const count = parts[0]!.shard.count;
  const byIndex = new Map<number, Part>();
  for (const part of parts) {
    const { index } = part.shard;
    if (part.shard.count !== count)
      throw new ValueError(
        `${part.dir} is part ${index}/${part.shard.count} but ${parts[0]!.dir} is part ${parts[0]!.shard.index}/${count}: not one shard set`,
        { file: part.dir, field: "shard.count", value: part.shard.count, expected: count },
      );
    const twin = byIndex.get(index);
    if (twin)
      throw new ValueError(`part ${index}/${count} is given twice: ${twin.dir} and ${part.dir}`, {
        file: part.dir,
        field: "shard.index",
        value: index,
      });
    byIndex.set(index, part);
  }
  const missing = Array.from({ length: count }, (_, i) => i).filter((i) => !byIndex.has(i));
  if (missing.length > 0)
    throw new ValueError(
      `part${missing.length > 1 ? "s" : ""} ${missing.map((i) => `${i}/${count}`).join(", ")} ${missing.length > 1 ? "are" : "is"} missing (given: ${[
        ...byIndex.keys(),
      ]
        .sort((a, b) => a - b)
        .map((i) => `${i}/${count}`)
        .join(", ")})`,
      { field: "shard.index", value: missing[0], expected: count },
    );
  const ordered = Array.from({ length: count }, (_, i) => byIndex.get(i)!);
  const reference = JSON.stringify(sharedMeta(ordered[0]!.meta));
  for (const part of ordered) {
    const [start, end] = shardRange(part.shard.total, part.shard.index, count);
    if (part.shard.total !== ordered[0]!.shard.total || part.shard.offset !== start)
      throw new ValueError(
        `${part.dir}: part ${part.shard.index}/${count} starts at sample ${part.shard.offset} of ${part.shard.total}; the set's part ${part.shard.index} starts at ${start} of ${ordered[0]!.shard.total}`,
        { file: part.dir, field: "shard.offset", value: part.shard.offset, expected: start },
      );
    if (JSON.stringify(sharedMeta(part.meta)) !== reference || part.kind !== ordered[0]!.kind)
      throw new ValueError(
        `${part.dir}: part ${part.shard.index}/${count} was made with other settings than ${ordered[0]!.dir} (meta.json differs beyond shard and sampleNames)`,
        { file: path.join(part.dir, "meta.json"), field: "meta" },
      );
    const labels = openNpy(path.join(part.dir, "labels.npy"));
    labels.close();
    if (labels.length !== end - start)
      throw new ValueError(
        `${part.dir}: part ${part.shard.index}/${count} holds ${labels.length} samples, expected ${end - start}`,
        {
          file: path.join(part.dir, "labels.npy"),
          value: labels.length,
          expected: end - start,
        },
      );
  }
  return ordered;
}

/** Appends the data bytes of `file` to `fd`, in blocks of 8 MB. */
function appendData(fd: number, file: NpyFile, buffer: Buffer): number {
  const source = fs.openSync(file.path, "r");
  let copied = 0;
  try {
    const { dataOffset } = file.header;
    const size = fs.fstatSync(source).size - dataOffset;
    while (copied < size) {
      const read = fs.readSync(
        source,
        buffer,
        0,
        Math.min(buffer.length, size - copied),
        dataOffset + copied,
      );
      if (read === 0)
        throw new FormatError(`${file.path}: ended at byte ${dataOffset + copied}`, {
          file: file.path,
          position: dataOffset + copied,
        });
      fs.writeSync(fd, buffer, 0, read);
      copied += read;
    }
  } finally {
    fs.closeSync(source);
  }
  return copied;
}

/** Concatenates one array across parts along axis 0 into `target`. */
function concatenateArray(parts: readonly Part[], name: string, target: string, buffer: Buffer): void {
  const files = parts.map((part) => openNpy(path.join(part.dir, `${name}.npy`)));
  try {
    const first = files[0]!;
    for (const file of files) {
      if (file.dtype !== first.dtype || file.sampleShape.join() !== first.sampleShape.join())
        throw new ValueError(
          `${file.path}: ${file.dtype} (${file.shape.join(", ")}) does not match ${first.path}: ${first.dtype} (${first.shape.join(", ")})`,
          { file: file.path, field: name, value: [...file.shape] },
        );
    }
    const total = files.reduce((sum, file) => sum + file.length, 0);
    const fd = fs.openSync(target, "w");
    try {
      fs.writeSync(fd, encodeNpyHeader(first.dtype, [total, ...first.sampleShape]));
      for (const file of files) appendData(fd, file, buffer);
      fs.fsyncSync(fd);
    } finally {
      fs.closeSync(fd);
    }
  } finally {
    for (const file of files) file.close();
  }
}

/** What `mergeBundleShards` wrote. */
export interface MergeResult {
  readonly out: string;
  readonly parts: number;
  readonly samples: number;
  readonly kind: StreamKind;
}

/**
 * Joins a complete shard set into one bundle directory `out` (which must not
 * exist). A missing or duplicated part, an unfinished part, or parts made
 * with other settings are refused, naming the part. The bundle appears at
 * `out` only when complete (it is built in `<out>.partial-<pid>` and renamed).
 */
export function mergeBundleShards(partDirs: readonly string[], out: string): MergeResult {
  const parts = checkShardSet(partDirs.map(readPart));
  if (fs.existsSync(out))
    throw new ValueError(`${out} exists; bundle merge writes a new folder`, { file: out, field: "out" });
  const stage = stageOutput(out);
  const work = stage.path;
  try {
    const buffer = Buffer.allocUnsafe(8 << 20);
    for (const name of [parts[0]!.kind, "logits", "labels"])
      concatenateArray(parts, name, path.join(work, `${name}.npy`), buffer);
    const ids = parts.map((part) => fs.readFileSync(path.join(part.dir, "class_ids.npy")));
    const mismatch = ids.findIndex((bytes) => !bytes.equals(ids[0]!));
    if (mismatch >= 0)
      throw new ValueError(`${parts[mismatch]!.dir}: class_ids.npy differs from ${parts[0]!.dir}'s`, {
        file: path.join(parts[mismatch]!.dir, "class_ids.npy"),
        field: "class_ids",
      });
    writeFileAtomic(path.join(work, "class_ids.npy"), ids[0]!);
    writeFileAtomic(path.join(work, "meta.json"), metaText(mergedMeta(parts)));
    stage.commit();
  } catch (error) {
    stage.discard();
    throw error;
  }
  return { out, parts: parts.length, samples: parts[0]!.shard.total, kind: parts[0]!.kind };
}

/** Part 0's meta with every part's sample names and no `shard`: the single run's meta (same key order). */
function mergedMeta(parts: readonly Part[]): Record<string, unknown> {
  const merged: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(parts[0]!.meta)) {
    if (key === "shard") continue;
    merged[key] =
      key === "sampleNames"
        ? parts.flatMap((part) => (part.meta.sampleNames as string[] | undefined) ?? [])
        : value;
  }
  return merged;
}
