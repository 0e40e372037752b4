/**
 * importPlugin as the CLI runs it: in a plain Node process (no test runner
 * resolving imports), against the built package, with plug-in modules inside
 * this package (they resolve zod and the registry) and outside any project.
 */
import { execFileSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { tempDir } from "@skeleton-cache/test-support";
import { describe, expect, it } from "vitest";

const DIST = pathToFileURL(fileURLToPath(new URL("../dist/index.js", import.meta.url))).href;
const PLUGINS = fileURLToPath(new URL("./test-support/plugins/", import.meta.url));

/** Runs importPlugin on each spec in a fresh Node process (cwd: the plug-ins' folder); what each gave. */
function importInNode(specs: readonly string[], cwd = PLUGINS): { ok?: readonly string[]; error?: string }[] {
  const script = `
    import { importPlugin } from ${JSON.stringify(DIST)};
    const out = [];
    for (const spec of ${JSON.stringify(specs)}) {
      try {
        out.push({ ok: (await importPlugin(spec, { flag: "--greeter-module", kind: "test-greeter" })).registered });
      } catch (error) {
        out.push({ error: error.name + ": " + error.message });
      }
    }
    console.log(JSON.stringify(out));`;
  const stdout = execFileSync(process.execPath, ["--input-type=module", "-e", script], {
    cwd,
    encoding: "utf8",
  });
  return JSON.parse(stdout);
}

describe("importPlugin", () => {
  it("imports a module by relative or absolute path and returns what it registered, also when imported again", () => {
    const results = importInNode(["./greeter.mjs", path.join(PLUGINS, "greeter.mjs"), "greeter.mjs"]);
    expect(results).toEqual([{ ok: ["hello"] }, { ok: ["hello"] }, { ok: ["hello"] }]);
  });

  it("a module that registers nothing new under the kind is told so, with how to register one", () => {
    const [result] = importInNode(["./silent.mjs"]);
    expect(result!.error).toBe(
      `ValueError: --greeter-module ./silent.mjs: the module was imported but registered no new greeter (a module registers one with greeters.register(entry) when imported); registered greeters: none; see docs/write-your-own-adapter.md`,
    );
  });

  it("a module outside any project says what it imports that cannot be resolved, from where, and how to fix it", () => {
    const outside = tempDir("skc-plugin-outside-");
    fs.copyFileSync(path.join(PLUGINS, "greeter.mjs"), path.join(outside, "jm.mjs"));
    const [result] = importInNode([path.join(outside, "jm.mjs")]);
    const file = path.join(outside, "jm.mjs");
    expect(result!.error).toMatch(
      new RegExp(
        `^ValueError: --greeter-module ${file}: ${file} imports @skeleton-cache/registry, which cannot be resolved from ${outside}: install the packages it imports in the project that holds the module \\(npm install @skeleton-cache/registry\\)`,
      ),
    );
  });

  it("names a missing file, a package that is not installed, and a module that throws", () => {
    const [missing, unknown, throws] = importInNode(["./nope.mjs", "skc-no-such-plugin/sub", "./throws.mjs"]);
    expect(missing!.error).toBe(
      `ValueError: --greeter-module ./nope.mjs: no such file: ${path.join(PLUGINS, "nope.mjs")}`,
    );
    expect(unknown!.error).toMatch(
      /^ValueError: --greeter-module skc-no-such-plugin\/sub: no package "skc-no-such-plugin" can be found from .*: install it in this project \(npm install skc-no-such-plugin\)/,
    );
    expect(throws!.error).toBe(
      "ValueError: --greeter-module ./throws.mjs: importing the module failed: boom: the plug-in's own bug",
    );
  });
});
