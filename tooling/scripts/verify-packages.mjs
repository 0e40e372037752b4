#!/usr/bin/env node
// `pnpm verify:packages`: every package under packages/ as a user outside this
// workspace gets it. In a temporary folder (removed at the end):
//   1. `pnpm pack` each package (publishConfig applies: the development-only
//      export condition "@skc/source" is gone; dist + README + LICENSE (+ the
//      package's data) only) and check what the tarball holds and declares;
//   2. for each package, an empty project with plain `npm install` of its
//      tarball, the tarballs its README's complete example imports, and
//      their @skeleton-cache dependencies — nothing else of ours, no
//      workspace links — then run that example there (`.ts` through tsx,
//      `.js` as `.mjs`);
//   3. one project with the root README's packages: its library example as
//      `.mjs` (plain node) and as `.ts` (tsx);
//   4. `npx skc-prior --help` from the installed llm-prior tarball;
//   5. `changeset version` on a copy of the working tree (a dry run).
// npm runs with ONNXRUNTIME_NODE_INSTALL=skip (onnxruntime-node's install
// script would download CUDA libraries; its CPU binaries are in its tarball)
// and --prefer-offline (third-party packages come from npm's cache when it
// has them). Run `pnpm build` first. Exit 1 naming every failure.
import { execFileSync, spawn } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { verifyOutside } from "./verify-outside/index.mjs";

const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), "../..");
const started = Date.now();
const work = fs.mkdtempSync(path.join(os.tmpdir(), "skc-verify-packages-"));
const tarballs = path.join(work, "tarballs");
const tsxLoader = path.join(root, "node_modules", "tsx", "dist", "loader.mjs");
const failures = [];
// Children keep their temporary files (tsx's cache, npm's) in the work folder, removed at the end.
fs.mkdirSync(path.join(work, "tmp"));
const env = {
  ...process.env,
  TMPDIR: path.join(work, "tmp"),
  ONNXRUNTIME_NODE_INSTALL: "skip",
  npm_config_audit: "false",
  npm_config_fund: "false",
  npm_config_update_notifier: "false",
  npm_config_loglevel: "error",
  // The example projects are outside the workspace; nothing may resolve back into it.
  NODE_PATH: "",
};
const SKC = "@skeleton-cache/skc";
const REQUIRED = ["name", "version", "description", "license", "repository", "files", "exports", "engines"];

function fail(what, detail) {
  failures.push(what);
  console.log(`FAIL ${what}${detail ? `\n${detail.trim().split("\n").slice(-25).join("\n")}` : ""}`);
}

