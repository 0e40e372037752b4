#!/usr/bin/env node
// Checks the direction data flows: reads the allowed edges from the package
// table of docs/DESIGN.md ("may depend on"), then every package.json
// (dependencies and devDependencies) and every import under src/. Nothing
// under packages/ may import apps/ or tooling/, tooling never imports the app,
// the heavy third-party dependencies stay in their one home, and in packages
// only bin entry files (src/bin/) import the cli package, each at most
// BIN_MAX_LINES lines long.
// Exits 1 naming each violation.
import fs from "node:fs";
import path from "node:path";

const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), "../..");
const SCOPE = "@skeleton-cache/";
const designFile = path.join(root, "docs", "DESIGN.md");
const problems = [];
/** The most lines a package's bin file (src/bin/, tests aside) may have. */
const BIN_MAX_LINES = 150;

/** package name → allowed workspace dependencies ("*" = any package). */
const allowed = new Map();
for (const line of fs.readFileSync(designFile, "utf8").split("\n")) {
  const cells = line.split("|").map((c) => c.trim());
  if (cells.length < 5 || cells[1] === "package" || /^-+$/.test(cells[1])) continue;
  const name = cells[1].replace(/\s*\(.*\)$/, "");
  const deps = cells[3];
  if (name.startsWith("tooling")) continue;
  if (deps.startsWith("any package")) allowed.set(name, "*");
  else allowed.set(name, new Set(deps === "—" ? [] : deps.split(",").map((d) => d.trim())));
}
for (const set of allowed.values()) if (set !== "*") set.add("errors");

/** Third-party packages only some workspace packages may use. */
const ONLY = {
  "onnxruntime-node": ["backbone-onnx"],
  openai: ["llm-prior"],
  commander: ["cli"],
  "@commander-js/extra-typings": ["cli"],
  "cli-progress": ["skc"],
  vega: ["plots"],
  "vega-lite": ["plots"],
  "vega-embed": ["plots"],
  "@resvg/resvg-js": ["plots"],
};

function sources(dir, out = []) {
  if (!fs.existsSync(dir)) return out;
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) sources(full, out);
    else if (/\.(ts|mts|mjs)$/.test(entry.name)) out.push(full);
  }
  return out;
}

const dirs = [];
for (const parent of ["packages", "apps", "tooling"]) {
  for (const d of fs.readdirSync(path.join(root, parent))) {
    if (fs.existsSync(path.join(root, parent, d, "package.json"))) dirs.push(path.join(root, parent, d));
  }
}
for (const dir of dirs) {
  const file = path.join(dir, "package.json");
  const pkg = JSON.parse(fs.readFileSync(file, "utf8"));
  const name = pkg.name.replace(SCOPE, "");
  const isTooling = dir.includes(`${path.sep}tooling${path.sep}`);
  const rule = isTooling ? "*" : allowed.get(name);
  if (rule === undefined) {
    problems.push(`${path.relative(root, file)}: package "${name}" is not in the table of docs/DESIGN.md`);
    continue;
  }
  const deps = { ...pkg.dependencies, ...pkg.devDependencies };
  const runtime = new Set(Object.keys(pkg.dependencies ?? {}));
  for (const dep of Object.keys(deps)) {
    if (dep.startsWith(SCOPE)) {
      const other = dep.replace(SCOPE, "");
      // Tests (devDependencies) may use any package but the app; shipped code follows the table.
      if ((isTooling || !runtime.has(dep)) && other === "eval")
        problems.push(`${path.relative(root, file)}: "${name}" depends on the app`);
      else if (rule !== "*" && runtime.has(dep) && !rule.has(other))
        problems.push(
          `${path.relative(root, file)}: "${name}" depends on "${other}", not in its "may depend on" list`,
        );
    } else if (ONLY[dep] && !ONLY[dep].includes(name)) {
      problems.push(
        `${path.relative(root, file)}: "${name}" depends on "${dep}", reserved to ${ONLY[dep].join(", ")}`,
      );
    }
  }
  for (const src of sources(path.join(dir, "src"))) {
    const text = fs.readFileSync(src, "utf8");
    for (const match of text.matchAll(/(?:from|import)\s*\(?\s*"(@skeleton-cache\/[a-z0-9-]+)"/g)) {
      const imported = match[1];
      if (imported !== pkg.name && !(imported in deps))
        problems.push(
          `${path.relative(root, src)}: imports ${imported}, not declared in ${path.relative(root, file)}`,
        );
    }
    if (!dir.includes(`${path.sep}apps${path.sep}`) && /from "(\.\.\/)+apps\//.test(text))
      problems.push(`${path.relative(root, src)}: imports from apps/`);
    // Tests reach the optional research data and the parity fixtures only through test-support.
    if (/\.test\.ts$/.test(src) && /SKC_SHARED|\bshared\/(data|fixtures)\b/.test(text))
      problems.push(
        `${path.relative(root, src)}: reads ../shared directly; use @skeleton-cache/test-support (dataPath, itWithData, parityDir)`,
      );
    // Argument parsing lives in thin bin entry files (src/bin/) and the app only.
    const inPackages = dir.includes(`${path.sep}packages${path.sep}`) && name !== "cli";
    const isTest = /\.test\.ts$|test-support/.test(src);
    if (
      inPackages &&
      !isTest &&
      /from "@skeleton-cache\/cli"/.test(text) &&
      !src.includes(`${path.sep}src${path.sep}bin${path.sep}`)
    )
      problems.push(
        `${path.relative(root, src)}: imports @skeleton-cache/cli outside src/bin/ (argument parsing belongs in bin entry files)`,
      );
    // Bin files stay thin: they declare flags and hand the values to an exported, tested library function.
    const lines = text.split("\n").length - (text.endsWith("\n") ? 1 : 0);
    if (
      inPackages &&
      !isTest &&
      src.includes(`${path.sep}src${path.sep}bin${path.sep}`) &&
      lines > BIN_MAX_LINES
    )
      problems.push(
        `${path.relative(root, src)}: ${lines} lines; a bin file holds at most ${BIN_MAX_LINES} (move what the flags mean into the library, as an exported function)`,
      );
  }
}

// The app is a shell (flags and config in, one library call, files out): its non-test source
// (.ts, .js, .css under apps/eval/src, *.test.* and test-support/ excluded) stays within APP_MAX_LINES.
const APP_MAX_LINES = 2000;
function appSourceLines(dir) {
  let total = 0;
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) {
      if (entry.name !== "test-support") total += appSourceLines(full);
    } else if (/\.(ts|js|css)$/.test(entry.name) && !/\.test\./.test(entry.name)) {
      const text = fs.readFileSync(full, "utf8");
      total += text.split("\n").length - (text.endsWith("\n") ? 1 : 0);
    }
  }
  return total;
}
const appLines = appSourceLines(path.join(root, "apps", "eval", "src"));
if (appLines > APP_MAX_LINES)
  problems.push(
    `apps/eval/src: ${appLines} lines of non-test source; the app is a shell of at most ${APP_MAX_LINES} (move library code into a package)`,
  );
if (problems.length > 0) {
  for (const p of problems) console.error(p);
  process.exit(1);
}
console.log(
  `layers: ${dirs.length} packages checked against docs/DESIGN.md; apps/eval/src ${appLines} of ${APP_MAX_LINES} lines`,
);
