import fs from "node:fs";
import { fileURLToPath } from "node:url";
import { FormatError } from "@skeleton-cache/errors";

/**
 * Reads a JSON data file shipped in `assets/`. The path is resolved relative
 * to this module, which sits at the same depth in `src/` and in `dist/`, so
 * both the sources (tests) and the built package find the same files.
 * Plain `fs` here (not formats' readers): skeleton sits below formats.
 */
export function readAsset(name: string): unknown {
  const file = fileURLToPath(new URL(`../assets/${name}`, import.meta.url));
  try {
    return JSON.parse(fs.readFileSync(file, "utf8"));
  } catch (error) {
    throw new FormatError(
      `${file}: cannot read @skeleton-cache/skeleton data file assets/${name} (${(error as Error).message})`,
      { file },
      { cause: error },
    );
  }
}