/** Runs a command; resolves to its stdout, or null after recording the failure. */
function run(command, args, cwd, label) {
  return new Promise((resolve) => {
    const child = spawn(command, args, { cwd, env, stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (chunk) => (stdout += chunk));
    child.stderr.on("data", (chunk) => (stderr += chunk));
    const timer = setTimeout(() => child.kill("SIGKILL"), 300_000);
    child.on("close", (code, signal) => {
      clearTimeout(timer);
      if (code === 0) resolve(stdout);
      else {
        fail(label, `${stdout}\n${stderr}\n(exit ${code}${signal ? `, ${signal}` : ""})`);
        resolve(null);
      }
    });
  });
}

/** Runs `task` over `items`, `limit` at a time (a dependency-free script: no p-limit here). */
async function eachLimited(items, limit, task) {
  let next = 0;
  const worker = async () => {
    while (next < items.length) await task(items[next++]);
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
}

/** The first code block after the line that starts with "Complete example" in a README. */
function completeExample(readme) {
  const text = fs.readFileSync(readme, "utf8");
  const marker = text.search(/^Complete example\b/m);
  if (marker < 0) return null;
  const block = /```(ts|js|sh)\n([\s\S]*?)```/.exec(text.slice(marker));
  return block ? { language: block[1], code: block[2] } : null;
}

/** The @skeleton-cache packages a code block imports (`from "…"` and side-effect `import "…"`). */
function importedPackages(code) {
  return [
    ...new Set(
      [...code.matchAll(/(?:from|import|resolve\()\s*"(@skeleton-cache\/[a-z0-9-]+)"/g)].map((m) => m[1]),
    ),
  ];
}

/** Checks a packed package.json: the fields a consumer relies on, no development-only condition. */
function checkManifest(dir, manifest) {
  for (const field of REQUIRED)
    if (manifest[field] === undefined) fail(`${manifest.name}: package.json has no "${field}"`);
  const text = JSON.stringify(manifest.exports ?? {});
  if (text.includes("@skc/source"))
    fail(`${manifest.name}: the packed exports keep the "@skc/source" condition`);
  for (const entry of Object.values(manifest.exports ?? {}))
    if (typeof entry !== "object" || !entry.types) fail(`${manifest.name}: an export without "types"`);
  for (const file of listFiles(dir)) {
    if (/(^|\/)src\/|\.test\.|test-support|\.tsbuildinfo$/.test(file))
      fail(`${manifest.name}: the tarball holds ${file}`);
  }
  if (!fs.existsSync(path.join(dir, "LICENSE"))) fail(`${manifest.name}: the tarball has no LICENSE`);
  if (manifest.name === "@skeleton-cache/prior") {
    const attribution = path.join(dir, "assets", "published", "ATTRIBUTION.md");
    if (!fs.existsSync(attribution) || !/BSD 3-Clause/.test(fs.readFileSync(attribution, "utf8")))
      fail(`${manifest.name}: the published priors travel without their BSD-3-Clause attribution`);
  }
}

function listFiles(dir, prefix = "") {
  const out = [];
  for (const entry of fs.readdirSync(path.join(dir, prefix), { withFileTypes: true })) {
    const rel = path.join(prefix, entry.name);
    if (entry.isDirectory()) out.push(...listFiles(dir, rel));
    else out.push(rel);
  }
  return out;
}

/** An empty npm project holding `names` (and their @skeleton-cache dependencies) from the tarballs. */
async function project(label, names, packs) {
  const dir = path.join(work, label);
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(
    path.join(dir, "package.json"),
    `${JSON.stringify({ name: `verify-${label.replaceAll("/", "-")}`, private: true, type: "module" }, null, 2)}\n`,
  );
  const closure = new Set();
  const visit = (name) => {
    if (closure.has(name)) return;
    closure.add(name);
    for (const dep of Object.keys(packs.get(name).manifest.dependencies ?? {}))
      if (dep.startsWith("@skeleton-cache/")) visit(dep);
  };
  for (const name of names) visit(name);
  const files = [...closure].map((name) => packs.get(name).tarball);
  const ok = await run(
    "npm",
    ["install", "--prefer-offline", "--no-save", "--no-package-lock", ...files],
    dir,
    `${label}: npm install`,
  );
  return ok === null ? null : dir;
}

async function runExample(dir, label, example) {
  const file = path.join(dir, `example.${example.language === "js" ? "mjs" : "ts"}`);
  fs.writeFileSync(file, example.code);
  const args = file.endsWith(".ts") ? ["--import", tsxLoader, file] : [file];
  const out = await run(process.execPath, args, dir, `${label}: ${path.basename(file)}`);
  if (out !== null) console.log(`ok   ${label}: ${path.basename(file)} → ${out.trim().split("\n").at(-1)}`);
}

try {
  // 1. Pack (each into its own folder, so tarballs are told apart without guessing names).
  const packs = new Map();
  // Every package, and the CLI's (apps/eval, @skeleton-cache/skc).
  const names = fs
    .readdirSync(path.join(root, "packages"))
    .filter((name) => fs.existsSync(path.join(root, "packages", name, "package.json")))
    .sort()
    .map((name) => path.join("packages", name));
  names.push(path.join("apps", "eval"));
  await eachLimited(names, 4, async (folder) => {
    const name = path.basename(folder);
    const pkgDir = path.join(root, folder);
    const dest = path.join(tarballs, name);
    if ((await run("pnpm", ["pack", "--pack-destination", dest], pkgDir, `pack ${name}`)) === null) return;
    const tarball = path.join(dest, fs.readdirSync(dest)[0]);
    const unpacked = path.join(work, "unpacked", name);
    fs.mkdirSync(unpacked, { recursive: true });
    execFileSync("tar", ["-xzf", tarball, "-C", unpacked, "--strip-components=1"]);
    const manifest = JSON.parse(fs.readFileSync(path.join(unpacked, "package.json"), "utf8"));
    checkManifest(unpacked, manifest);
    packs.set(manifest.name, { dir: pkgDir, tarball, manifest });
    console.log(
      `ok   packed ${path.basename(tarball)} (${(fs.statSync(tarball).size / 1024).toFixed(0)} KiB)`,
    );
  });

  // 2. Each package on its own, with its README's complete example.
  await eachLimited([...packs.keys()].filter((name) => name !== SKC).sort(), 3, async (name) => {
    const pack = packs.get(name);
    const label = name.replace("@skeleton-cache/", "");
    const readme = path.join(pack.dir, "README.md");
    const example = fs.existsSync(readme) ? completeExample(readme) : null;
    if (!example) {
      fail(`${label}: README.md has no "Complete example" code block`);
      return;
    }
    // The package, and the packages its example imports beside it (e.g. extract's example runs the onnx adapter).
    const dir = await project(label, [name, ...importedPackages(example.code)], packs);
    if (dir) await runExample(dir, label, example);
  });

  // 3. One outside project with the CLI's package and the root README's: the README's library example
  //    as .ts and as .mjs, then issue 19's acceptance there (verify-outside/: the README against skc eval,
  //    a method, an adapter and a dataset reader of the project's own).
  const rootExample = completeExample(path.join(root, "README.md"));
  if (!rootExample) fail('README.md: no "Complete example" code block');
  else {
    const dir = await project("outside", [SKC, ...importedPackages(rootExample.code)], packs);
    if (dir) {
      const help = await run(
        process.execPath,
        [path.join(dir, "node_modules", SKC, "bin", "skc.js"), "--help"],
        dir,
        "skc --help",
      );
      if (help !== null) console.log("ok   skc --help from its tarball");
      await runExample(dir, "README (.ts)", { ...rootExample, language: "ts" });
      await runExample(dir, "README (.mjs)", { ...rootExample, language: "js" });
      await verifyOutside(dir, {
        run,
        fail,
        ok: (line) => console.log(`ok   ${line}`),
        project: (label, names) => project(label, names, packs),
        repo: root,
      });
    }
  }

  // 4. The llm-prior executable from its tarball.
  const priorDir = path.join(work, "llm-prior");
  if (fs.existsSync(path.join(priorDir, "node_modules"))) {
    const help = await run("npx", ["--no-install", "skc-prior", "--help"], priorDir, "npx skc-prior --help");
    if (help !== null) {
      if (!/Usage: skc-prior/.test(help) || !/generate/.test(help)) fail("npx skc-prior --help", help);
      else console.log("ok   npx skc-prior --help");
    }
  }

  // 5. `changeset version` in a copy of the working tree (git-tracked and untracked, not ignored).
  const copy = path.join(work, "changeset-copy");
  const listed = execFileSync("git", ["ls-files", "-z", "--cached", "--others", "--exclude-standard"], {
    cwd: root,
  })
    .toString()
    .split("\0")
    .filter((file) => file && fs.existsSync(path.join(root, file)));
  for (const file of listed) {
    fs.mkdirSync(path.dirname(path.join(copy, file)), { recursive: true });
    fs.copyFileSync(path.join(root, file), path.join(copy, file));
  }
  const git = ["-c", "user.name=verify", "-c", "user.email=verify@localhost"];
  execFileSync("git", ["init", "-q"], { cwd: copy });
  execFileSync("git", ["add", "-A"], { cwd: copy });
  execFileSync("git", [...git, "commit", "-qm", "copy"], { cwd: copy });
  const changeset = path.join(root, "node_modules", ".bin", "changeset");
  if ((await run(changeset, ["version"], copy, "changeset version (dry run in a copy)")) !== null) {
    const bumped = JSON.parse(fs.readFileSync(path.join(copy, "packages", "cli", "package.json"), "utf8"));
    console.log(`ok   changeset version (dry run in a copy): @skeleton-cache/cli → ${bumped.version}`);
  }
} finally {
  fs.rmSync(work, { recursive: true, force: true });
}
console.log(
  `verify:packages: ${failures.length === 0 ? "every package packs, installs on its own and runs its examples" : `${failures.length} failure(s)`} (${Math.round((Date.now() - started) / 1000)} s)`,
);
process.exit(failures.length === 0 ? 0 : 1);
