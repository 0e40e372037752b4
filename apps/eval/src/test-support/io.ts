import { repoPath } from "@skeleton-cache/test-support";

/** The built `skc` (`pnpm test` builds first). */
export const CLI = repoPath("apps/eval/dist/cli.js");

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
