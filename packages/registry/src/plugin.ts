import fs from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { ValueError } from "@skeleton-cache/errors";
import { plugPoint, registryStore } from "./store.js";

/** What `importPlugin` needs to know: the flag (for messages) and the plug point the module adds to. */
export interface PluginOptions {
  /** The option that named the module, e.g. "--backbone-module" (messages start with it). */
  readonly flag: string;
  /** The plug point the module must register into ("backbone", "method", "dataset", ...). */
  readonly kind: string;
  /** Relative paths and package names resolve from here (default: the working directory). */
  readonly cwd?: string;
}

/** An imported plug-in module. */
export interface PluginImport {
  /** What was imported (a file URL, or the package specifier): give it to workers to import too. */
  readonly url: string;
  /** The names it registered under `kind` (when it was first imported). */
  readonly registered: readonly string[];
}

const DEFAULT_DOC = "docs/write-your-own-adapter.md";

function isPathLike(spec: string, cwd: string): boolean {
  return (
    spec.startsWith(".") ||
    path.isAbsolute(spec) ||
    spec.startsWith("file:") ||
    fs.existsSync(path.resolve(cwd, spec))
  );
}

/** The package a specifier belongs to: "@scope/name/sub" → "@scope/name", "name/sub" → "name". */
function packageOf(spec: string): string {
  const parts = spec.split("/");
  return spec.startsWith("@") ? parts.slice(0, 2).join("/") : parts[0]!;
}

/**
 * Where `spec` is imported from: a file URL for a path (relative to `cwd`),
 * else the package as `cwd`'s project resolves it; a package that project
 * does not hold is imported by name (resolved from this package's place).
 */
function pluginTarget(spec: string, cwd: string): { url: string; file: string | undefined } {
  if (spec.startsWith("file:")) return { url: spec, file: fileURLToPath(spec) };
  if (isPathLike(spec, cwd)) {
    const file = path.resolve(cwd, spec);
    return { url: pathToFileURL(file).href, file };
  }
  try {
    // require.resolve from the project's folder: Node 20 has no import.meta.resolve with a parent.
    const file = createRequire(path.join(cwd, "package.json")).resolve(spec);
    return { url: pathToFileURL(file).href, file };
  } catch {
    return { url: spec, file: undefined };
  }
}

/** The message of a module that could not be imported: what it must resolve, and how. */
function importFailure(
  spec: string,
  target: { url: string; file: string | undefined },
  error: unknown,
  options: PluginOptions,
): ValueError {
  const { flag } = options;
  const doc = plugPoint(options.kind).doc ?? DEFAULT_DOC;
  const err = error as Error & { code?: string };
  const message = String(err?.message ?? error);
  const details = { field: flag, value: spec, ...(target.file ? { file: target.file } : {}) };
  if (err?.code === "ERR_MODULE_NOT_FOUND" || err?.code === "ERR_UNSUPPORTED_DIR_IMPORT") {
    const missing = /Cannot find (?:package|module) '([^']+)'/.exec(message)?.[1];
    const importer = /imported from (.+?)\s*$/m.exec(message)?.[1];
    const importerFile = importer?.startsWith("file:") ? fileURLToPath(importer) : importer;
    if (target.file && !fs.existsSync(target.file))
      return new ValueError(`${flag} ${spec}: no such file: ${target.file}`, details);
    if (
      !target.file &&
      (missing === spec ||
        missing === packageOf(spec) ||
        missing?.includes(`node_modules/${packageOf(spec)}`))
    )
      return new ValueError(
        `${flag} ${spec}: no package "${packageOf(spec)}" can be found from ${options.cwd ?? process.cwd()}: install it in this project (npm install ${packageOf(spec)}) or give the module's path; see ${doc}`,
        details,
      );
    if (missing && importerFile) {
      const from = path.dirname(importerFile);
      const what = path.isAbsolute(missing) ? missing : packageOf(missing);
      const install = path.isAbsolute(missing) ? "" : ` (npm install ${what})`;
      return new ValueError(
        `${flag} ${spec}: ${importerFile} imports ${what}, which cannot be resolved from ${from}: install the packages it imports in the project that holds the module${install}, or move the module into such a project; see ${doc}`,
        details,
      );
    }
  }
  return new ValueError(`${flag} ${spec}: importing the module failed: ${message.split("\n")[0]}`, details);
}

/**
 * Imports a user's plug-in module (`--backbone-module`, `--method-module`,
 * `--dataset-module`): a path (absolute, or relative to `cwd`) or a package
 * name. The module registers its entries when imported. A module that cannot
 * be imported is a ValueError saying what it must resolve and how; one that
 * registers nothing new under `kind` is a ValueError saying so. Importing the
 * same module again returns what it registered the first time.
 */
export async function importPlugin(spec: string, options: PluginOptions): Promise<PluginImport> {
  const cwd = options.cwd ?? process.cwd();
  const target = pluginTarget(spec, cwd);
  const point = plugPoint(options.kind);
  const before = new Set(point.entries.map((s) => s.entry));
  try {
    await import(target.url);
  } catch (error) {
    throw importFailure(spec, target, error, options);
  }
  const key = `${options.kind} ${target.url}`;
  const plugins = registryStore().plugins;
  const added = point.entries.filter((s) => !s.builtin && !before.has(s.entry)).map((s) => s.entry.name);
  if (added.length > 0) {
    plugins.set(key, added);
    return { url: target.url, registered: added };
  }
  const earlier = plugins.get(key);
  if (earlier) return { url: target.url, registered: earlier };
  const noun = point.noun ?? options.kind;
  const known = [...new Set(point.entries.map((s) => s.entry.name))];
  const how = point.register ? ` (a module registers one with ${point.register} when imported)` : "";
  throw new ValueError(
    `${options.flag} ${spec}: the module was imported but registered no new ${noun}${how}; registered ${noun}s: ${known.length ? known.join(", ") : "none"}; see ${point.doc ?? DEFAULT_DOC}`,
    { field: options.flag, value: spec, ...(target.file ? { file: target.file } : {}) },
  );
}
