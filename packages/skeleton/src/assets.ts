import fs from "node:fs";
import { FormatError } from "@skeleton-cache/tensor";

/**
 * Reads a JSON data file shipped in `assets/`. The path is resolved relative
 * to this module, which sits at the same depth in `src/` and in `dist/`, so
 * both the sources (tests) and the built package find the same files.
 */
export function readAsset(name: string): unknown {
  const url = new URL(`../assets/${name}`, import.meta.url);
  let text: string;
  try {
    text = fs.readFileSync(url, "utf8");
  } catch (error) {
    throw new FormatError(
      `@skeleton-cache/skeleton: data file assets/${name} is missing (${(error as Error).message})`,
      { file: url.pathname },
      { cause: error },
    );
  }
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new FormatError(
      `@skeleton-cache/skeleton: assets/${name} is not valid JSON`,
      { file: url.pathname },
      { cause: error },
    );
  }
}
