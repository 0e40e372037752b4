/**
 * What tests need from outside their package, in one place:
 *
 * - the optional research data (real NTU / PKU-MMD / UTD-MHAD files, reference
 *   assets from the authors' repository): `SKC_DATA`, default `../shared/data`
 *   beside the repository; tests that need it are declared with
 *   `itWithData` / `describeWithData` and are skipped, with `[needs data]` in
 *   their name, when a file is absent — `pnpm test` then prints one line
 *   saying how many were skipped and how to get the data;
 * - a system browser (Debian's chromium) for rendered output: `[needs browser]`;
 * - a local single-node Slurm (tooling/slurm) for the job-array tests:
 *   `[needs slurm]`; in CI (`CI=true`, as root) it must start, a skip there
 *   is a failure;
 * - the parity fixtures, committed in `fixtures/parity`;
 * - temporary folders that are removed when the test file ends.
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import {
  type LocalCluster,
  type StartOptions,
  slurmPreflight,
  startLocalCluster,
} from "@skeleton-cache/local-slurm";
import { afterAll, beforeAll, describe, it, onTestFinished } from "vitest";

export type { LocalCluster } from "@skeleton-cache/local-slurm";

/** The repository root (with no trailing slash). */
export const REPO = fileURLToPath(new URL("../../../", import.meta.url)).replace(/\/$/, "");

/** The research data folder: `$SKC_DATA`, else `<repo>/../shared/data`. */
export const DATA_DIR = path.resolve(process.env.SKC_DATA ?? path.join(REPO, "..", "shared", "data"));

/** The tag in the name of every test that needs the research data. */
export const DATA_TAG = "[needs data]";
/** The tag in the name of every test that needs a system browser. */
export const BROWSER_TAG = "[needs browser]";
/** The tag in the name of every test that needs a local Slurm cluster. */
export const SLURM_TAG = "[needs slurm]";

/** Absolute path of a file or folder under the research data folder (which may not exist). */
export function dataPath(...parts: string[]): string {
  return path.join(DATA_DIR, ...parts);
}

/** Whether every named path exists under the research data folder. */
export function hasData(...relative: string[]): boolean {
  return relative.every((rel) => fs.existsSync(dataPath(rel)));
}

/** `it`, skipped visibly (name tagged `[needs data]`) unless every listed data path exists. */
export function itWithData(
  needs: readonly string[],
  name: string,
  fn: () => unknown,
  timeout?: number,
): void {
  it.skipIf(!hasData(...needs))(`${DATA_TAG} ${name}`, fn, timeout);
}

/** `describe`, skipped visibly (name tagged `[needs data]`) unless every listed data path exists. */
export function describeWithData(needs: readonly string[], name: string, fn: () => void): void {
  describe.skipIf(!hasData(...needs))(`${DATA_TAG} ${name}`, fn);
}

/** The system Chromium, or null: `$SKC_CHROMIUM`, else /usr/bin/chromium if present. */
export function chromiumPath(): string | null {
  const candidate = process.env.SKC_CHROMIUM ?? "/usr/bin/chromium";
  return fs.existsSync(candidate) ? candidate : null;
}

/** `describe`, skipped visibly (name tagged `[needs browser]`) when no system Chromium is installed. */
export function describeWithBrowser(name: string, fn: (chromium: string) => void): void {
  const chromium = chromiumPath();
  describe.skipIf(chromium === null)(`${BROWSER_TAG} ${name}`, () => fn(chromium ?? ""));
}

/** Whether a missing Slurm fails the tests that need it instead of skipping them: in CI (`CI=true`), as root. */
export function slurmRequired(): boolean {
  return process.env.CI === "true" && process.getuid?.() === 0;
}

/**
 * `describe` with a single-node Slurm cluster (tooling/slurm) brought up
 * once before its first test and stopped (jobs cancelled, its daemons
 * stopped by pid, its folder removed) after its last; `cluster()` returns it
 * inside tests and hooks. Where Slurm cannot start here the block is skipped
 * visibly (`[needs slurm]`; `pnpm test` prints why in one line), except in
 * CI as root ({@link slurmRequired}), where the block fails with the reason.
 */
