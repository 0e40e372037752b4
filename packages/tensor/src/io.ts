import fs from "node:fs";
import path from "node:path";

/**
 * Writes a file atomically: the bytes go to a temporary file in the same
 * directory, which is flushed and then renamed over the target, so a reader
 * (or a crash) never sees a half-written file.
 */
export function writeFileAtomic(target: string, contents: Uint8Array | string): void {
  const dir = path.dirname(target);
  fs.mkdirSync(dir, { recursive: true });
  const temp = path.join(dir, `.${path.basename(target)}.${process.pid}.${Date.now()}.tmp`);
  const fd = fs.openSync(temp, "w");
  try {
    fs.writeSync(fd, typeof contents === "string" ? Buffer.from(contents, "utf8") : contents);
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
  try {
    fs.renameSync(temp, target);
  } catch (error) {
    fs.rmSync(temp, { force: true });
    throw error;
  }
}
