#!/usr/bin/env node
// `skc`: runs the built CLI, dist/cli.js. A committed file, because pnpm links a
// package's bins when it installs, before `pnpm build` has made dist/: a bin
// pointing into dist/ cannot be linked on a fresh clone.
import fs from "node:fs";
import { fileURLToPath } from "node:url";

const entry = new URL("../dist/cli.js", import.meta.url);
if (!fs.existsSync(entry)) {
  process.stderr.write(
    `skc: ${fileURLToPath(entry)} is not built: run pnpm build (at the repository root)\n`,
  );
  process.exit(1);
}
const { main } = await import(entry.href);
process.exitCode = await main(process.argv.slice(2));
