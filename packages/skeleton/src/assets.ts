import { readJsonFile } from "@skeleton-cache/tensor";

/**
 * Reads a JSON data file shipped in `assets/`. The path is resolved relative
 * to this module, which sits at the same depth in `src/` and in `dist/`, so
 * both the sources (tests) and the built package find the same files.
 */
export function readAsset(name: string): unknown {
  return readJsonFile(
    new URL(`../assets/${name}`, import.meta.url),
    `@skeleton-cache/skeleton data file assets/${name}`,
  );
}
