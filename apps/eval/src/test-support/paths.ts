import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";

export const SHARED =
  process.env.SKC_SHARED ?? fileURLToPath(new URL("../../../../../shared/", import.meta.url));
export const PARITY = path.join(SHARED, "fixtures/parity");
export const REPO = fileURLToPath(new URL("../../../../", import.meta.url));
export const CLI = path.join(REPO, "apps/eval/dist/cli.js");

/** A fresh temporary directory. */
export function tempDir(prefix = "skc-eval-"): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), prefix));
}

/** Captures what the CLI writes. */
export function captureIo() {
  let out = "";
  let err = "";
  return {
    io: {
      stdout: { write: (text: string) => (out += text) },
      stderr: { write: (text: string) => (err += text) },
    },
    get stdout() {
      return out;
    },
    get stderr() {
      return err;
    },
  };
}
