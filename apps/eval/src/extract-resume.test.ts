/**
 * `skc extract` is resumable: a real child process is killed mid-way (one of
 * its input files is a named pipe nobody writes, so the chunk that reads it
 * can never finish while the others do), the half-written bundle is refused
 * by `skc eval`, a rerun with other options is refused naming the
 * difference, and the same command then finishes it — with the bytes of an
 * uninterrupted run. Ctrl-C (SIGINT) exits 130 and says what was kept.
 */
import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { JOURNAL_FILE, readBundleJournal } from "@skeleton-cache/bundle";
import { syntheticNtuSkeletonText, writeSyntheticNtu } from "@skeleton-cache/datasets";
import { filesOf, REPO, tempDir } from "@skeleton-cache/test-support";
import { afterEach, describe, expect, it } from "vitest";
import { main } from "./cli.js";
import { captureIo } from "./test-support/io.js";

const MODEL = path.join(REPO, "packages/backbone-onnx/fixtures/stgcn-tiny/model.onnx");
const CLI = path.join(REPO, "apps/eval/src/cli.ts");
const CHUNK = 4;
const SAMPLES = 40;

function extractArgs(data: string, out: string, extra: string[] = []): string[] {
  return [
    "extract",
    "--model",
    MODEL,
    "--data",
    data,
    "--classes",
    "A001,A002,A003,A004,A005",
    "--chunk-size",
    String(CHUNK),
    "--sample-order",
    "listed", // file order: the pipe's sample sits in the chunk the test names
    "--out",
    out,
    "--quiet",
    ...extra,
  ];
}

const children: ChildProcess[] = [];
afterEach(() => {
  for (const child of children)
    if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
  children.length = 0;
});

/** Starts `skc` from source in a child process. */
function startCli(args: string[]): {
  child: ChildProcess;
  stderr: () => string;
  exit: Promise<{ code: number | null; signal: string | null; stderr: string }>;
} {
  const child = spawn(process.execPath, ["--conditions=@skc/source", "--import", "tsx", CLI, ...args], {
    cwd: REPO,
    stdio: ["ignore", "ignore", "pipe"],
  });
  children.push(child);
  let stderr = "";
  child.stderr!.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
  const exit = new Promise<{ code: number | null; signal: string | null; stderr: string }>((resolve) =>
    child.on("exit", (code, signal) => resolve({ code, signal, stderr })),
  );
  return { child, stderr: () => stderr, exit };
}

