/**
 * The write lock of a bundle directory being written in chunks: `lock.json`
 * beside the journal names its owner — host, pid (with the process's start
 * time, so a reused pid is not taken for it), the scheduler's job id — and a
 * heartbeat the owner renews every 10 s. Two writers of one folder (the same
 * `--out` twice, or two array tasks given the same shard index) would
 * interleave their chunks; the second is refused instead:
 *
 * - an owner on this host is alive or not, and that decides (a killed
 *   owner's lock is taken over at once, so a requeued task resumes);
 * - an owner on another host is taken for alive while its heartbeat is
 *   younger than 30 s (LOCK_STALE_MS), and for gone after.
 *
 * The lock appears whole (written aside, then hard-linked into place, which
 * fails when one exists), and a stale lock is taken over by renaming it aside
 * first, so two processes never both hold it.
 */
import crypto from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { FormatError, ValueError, zodIssueError } from "@skeleton-cache/errors";
import { readJsonFile, writeFileAtomic } from "@skeleton-cache/formats";
import { z } from "zod";

/** The lock's file name inside a bundle directory. */
export const LOCK_FILE = "lock.json";
/** The lock's `format` tag. */
export const LOCK_FORMAT = "skeleton-cache.bundle-lock/1";
/** An owner on another host whose heartbeat is older than this is taken for gone. */
export const LOCK_STALE_MS = 30_000;
/** How often the owner renews its heartbeat. */
export const LOCK_HEARTBEAT_MS = 10_000;

export const BundleLockSchema = z.strictObject({
  format: z.literal(LOCK_FORMAT),
  /** What writes the bundle, e.g. "skc extract". */
  writer: z.string().min(1),
  host: z.string().min(1),
  pid: z.number().int().positive(),
  /** The owner's start time in clock ticks since boot (Linux /proc/PID/stat); absent elsewhere. */
  pidStart: z.string().optional(),
  /** The scheduler's id of the owning task (e.g. Slurm's `<array job>_<task>`). */
  job: z.string().optional(),
  /** Unique to one acquisition: tells the owner whether the lock is still its own. */
  token: z.string().min(1),
  /** When it was taken and last renewed (ISO 8601). */
  started: z.string(),
  heartbeat: z.string(),
});

export type BundleLockRecord = z.infer<typeof BundleLockSchema>;

/** A lock this process holds. */
export interface BundleLock {
  readonly dir: string;
  readonly record: BundleLockRecord;
  /** The stale lock this acquisition replaced (its owner was gone), if any. */
  readonly takenOver: BundleLockRecord | undefined;
  /** Throws when the lock is no longer this process's (another took it over, judging it stale). */
  assertHeld(): void;
  /** Whether the lock is still this process's. */
  held(): boolean;
  /** Renews the heartbeat now (a timer also does, every LOCK_HEARTBEAT_MS). */
  beat(): void;
  /** Stops the heartbeat and removes the lock if it is still this process's. */
  release(): void;
}

/** What to record about the owner. */
export interface BundleLockOptions {
  readonly writer: string;
  /** The scheduler's id of this task. */
  readonly job?: string | undefined;
}

/** A process's start time (field 22 of /proc/PID/stat), or undefined where there is no /proc. */
function processStart(pid: number): string | undefined {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, "utf8");
    return stat
      .slice(stat.lastIndexOf(")") + 2)
      .split(" ")
      .at(19);
  } catch {
    return undefined;
  }
}

/** Whether process `pid` of this host exists (a zombie, where /proc shows one, counts as gone). */
function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "EPERM") return false;
  }
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, "utf8");
    return stat.slice(stat.lastIndexOf(")") + 2, stat.lastIndexOf(")") + 3) !== "Z";
  } catch {
    return true; // no /proc: kill(pid, 0) has answered
  }
}

/** The lock of `dir`, or null when there is none. */
export function readBundleLock(dir: string): BundleLockRecord | null {
  const file = path.join(dir, LOCK_FILE);
  let value: unknown;
  try {
    value = readJsonFile(file, "bundle lock");
  } catch (error) {
    if (!fs.existsSync(file)) return null;
    throw error;
  }
  const parsed = BundleLockSchema.safeParse(value);
  if (!parsed.success) {
    throw zodIssueError(parsed.error, {
      input: value,
      file,
      kind: "format",
      message: (issue) => `${file}: ${issue.field}: ${issue.reason}; remove it if no writer is running`,
    });
  }
  return parsed.data;
}

/**
 * Whether a lock's owner is still there: on this host, its process (same pid
 * and start time) is alive; on another, its heartbeat is younger than
 * LOCK_STALE_MS. With the reason, for messages.
 */
export function lockOwnerAlive(
  record: BundleLockRecord,
  now = Date.now(),
): { readonly alive: boolean; readonly why: string } {
  const age = Math.max(0, Math.round((now - Date.parse(record.heartbeat)) / 1000));
  if (record.host === os.hostname()) {
    const start = processStart(record.pid);
    const same = processAlive(record.pid) && (record.pidStart === undefined || record.pidStart === start);
    return same
      ? { alive: true, why: `pid ${record.pid} is running on this host` }
      : { alive: false, why: `pid ${record.pid} is no longer running on this host` };
  }
  const fresh = !Number.isNaN(age) && age * 1000 < LOCK_STALE_MS;
  return fresh
    ? {
        alive: true,
        why: `its heartbeat is ${age} s old (a lock is taken over after ${LOCK_STALE_MS / 1000} s)`,
      }
    : {
        alive: false,
        why: `its heartbeat is ${Number.isNaN(age) ? "unreadable" : `${age} s old`}`,
      };
}

