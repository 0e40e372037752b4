#!/usr/bin/env node
// `skc-prior`: loads the built entry dist/bin/skc-prior.js. A committed file, because pnpm links a
// package's bins when it installs, before `pnpm build` has made dist/: a bin
// pointing into dist/ cannot be linked on a fresh clone.
import fs from "node:fs";
import { fileURLToPath } from "node:url";

const entry = new URL("../dist/bin/skc-prior.js", import.meta.url);
if (!fs.existsSync(entry)) {
  process.stderr.write(
    `skc-prior: ${fileURLToPath(entry)} is not built: run pnpm build (at the repository root)\n`,
  );
  process.exit(1);
}
await import(entry.href);
