import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { exitCodeOf, ValueError } from "@skeleton-cache/errors";
import { tempDir } from "@skeleton-cache/test-support";
import { afterEach, describe, expect, it } from "vitest";
import {
  acquireBundleLock,
  type BundleLockRecord,
  JOURNAL_FILE,
  LOCK_FILE,
  LOCK_FORMAT,
  lockOwnerAlive,
  openChunkedBundle,
  readBundleLock,
} from "./index.js";

const LOCK_MODULE = pathToFileURL(path.join(import.meta.dirname, "lock.ts")).href;
const children: ChildProcess[] = [];

afterEach(() => {
  for (const child of children.splice(0)) child.kill("SIGKILL");
});

/** Another process that takes the lock of `dir` (as task 41_1 of a Slurm array) and holds it until killed. */
async function holder(dir: string): Promise<ChildProcess> {
  const script = path.join(tempDir("skc-lock-holder-"), "hold.mjs");
  fs.writeFileSync(
    script,
    [
      "const { acquireBundleLock } = await import(process.argv[2]);",
      'acquireBundleLock(process.argv[3], { writer: "holder", job: "41_1" });',
      'process.stdout.write("locked\\n");',
      "setInterval(() => {}, 1000);",
    ].join("\n"),
  );
  const child = spawn(
    process.execPath,
    ["--conditions=@skc/source", "--import", "tsx", script, LOCK_MODULE, dir],
    { stdio: ["ignore", "pipe", "inherit"] },
  );
  children.push(child);
  await new Promise<void>((resolve, reject) => {
    child.stdout!.on("data", (data: Buffer) => {
      if (data.toString().includes("locked")) resolve();
    });
    child.once("exit", (code) => reject(new Error(`the holder exited (${code}) before taking the lock`)));
  });
  return child;
}

/** A lock record as another writer would have left it. */
function leftBy(owner: Partial<BundleLockRecord>): BundleLockRecord {
  const now = new Date().toISOString();
  return {
    format: LOCK_FORMAT,
    writer: "skc extract",
    host: os.hostname(),
    pid: 1,
    token: "a1b2c3",
    started: now,
    heartbeat: now,
    ...owner,
  };
}

function writeLock(dir: string, record: BundleLockRecord): void {
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(path.join(dir, LOCK_FILE), JSON.stringify(record));
}

/** The pid of a process that ran and exited (reaped: no process has it now). */
function deadPid(): number {
  return spawnSync(process.execPath, ["-e", ""]).pid!;
}

function refusal(fn: () => unknown): Error {
  try {
    fn();
  } catch (error) {
    return error as Error;
  }
  throw new Error("expected a refusal");
}

const OPTIONS = { writer: "skc extract", settings: { model: "m.onnx" }, samples: 4, chunkSize: 2 };

