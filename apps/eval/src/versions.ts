import fs from "node:fs";
import { fileURLToPath } from "node:url";
import { packageVersion } from "@skeleton-cache/cli";

const PACKAGES = [
  "tensor",
  "formats",
  "skeleton",
  "datasets",
  "bundle",
  "backbone",
  "backbone-onnx",
  "descriptors",
  "cache",
  "prior",
  "fusion",
  "tta",
  "metrics",
  "protocols",
  "evaluate",
  "report",
  "llm-prior",
] as const;

function versionAt(url: URL): string | null {
  try {
    const json = JSON.parse(fs.readFileSync(fileURLToPath(url), "utf8")) as { version?: string };
    return json.version ?? null;
  } catch {
    return null;
  }
}

/** This CLI's version. */
export function cliVersion(): string {
  return packageVersion(new URL("../package.json", import.meta.url));
}

/** Versions of the CLI, the workspace packages it runs and Node (for report.json). */
export function toolVersions(): {
  name: string;
  version: string;
  node: string;
  packages: Record<string, string | null>;
} {
  const packages: Record<string, string | null> = {};
  for (const name of PACKAGES) {
    packages[`@skeleton-cache/${name}`] = versionAt(
      new URL(`../node_modules/@skeleton-cache/${name}/package.json`, import.meta.url),
    );
  }
  for (const name of ["vega", "vega-lite", "@resvg/resvg-js", "commander", "zod", "yaml"]) {
    packages[name] = versionAt(new URL(`../node_modules/${name}/package.json`, import.meta.url));
  }
  return { name: "skc eval", version: cliVersion(), node: process.version, packages };
}
