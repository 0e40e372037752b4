import fs from "node:fs";
import { FormatError } from "@skeleton-cache/tensor";

/**
 * Reads a JSON data file shipped in `assets/`, resolved relative to this
 * module (same depth in `src/` and `dist/`, so tests and the built package
 * find the same file).
 */
export function readAsset(name: string): unknown {
  const url = new URL(`../assets/${name}`, import.meta.url);
  let text: string;
  try {
    text = fs.readFileSync(url, "utf8");
  } catch (error) {
    throw new FormatError(
      `@skeleton-cache/datasets: data file assets/${name} is missing (${(error as Error).message})`,
      { file: url.pathname },
      { cause: error },
    );
  }
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new FormatError(
      `@skeleton-cache/datasets: assets/${name} is not valid JSON`,
      { file: url.pathname },
      { cause: error },
    );
  }
}
