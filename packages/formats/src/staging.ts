/**
 * Outputs that appear only when complete, and temporaries that never
 * outlive the process that made them.
 *
 * A staged output is built in `<target>.partial-<pid>` (a folder; for a file
 * target the folder holds the file) and renamed into place by `commit()`;
 * `discard()` removes it. Every temporary of this process — a staged folder,
 * an atomic write's temporary file — is removed when the process exits
 * without having published or removed it: a step stopped by Ctrl-C (the
 * CLI's stoppable steps end at once, without running their own cleanup) or
 * a process that quits at once still leaves nothing half-written behind.
 * Staged folders of earlier processes that died (a crash, a kill) are removed
 * by the next commit to the same target.
 */
import fs from "node:fs";
import path from "node:path";
import { FormatError, ValueError } from "@skeleton-cache/errors";

const unfinished = new Set<string>();
let removedAtExit = false;

/** Marks a temporary path of this process: removed at exit unless `settled` first. */
export function trackTemporary(temporary: string): void {
  if (!removedAtExit) {
    removedAtExit = true;
    process.on("exit", () => {
      for (const entry of unfinished) fs.rmSync(entry, { recursive: true, force: true });
    });
  }
  unfinished.add(temporary);
}

/** The temporary was published (renamed into place) or removed. */
export function settleTemporary(temporary: string): void {
  unfinished.delete(temporary);
}

/** The staged folder of `target` for process `pid`: `<target>.partial-<pid>` (absolute). */
export function partialPathOf(target: string, pid: number = process.pid): string {
  return `${path.resolve(target)}.partial-${pid}`;
}

/** Whether a process with this id runs on this machine. */
function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}

/**
 * Removes what earlier processes that died left beside `target`: their
 * `<target>.partial-<pid>` folders, and a `<target>.old-<pid>` folder (an
 * output moved aside by a commit cut short) — put back when `target` is
 * missing, else removed. Folders of live processes are kept. Returns the
 * paths removed or restored.
 */
export function removeStalePartials(target: string): string[] {
  const resolved = path.resolve(target);
  const dir = path.dirname(resolved);
  const base = `${path.basename(resolved)}.`;
  const cleaned: string[] = [];
  let entries: string[];
  try {
    entries = fs.readdirSync(dir);
  } catch {
    return cleaned;
  }
  for (const name of entries) {
    const match = name.startsWith(base) ? /^(partial|old)-(\d+)$/.exec(name.slice(base.length)) : null;
    if (!match || Number(match[2]) === process.pid || alive(Number(match[2]))) continue;
    const stale = path.join(dir, name);
    if (match[1] === "old" && !fs.existsSync(resolved)) fs.renameSync(stale, resolved);
    else fs.rmSync(stale, { recursive: true, force: true });
    cleaned.push(stale);
  }
  return cleaned;
}

/** An output being built where no reader looks; see `stageOutput`. */
export interface StagedOutput {
  readonly target: string;
  /** Where to write: the staged folder, or for a file target the file inside it. */
  readonly path: string;
  /**
   * Publishes the output at `target`: a file by one rename over it; a folder
   * by moving an existing `target` aside, renaming the staged folder into
   * place, then removing the old one. Then removes what earlier processes
   * that died left beside `target`.
   */
  commit(): void;
  /** Removes the staged output (what a failed or stopped run calls). */
  discard(): void;
}

/**
 * Stages an output at `target`: `path` is a fresh `<target>.partial-<pid>`
 * folder (or, with `file`, a file of the target's name inside it). Nothing
 * appears at `target` until `commit()`. An existing target of the other
 * kind (a folder where a file goes, or the reverse) is refused.
 */
export function stageOutput(target: string, options: { readonly file?: boolean } = {}): StagedOutput {
  const resolved = path.resolve(target);
  const file = options.file === true;
  if (fs.existsSync(resolved) && fs.statSync(resolved).isDirectory() === file)
    throw new ValueError(
      `${target}: exists and is ${file ? "a folder" : "a file"}, not the ${file ? "file" : "folder"} this writes; choose another path`,
      { file: target, field: "target" },
    );
  const staged = partialPathOf(resolved);
  fs.rmSync(staged, { recursive: true, force: true });
  fs.mkdirSync(staged, { recursive: true });
  trackTemporary(staged);
  const where = file ? path.join(staged, path.basename(resolved)) : staged;
  let open = true;
  const settle = (what: string) => {
    if (!open) throw new FormatError(`${target}: the staged output was already ${what}`, { file: target });
    open = false;
  };
  return {
    target,
    path: where,
    commit() {
      settle("published or removed");
      if (file) {
        fs.renameSync(where, resolved);
        fs.rmSync(staged, { recursive: true, force: true });
      } else {
        const aside = `${resolved}.old-${process.pid}`;
        const replacing = fs.existsSync(resolved);
        if (replacing) fs.renameSync(resolved, aside);
        fs.renameSync(staged, resolved);
        if (replacing) fs.rmSync(aside, { recursive: true, force: true });
      }
      settleTemporary(staged);
      removeStalePartials(resolved);
    },
    discard() {
      if (!open) return;
      open = false;
      fs.rmSync(staged, { recursive: true, force: true });
      settleTemporary(staged);
    },
  };
}