function owner(record: BundleLockRecord): string {
  return `pid ${record.pid} on ${record.host}${record.job ? ` (job ${record.job})` : ""}`;
}

/** Creates the lock file whole, or returns false when one exists. */
function create(file: string, record: BundleLockRecord): boolean {
  const aside = path.join(path.dirname(file), `.${LOCK_FILE}.${record.token}.tmp`);
  fs.writeFileSync(aside, `${JSON.stringify(record, null, 1)}\n`);
  try {
    fs.linkSync(aside, file);
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "EEXIST") return false;
    throw error;
  } finally {
    fs.rmSync(aside, { force: true });
  }
}

/** Moves a stale lock aside; false when what was moved is not that lock (then it is put back). */
function removeStale(file: string, stale: BundleLockRecord, token: string): boolean {
  const aside = path.join(path.dirname(file), `.${LOCK_FILE}.stale-${token}.tmp`);
  try {
    fs.renameSync(file, aside);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return true; // gone already
    throw error;
  }
  let moved: BundleLockRecord | null = null;
  try {
    moved = BundleLockSchema.parse(JSON.parse(fs.readFileSync(aside, "utf8")));
  } catch {
    // unreadable: it was not the lock judged stale
  }
  if (moved?.token === stale.token) {
    fs.rmSync(aside, { force: true });
    return true;
  }
  try {
    fs.linkSync(aside, file); // another process's fresh lock: put it back (unless a third took the place)
  } catch {
    // the place is taken again
  } finally {
    fs.rmSync(aside, { force: true });
  }
  return false;
}

/**
 * Takes the write lock of `dir` (which must exist), taking over a stale one;
 * refuses (ValueError naming the owner) while another writer holds it.
 */
export function acquireBundleLock(dir: string, options: BundleLockOptions): BundleLock {
  const file = path.join(dir, LOCK_FILE);
  const token = crypto.randomBytes(12).toString("hex");
  const nowIso = () => new Date().toISOString();
  const pidStart = processStart(process.pid);
  const record: BundleLockRecord = {
    format: LOCK_FORMAT,
    writer: options.writer,
    host: os.hostname(),
    pid: process.pid,
    ...(pidStart !== undefined ? { pidStart } : {}),
    ...(options.job ? { job: options.job } : {}),
    token,
    started: nowIso(),
    heartbeat: nowIso(),
  };
  let takenOver: BundleLockRecord | undefined;
  // Each round either takes the lock, refuses, or finds it changed hands meanwhile (a race: try again).
  for (let round = 0; !create(file, record); round++) {
    const current = readBundleLock(dir);
    if (!current) continue; // released meanwhile
    const state = lockOwnerAlive(current);
    if (state.alive || round >= 5)
      throw new ValueError(
        `${dir} is being written by ${owner(current)} since ${current.started} (${state.why}); two runs must not write one bundle — the same --out twice, or two tasks given the same --shard index. Wait for it or stop it; a lock whose owner is gone is taken over`,
        {
          file,
          field: "lock",
          value: { host: current.host, pid: current.pid, ...(current.job ? { job: current.job } : {}) },
        },
      );
    if (removeStale(file, current, token)) takenOver = current;
  }
  return new HeldLock(dir, file, record, takenOver);
}

class HeldLock implements BundleLock {
  private timer: NodeJS.Timeout | null;
  private lost: BundleLockRecord | null = null;

  constructor(
    readonly dir: string,
    private readonly file: string,
    public record: BundleLockRecord,
    readonly takenOver: BundleLockRecord | undefined,
  ) {
    this.timer = setInterval(() => {
      try {
        this.beat();
      } catch {
        // assertHeld reports it at the next chunk
      }
    }, LOCK_HEARTBEAT_MS);
    this.timer.unref();
  }

  private current(): BundleLockRecord | null {
    try {
      return readBundleLock(this.dir);
    } catch {
      return null;
    }
  }

  held(): boolean {
    return this.timer !== null && this.lost === null && this.current()?.token === this.record.token;
  }

  assertHeld(): void {
    if (this.lost) this.fail(this.lost);
    const current = this.current();
    if (current?.token !== this.record.token) this.fail(current);
  }

  private fail(by: BundleLockRecord | null): never {
    this.lost = by ?? this.record;
    throw new ValueError(
      `${this.dir}: this run (pid ${this.record.pid}) lost its write lock${by && by.token !== this.record.token ? ` to ${owner(by)}` : ""} (its heartbeat stalled past ${LOCK_STALE_MS / 1000} s?); it stops so that two runs do not interleave`,
      { file: this.file, field: "lock" },
    );
  }

  beat(): void {
    if (this.timer === null) return;
    const current = this.current();
    if (current?.token !== this.record.token) {
      this.lost = current ?? this.record;
      return;
    }
    this.record = { ...this.record, heartbeat: new Date().toISOString() };
    writeFileAtomic(this.file, `${JSON.stringify(this.record, null, 1)}\n`);
  }

  release(): void {
    if (this.timer === null) return;
    clearInterval(this.timer);
    this.timer = null;
    if (this.current()?.token === this.record.token) fs.rmSync(this.file, { force: true });
  }
}
