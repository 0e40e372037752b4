import fs from "node:fs";

/** This package's version (from its package.json, beside src/ and dist/). */
export function packageVersion(): string {
  const file = new URL("../../package.json", import.meta.url);
  return (JSON.parse(fs.readFileSync(file, "utf8")) as { version: string }).version;
}
