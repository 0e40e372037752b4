/**
 * Bundles written in chunks: a bundle directory that is being written holds
 * a `journal.json` that lists the finished chunks. Readers refuse such a
 * directory (it is half written); the writer resumes it; the journal is
 * removed when the last file of the bundle is in place.
 */
import fs from "node:fs";
import path from "node:path";
import { FormatError, ValueError, zodIssueError } from "@skeleton-cache/errors";
import { readJsonFile, writeFileAtomic } from "@skeleton-cache/formats";
import { STREAM_KINDS } from "@skeleton-cache/skeleton";
import { z } from "zod";

/** The journal's file name inside a bundle directory. */
export const JOURNAL_FILE = "journal.json";
/** The journal's `format` tag. */
export const JOURNAL_FORMAT = "skeleton-cache.bundle-journal/1";

export const BundleJournalSchema = z.strictObject({
  format: z.literal(JOURNAL_FORMAT),
  /** What writes the bundle, e.g. "skc extract". */
  writer: z.string().min(1),
  /**
   * Everything that decides the bundle's bytes (options, sample list hash,
   * model hash, shard): a resume with different settings is refused.
   */
  settings: z.record(z.string(), z.unknown()),
  /** Samples of this bundle (N). */
  samples: z.number().int().nonnegative(),
  /** Samples per chunk; chunk k holds samples [k·chunkSize, (k + 1)·chunkSize). */
  chunkSize: z.number().int().positive(),
  /** The arrays' shapes, fixed by the first finished chunk. */
  arrays: z
    .strictObject({
      /** What the bundle holds per sample (the stream's kind). */
      volume: z.enum(STREAM_KINDS),
      /** One sample's volume: (C, T, V) or (8, C). */
      sampleShape: z.array(z.number().int().positive()),
      /** U: logits columns. */
      classes: z.number().int().positive(),
    })
    .nullable(),
  /** Finished chunks, ascending. */
  done: z.array(z.number().int().nonnegative()),
  /**
   * Why the last run stopped, when it failed (a file it could not read, a
   * model error): what a merge of an unfinished part reports. Cleared when a
   * run resumes the bundle.
   */
  failure: z.strictObject({ message: z.string(), file: z.string().optional() }).optional(),
});

export type BundleJournal = z.infer<typeof BundleJournalSchema>;

/** The journal of `dir`, or null when there is none (a finished or a plain bundle). */
export function readBundleJournal(dir: string): BundleJournal | null {
  const file = path.join(dir, JOURNAL_FILE);
  if (!fs.existsSync(file)) return null;
  const value = readJsonFile(file);
  const parsed = BundleJournalSchema.safeParse(value);
  if (!parsed.success)
    throw zodIssueError(parsed.error, {
      input: value,
      file,
      kind: "format",
      message: (issue) => `${file}: ${issue.field}: ${issue.reason}`,
    });
  return parsed.data;
}

/** Writes the journal atomically. */
export function writeBundleJournal(dir: string, journal: BundleJournal): void {
  writeFileAtomic(path.join(dir, JOURNAL_FILE), `${JSON.stringify(journal, null, 1)}\n`);
}

/** Number of chunks of a journal's bundle. */
export function chunkCount(journal: Pick<BundleJournal, "samples" | "chunkSize">): number {
  return Math.ceil(journal.samples / journal.chunkSize);
}

/**
 * Refuses a half-written bundle: a directory with a journal. Plain
 * directories of .npy files (no journal) and files pass.
 */
export function assertBundleComplete(target: string): void {
  let journal: BundleJournal | null;
  try {
    if (!fs.statSync(target).isDirectory()) return;
    journal = readBundleJournal(target);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return;
    throw error;
  }
  if (!journal) return;
  throw new FormatError(
    `${target}: an unfinished bundle (${path.join(target, JOURNAL_FILE)}: ${journal.done.length} of ${chunkCount(journal)} chunks written by ${journal.writer}${failureText(journal)}); rerun the same command to finish it, or remove the folder`,
    {
      file: path.join(target, JOURNAL_FILE),
      field: "done",
      value: journal.done.length,
      expected: chunkCount(journal),
    },
  );
}

/** "; its last run failed: MESSAGE" from a journal that records a failure, else "". */
export function failureText(journal: Pick<BundleJournal, "failure">): string {
  return journal.failure ? `; its last run failed: ${journal.failure.message}` : "";
}

/** Compares two settings objects; the first difference as "key: was A, now B", or null when equal. */
export function settingsDifference(
  was: Readonly<Record<string, unknown>>,
  now: Readonly<Record<string, unknown>>,
): { key: string; was: unknown; now: unknown } | null {
  const keys = [...new Set([...Object.keys(was), ...Object.keys(now)])];
  for (const key of keys) {
    const a = was[key];
    const b = now[key];
    if (JSON.stringify(a) === JSON.stringify(b)) continue;
    if (isPlainObject(a) && isPlainObject(b)) {
      const inner = settingsDifference(a, b);
      if (inner) return { ...inner, key: `${key}.${inner.key}` };
    }
    return { key, was: a, now: b };
  }
  return null;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** Refuses to resume `dir` with other settings, naming the first difference. */
export function assertSameSettings(
  dir: string,
  was: Readonly<Record<string, unknown>>,
  now: Readonly<Record<string, unknown>>,
): void {
  const difference = settingsDifference(was, now);
  if (!difference) return;
  const show = (v: unknown) => (v === undefined ? "(unset)" : JSON.stringify(v));
  throw new ValueError(
    `${dir} was started with ${difference.key} = ${show(difference.was)}; this run has ${difference.key} = ${show(difference.now)}. Rerun with the same options to continue, or choose another --out`,
    {
      file: path.join(dir, JOURNAL_FILE),
      field: difference.key,
      value: difference.now,
      expected: difference.was,
    },
  );
}
