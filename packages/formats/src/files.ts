import fs from "node:fs";
import path from "node:path";
import { FormatError } from "@skeleton-cache/errors";
import { settleTemporary, trackTemporary } from "./staging.js";

/**
 * Writes a file atomically: the bytes go to a temporary file in the same
 * directory, which is flushed and then renamed over the target, so a reader
 * (or a crash) never sees a half-written file. The temporary file is
 * removed at exit if a stopped step never got to rename or remove it.
 */
export function writeFileAtomic(target: string, contents: Uint8Array | string): void {
  const dir = path.dirname(target);
  fs.mkdirSync(dir, { recursive: true });
  const temp = path.join(dir, `.${path.basename(target)}.${process.pid}.${Date.now()}.tmp`);
  trackTemporary(temp);
  try {
    const fd = fs.openSync(temp, "w");
    try {
      fs.writeSync(fd, typeof contents === "string" ? Buffer.from(contents, "utf8") : contents);
      fs.fsyncSync(fd);
    } finally {
      fs.closeSync(fd);
    }
    fs.renameSync(temp, target);
  } catch (error) {
    fs.rmSync(temp, { force: true });
    throw error;
  } finally {
    settleTemporary(temp);
  }
}

/** A file written in pieces and published atomically: nothing appears at `target` until `commit()`. */
export interface AtomicWriter {
  readonly target: string;
  /** Bytes written so far. */
  readonly size: number;
  write(bytes: Uint8Array): void;
  /** Flushes, then renames the temporary file over the target. */
  commit(): void;
  /** Removes the temporary file (safe to call after commit or twice). */
  abort(): void;
}

/**
 * Opens an atomic writer for files too large to hold in memory: the pieces
 * go to a temporary file beside the target, renamed over it by `commit()`,
 * as `writeFileAtomic` does for a whole buffer.
 */
export function createAtomicWriter(target: string): AtomicWriter {
  const dir = path.dirname(target);
  fs.mkdirSync(dir, { recursive: true });
  const temp = path.join(dir, `.${path.basename(target)}.${process.pid}.${Date.now()}.tmp`);
  trackTemporary(temp);
  let fd: number | undefined = fs.openSync(temp, "w");
  let size = 0;
  const close = () => {
    if (fd !== undefined) fs.closeSync(fd);
    fd = undefined;
  };
  return {
    target,
    get size() {
      return size;
    },
    write(bytes) {
      if (fd === undefined) throw new FormatError(`${target}: writer is closed`, { file: target });
      let done = 0;
      while (done < bytes.length) done += fs.writeSync(fd, bytes, done, bytes.length - done);
      size += bytes.length;
    },
    commit() {
      if (fd === undefined) throw new FormatError(`${target}: writer is closed`, { file: target });
      fs.fsyncSync(fd);
      close();
      try {
        fs.renameSync(temp, target);
      } catch (error) {
        fs.rmSync(temp, { force: true });
        throw error;
      } finally {
        settleTemporary(temp);
      }
    },
    abort() {
      close();
      fs.rmSync(temp, { force: true });
      settleTemporary(temp);
    },
  };
}

/** Reads a whole file; a missing or unreadable file is a FormatError naming it. */
export function readFileBytes(file: string | URL, what = "file"): Uint8Array {
  try {
    return fs.readFileSync(file);
  } catch (error) {
    const name = typeof file === "string" ? file : file.pathname;
    throw new FormatError(
      `${name}: cannot read ${what} (${(error as Error).message})`,
      { file: name },
      { cause: error },
    );
  }
}

/** Reads a text file (UTF-8 unless told); errors as `readFileBytes`. */
export function readTextFile(
  file: string | URL,
  what = "file",
  encoding: "utf8" | "latin1" = "utf8",
): string {
  return Buffer.from(readFileBytes(file, what)).toString(encoding);
}

/** Reads and parses a JSON file; invalid JSON is a FormatError naming the file. */
export function readJsonFile(file: string | URL, what = "file"): unknown {
  const text = readTextFile(file, what);
  try {
    return JSON.parse(text);
  } catch (error) {
    const name = typeof file === "string" ? file : file.pathname;
    throw new FormatError(
      `${name}: ${what} is not valid JSON (${(error as Error).message})`,
      { file: name },
      { cause: error },
    );
  }
}

/** Names of a directory's entries; a missing or unreadable directory is a FormatError naming it. */
export function listDirectory(dir: string, what = "directory"): string[] {
  try {
    return fs.readdirSync(dir);
  } catch (error) {
    throw new FormatError(
      `${dir}: cannot list ${what} (${(error as Error).message})`,
      { file: dir },
      { cause: error },
    );
  }
}

/**
 * Checks the `format` key ("name/version") of a versioned JSON file: one of
 * the right name but another version names both and the package to
 * upgrade; a missing key passes unless `missing` says why it may not.
 */
export function checkFormatVersion(
  value: unknown,
  expected: string,
  where: { readonly file: string; readonly upgrade: string; readonly missing?: string },
): void {
  const { file } = where;
  const format = (value as { format?: unknown } | null)?.format;
  if (format === undefined && where.missing !== undefined)
    throw new FormatError(`${file}: no format key: ${where.missing}`, { file, field: "format", expected });
  if (format === undefined || format === expected) return;
  const name = expected.split("/")[0]!;
  throw new FormatError(
    typeof format === "string" && format.startsWith(`${name}/`)
      ? `${file}: format ${format} is not one this version reads (${expected}); upgrade ${where.upgrade}`
      : `${file}: format ${JSON.stringify(format)} is not ${expected}`,
    { file, field: "format", value: format, expected },
  );
}