describe("the write lock of a chunked bundle", () => {
  it("refuses a second writer while a live process on this host holds it, naming its pid, host and job; once that process is killed, a resume takes it over", async () => {
    const dir = path.join(tempDir("skc-lock-"), "part-1");
    fs.mkdirSync(dir);
    const child = await holder(dir);
    const error = refusal(() => acquireBundleLock(dir, { writer: "skc extract" }));
    expect(error).toBeInstanceOf(ValueError);
    expect(exitCodeOf(error)).toBe(2);
    expect(error.message).toMatch(
      new RegExp(
        `^${dir} is being written by pid ${child.pid} on ${os.hostname()} \\(job 41_1\\) since \\S+ \\(pid ${child.pid} is running on this host\\); two runs must not write one bundle — the same --out twice, or two tasks given the same --shard index`,
      ),
    );
    // Through the chunked writer: refused before anything is written.
    expect(() => openChunkedBundle(dir, OPTIONS)).toThrow(/is being written by pid/);
    expect(fs.readdirSync(dir)).toEqual([LOCK_FILE]);

    child.kill("SIGKILL");
    await new Promise((resolve) => child.once("exit", resolve));
    expect(readBundleLock(dir)?.pid).toBe(child.pid); // a killed owner cannot release it
    const writer = openChunkedBundle(dir, OPTIONS);
    expect(writer.state).toBe("new");
    expect(writer.takenOver).toEqual({ host: os.hostname(), pid: child.pid, job: "41_1" });
    expect(readBundleLock(dir)?.pid).toBe(process.pid);
    writer.close();
    expect(writer.takenOver?.pid).toBe(child.pid); // still said after the lock is released
    expect(fs.readdirSync(dir)).toEqual([JOURNAL_FILE]); // released; the journal stays for a resume
  });

  it("takes over a lock whose owner on this host is gone, even with a fresh heartbeat, and one whose pid now belongs to another process", () => {
    const root = tempDir("skc-lock-");
    const killed = leftBy({ pid: deadPid(), job: "41_2" });
    writeLock(path.join(root, "a"), killed);
    expect(lockOwnerAlive(killed)).toEqual({
      alive: false,
      why: `pid ${killed.pid} is no longer running on this host`,
    });
    const lock = acquireBundleLock(path.join(root, "a"), { writer: "skc extract", job: "41_2" });
    expect(lock.takenOver).toEqual(killed);
    expect(readBundleLock(path.join(root, "a"))).toMatchObject({ pid: process.pid, job: "41_2" });
    lock.release();
    expect(fs.existsSync(path.join(root, "a", LOCK_FILE))).toBe(false);

    // This pid is alive, but it is not the process that took the lock (another start time).
    const reused = leftBy({ pid: process.pid, pidStart: "1" });
    expect(lockOwnerAlive(reused).alive).toBe(false);
    writeLock(path.join(root, "b"), reused);
    acquireBundleLock(path.join(root, "b"), { writer: "skc extract" }).release();
  });

  it("an owner on another host holds it while its heartbeat is younger than 30 s, and is taken for gone after", () => {
    const root = tempDir("skc-lock-");
    const ago = (s: number) => new Date(Date.now() - s * 1000).toISOString();
    const fresh = leftBy({ host: "node-017", pid: 4242, job: "41_3", heartbeat: ago(5) });
    writeLock(path.join(root, "a"), fresh);
    const error = refusal(() => acquireBundleLock(path.join(root, "a"), { writer: "skc extract" }));
    expect(exitCodeOf(error)).toBe(2);
    expect(error.message).toContain("is being written by pid 4242 on node-017 (job 41_3) since ");
    expect(error.message).toMatch(/\(its heartbeat is [56] s old \(a lock is taken over after 30 s\)\)/);

    const stale = leftBy({ host: "node-017", pid: 4242, heartbeat: ago(31) });
    writeLock(path.join(root, "b"), stale);
    const lock = acquireBundleLock(path.join(root, "b"), { writer: "skc extract" });
    expect(lock.takenOver?.host).toBe("node-017");
    lock.release();
  });

  it("the owner renews its heartbeat, and stops writing chunks once another writer has taken its lock", async () => {
    const root = tempDir("skc-lock-");
    fs.mkdirSync(path.join(root, "a"));
    const lock = acquireBundleLock(path.join(root, "a"), { writer: "skc extract" });
    await new Promise((resolve) => setTimeout(resolve, 20));
    lock.beat();
    const renewed = readBundleLock(path.join(root, "a"))!;
    expect(renewed.token).toBe(lock.record.token);
    expect(Date.parse(renewed.heartbeat)).toBeGreaterThan(Date.parse(renewed.started));
    lock.release();

    const dir = path.join(root, "b");
    const writer = openChunkedBundle(dir, { ...OPTIONS, job: "41_4" });
    expect(readBundleLock(dir)).toMatchObject({
      writer: "skc extract",
      host: os.hostname(),
      pid: process.pid,
      job: "41_4",
    });
    // Another host judged this writer gone (a heartbeat that stalled) and took the lock.
    writeLock(dir, leftBy({ host: "node-017", pid: 4242, token: "other" }));
    const chunk = {
      kind: "descriptors" as const,
      sampleShape: [8, 5],
      logits: new Float32Array(6),
      values: new Float32Array(80),
    };
    const error = refusal(() => writer.writeChunk(0, chunk));
    expect(exitCodeOf(error)).toBe(2);
    expect(error.message).toBe(
      `${dir}: this run (pid ${process.pid}) lost its write lock to pid 4242 on node-017 (its heartbeat stalled past 30 s?); it stops so that two runs do not interleave`,
    );
    expect(fs.existsSync(path.join(dir, "descriptors.npy"))).toBe(false);
    writer.close();
    expect(readBundleLock(dir)?.token).toBe("other"); // not removed: it is not this writer's
  });
});
