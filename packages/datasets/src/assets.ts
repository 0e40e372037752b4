import { readJsonFile } from "@skeleton-cache/formats";

/**
 * Reads a JSON data file shipped in `assets/`, resolved relative to this
 * module (same depth in `src/` and `dist/`, so tests and the built package
 * find the same file).
 */
export function readAsset(name: string): unknown {
  return readJsonFile(
    new URL(`../assets/${name}`, import.meta.url),
    `@skeleton-cache/datasets data file assets/${name}`,
  );
}