export function describeWithSlurm(
  name: string,
  fn: (cluster: () => LocalCluster) => void,
  options: StartOptions = {},
): void {
  const reason = slurmPreflight();
  describe.skipIf(reason !== null && !slurmRequired())(`${SLURM_TAG} ${name}`, () => {
    let started: LocalCluster | undefined;
    beforeAll(async () => {
      if (reason !== null) throw new Error(`CI=true as root: Slurm must start here, but ${reason}`);
      started = await startLocalCluster(options);
      const cluster = started;
      // A worker that dies before afterAll still stops the daemons (stop is synchronous).
      process.once("exit", () => cluster.stop());
    }, 120_000);
    afterAll(() => {
      started?.stop();
    }, 60_000);
    fn(() => {
      if (!started)
        throw new Error("describeWithSlurm: the cluster is read inside a test or hook of its block");
      return started;
    });
  });
}

/** The committed parity fixtures (`fixtures/parity/<case>`), or the folder itself. */
export function parityDir(caseName?: string): string {
  const root = path.join(REPO, "fixtures", "parity");
  return caseName ? path.join(root, caseName) : root;
}

/** A file or folder under the repository root. */
export function repoPath(...parts: string[]): string {
  return path.join(REPO, ...parts);
}

/** Every file of a folder, base64 by name: two folders compare byte for byte with `toEqual`. */
export function filesOf(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const name of fs.readdirSync(dir).sort())
    out[name] = fs.readFileSync(path.join(dir, name)).toString("base64");
  return out;
}

/** Names of the committed parity cases. */
export function parityCases(): string[] {
  return fs
    .readdirSync(parityDir())
    .filter((name) => fs.statSync(path.join(parityDir(), name)).isDirectory())
    .sort();
}

const pending = new Set<string>();
let exitHook = false;

function remove(dir: string): void {
  fs.rmSync(dir, { recursive: true, force: true });
  pending.delete(dir);
}

/**
 * A fresh temporary folder, removed with everything in it when the current
 * test ends (inside a test), when the test file ends (at collection time), or
 * at the latest when the worker exits (inside a hook).
 */
export function tempDir(prefix = "skc-test-"): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  pending.add(dir);
  if (!exitHook) {
    exitHook = true;
    process.once("exit", () => {
      for (const d of pending) fs.rmSync(d, { recursive: true, force: true });
    });
  }
  try {
    onTestFinished(() => remove(dir));
  } catch {
    try {
      afterAll(() => remove(dir));
    } catch {
      // inside a hook: the exit hook removes it
    }
  }
  return dir;
}

/**
 * The environment for a child process a test spawns: the test's own
 * environment with `TMPDIR` pointing at a fresh {@link tempDir}, so whatever
 * the child leaves in its temporary folder (tsx's compile cache, a library's
 * log file) is removed with it. `extra` overrides or (with `undefined`) removes keys.
 */
export function childEnv(extra: Readonly<Record<string, string | undefined>> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, TMPDIR: tempDir("skc-child-") };
  for (const [key, value] of Object.entries(extra)) {
    if (value === undefined) delete env[key];
    else env[key] = value;
  }
  return env;
}

/**
 * A temporary folder for the tests of one `describe` block, made before its
 * first test and removed after its last one; call it in the block's body.
 * Unlike `tempDir` at collection time, nothing is made when the block is
 * skipped (e.g. a `describeWithData` block without the data).
 */
export function suiteTempDir(prefix = "skc-test-"): { readonly path: string } {
  let dir: string | undefined;
  beforeAll(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
    pending.add(dir);
  });
  afterAll(() => {
    if (dir) remove(dir);
  });
  return {
    get path(): string {
      if (dir === undefined) throw new Error("suiteTempDir: read .path inside a test or hook of its block");
      return dir;
    },
  };
}