/** Waits until the bundle's journal lists at least `chunks` finished chunks (or the child ends). */
async function waitForChunks(dir: string, chunks: number, child: ChildProcess): Promise<number> {
  for (;;) {
    if (child.exitCode !== null)
      throw new Error(`the child ended (code ${child.exitCode}) before ${chunks} chunks were written`);
    const file = path.join(dir, JOURNAL_FILE);
    if (fs.existsSync(file)) {
      const done = readBundleJournal(dir)?.done.length ?? 0;
      if (done >= chunks) return done;
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** A data folder whose sample `blocked` is a named pipe: reading it blocks until someone writes. */
function dataWithPipe(
  root: string,
  blocked: number,
): { data: string; names: string[]; restore: () => void; unblock: () => boolean } {
  const data = path.join(root, "ntu");
  const names = writeSyntheticNtu(data, { count: SAMPLES, actions: [1, 2, 3, 4, 5] });
  const file = path.join(data, `${names[blocked]}.skeleton`);
  const text = fs.readFileSync(file, "utf8");
  fs.rmSync(file);
  execFileSync("mkfifo", [file]);
  return {
    data,
    names,
    restore: () => {
      fs.rmSync(file);
      fs.writeFileSync(file, text);
    },
    // Writing the pipe lets its reader go on (a thread blocked in a read cannot be stopped, not even at exit).
    // Non-blocking: until the reader has the pipe open, opening it for writing fails (ENXIO) instead of
    // waiting; a short sample (3 frames, within the pipe's buffer) is written in one go.
    unblock: () => {
      let fd: number;
      try {
        fd = fs.openSync(file, fs.constants.O_WRONLY | fs.constants.O_NONBLOCK);
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === "ENXIO") return false;
        throw error;
      }
      try {
        fs.writeSync(fd, syntheticNtuSkeletonText({ seed: blocked + 1, frames: 3 }));
      } finally {
        fs.closeSync(fd);
      }
      return true;
    },
  };
}

describe("skc extract: crash, refuse, resume", () => {
  it("a child killed mid-way leaves a bundle skc eval refuses; the same command finishes it with the bytes of a clean run", async () => {
    const root = tempDir("skc-resume-");
    // Sample 37 (in chunk 9, the last of 10: no chunk queues behind it) is the pipe; the other nine can finish.
    const { data, restore } = dataWithPipe(root, 37);
    const out = path.join(root, "bundle");
    // Workers read the files (--parallel preprocess), so the pipe blocks a worker, never the main thread.
    const { child, exit } = startCli(extractArgs(data, out, ["--workers", "2", "--parallel", "preprocess"]));
    const done = await waitForChunks(out, 9, child);
    child.kill("SIGKILL");
    expect((await exit).signal).toBe("SIGKILL");
    expect(done).toBe(9);
    expect(readBundleJournal(out)!.done).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8]);

    // skc eval refuses the half-written bundle.
    const evalRun = captureIo();
    const evalOut = path.join(root, "run");
    expect(
      await main(["eval", "--bundle", out, "--prior", "uniform", "--out", evalOut, "--quiet"], evalRun.io),
    ).toBe(2);
    expect(evalRun.stderr).toContain(
      `${out}: an unfinished bundle (${path.join(out, JOURNAL_FILE)}: 9 of 10 chunks`,
    );
    expect(evalRun.stderr).toContain("rerun the same command to finish it");
    expect(fs.existsSync(evalOut)).toBe(false);

    // Other options are refused, naming the difference; nothing changes.
    restore();
    const other = captureIo();
    expect(await main(extractArgs(data, out, ["--workers", "0", "--center", "first-frame"]), other.io)).toBe(
      2,
    );
    expect(other.stderr).toContain(
      `${out} was started with preprocessing.center = "none"; this run has preprocessing.center = "first-frame"`,
    );
    expect(readBundleJournal(out)!.done).toHaveLength(9);

    // The same command finishes it: only the missing chunk runs.
    const resumed = captureIo();
    expect(
      await main(
        extractArgs(data, out, ["--workers", "2"]).filter((a) => a !== "--quiet"),
        resumed.io,
      ),
    ).toBe(0);
    expect(resumed.stdout).toContain(`wrote ${out}: ${SAMPLES} samples`);
    expect(resumed.stdout).toContain("resumed: 9 of 10 chunks were kept");
    expect(fs.existsSync(path.join(out, JOURNAL_FILE))).toBe(false);

    // An uninterrupted run on the main thread writes the same bytes.
    const clean = path.join(root, "clean");
    const cleanRun = captureIo();
    expect(await main(extractArgs(data, clean, ["--workers", "0"]), cleanRun.io)).toBe(0);
    expect(filesOf(out)).toEqual(filesOf(clean));
    const meta = JSON.parse(fs.readFileSync(path.join(out, "meta.json"), "utf8"));
    expect(meta.sampleNames).toHaveLength(SAMPLES);
    expect(new Set(meta.sampleNames).size).toBe(SAMPLES);

    // Rerunning a finished bundle does nothing.
    const again = captureIo();
    expect(
      await main(
        extractArgs(data, out).filter((a) => a !== "--quiet"),
        again.io,
      ),
    ).toBe(0);
    expect(again.stdout).toContain("already complete, nothing to do");
  }, 180_000);

  it("Ctrl-C (SIGINT) exits 130, keeps the finished chunks and says how to continue", async () => {
    const root = tempDir("skc-sigint-");
    const { data, unblock } = dataWithPipe(root, 30);
    const out = path.join(root, "bundle");
    const cli = startCli(extractArgs(data, out, ["--workers", "2", "--parallel", "preprocess"]));
    await waitForChunks(out, 3, cli.child);
    cli.child.kill("SIGINT");
    // Each worker stops after its current chunk; the one reading the pipe (if any) once the pipe is written.
    while (cli.child.exitCode === null && cli.child.signalCode === null && !unblock())
      await new Promise((resolve) => setTimeout(resolve, 50));
    const { code, stderr } = await cli.exit;
    expect(code).toBe(130);
    const kept = readBundleJournal(out)!.done.length;
    expect(stderr).toMatch(
      new RegExp(
        `skc extract: interrupted: ${kept} of 10 chunks \\(${kept * CHUNK} of ${SAMPLES} samples\\) are kept in ${out}; rerun the same command to continue`,
      ),
    );
    expect(
      stderr.split("\n").filter((line) => line !== ""),
      "one line on stderr",
    ).toHaveLength(1);
  }, 120_000);
});
