import fs from "node:fs";

/**
 * The `version` of the package.json at `packageJson` (a bin's own package:
 * `new URL("../../package.json", import.meta.url)`), for `--version`.
 */
export function packageVersion(packageJson: URL): string {
  return (JSON.parse(fs.readFileSync(packageJson, "utf8")) as { version: string }).version;
}
