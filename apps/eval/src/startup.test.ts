/**
 * Start-up stays light: `skc --help` and `skc eval --help` (the built CLI,
 * spawned) resolve none of the heavy libraries — onnxruntime-node, vega,
 * vega-lite, resvg, openai — which load only when a command needs them.
 * Every module the process resolves is logged by a module.register resolve
 * hook, so the check sees what Node actually loaded.
 */
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { childEnv, tempDir } from "@skeleton-cache/test-support";
import { describe, expect, it } from "vitest";
import { CLI } from "./test-support/io.js";

const HEAVY = /\/(onnxruntime-node|onnxruntime-common|vega|vega-lite|vega-embed|@resvg|openai)[@/]/;

/** The URLs every module import of `skc ...args` resolved to. */
function resolvedModules(args: readonly string[]): string[] {
  const dir = tempDir();
  const log = path.join(dir, "modules.log");
  fs.writeFileSync(
    path.join(dir, "hooks.mjs"),
    [
      'import fs from "node:fs";',
      "export async function resolve(specifier, context, next) {",
      "  const result = await next(specifier, context);",
      "  fs.appendFileSync(process.env.SKC_MODULE_LOG, `${result.url}\\n`);",
      "  return result;",
      "}",
    ].join("\n"),
  );
  fs.writeFileSync(
    path.join(dir, "register.mjs"),
    'import { register } from "node:module";\nregister("./hooks.mjs", import.meta.url);\n',
  );
  const run = spawnSync(process.execPath, ["--import", path.join(dir, "register.mjs"), CLI, ...args], {
    encoding: "utf8",
    env: childEnv({ SKC_MODULE_LOG: log }),
  });
  expect(run.status, run.stderr).toBe(0);
  return fs.readFileSync(log, "utf8").trim().split("\n");
}

describe("skc start-up", () => {
  for (const args of [["--help"], ["eval", "--help"]]) {
    it(`skc ${args.join(" ")} loads none of onnxruntime-node, vega, resvg or openai`, () => {
      const modules = resolvedModules(args);
      // The hook saw the CLI's own modules (the log is not empty by accident).
      expect(modules.some((url) => url.endsWith("/apps/eval/dist/cli.js"))).toBe(true);
      expect(modules.filter((url) => HEAVY.test(url))).toEqual([]);
    });
  }
});
