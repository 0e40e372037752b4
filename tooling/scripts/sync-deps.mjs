#!/usr/bin/env node
// Keeps each workspace package's declared @skeleton-cache dependencies and its
// tsconfig.build.json project references equal to what its sources import
// (tests and test-support count as devDependencies). `--check` only reports.
import fs from "node:fs";
import path from "node:path";

const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), "../..");
const SCOPE = "@skeleton-cache/";
const check = process.argv.includes("--check");
const dirs = [];
for (const parent of ["packages", "apps", "tooling"]) {
  for (const d of fs.readdirSync(path.join(root, parent))) {
    const dir = path.join(root, parent, d);
    if (fs.existsSync(path.join(dir, "package.json"))) dirs.push(dir);
  }
}
if (fs.existsSync(path.join(root, "bench", "package.json"))) dirs.push(path.join(root, "bench"));
const byName = new Map();
for (const dir of dirs)
  byName.set(JSON.parse(fs.readFileSync(path.join(dir, "package.json"), "utf8")).name, dir);

function walk(dir, out = []) {
  if (!fs.existsSync(dir)) return out;
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    if (e.name === "node_modules" || e.name === "dist") continue;
    const full = path.join(dir, e.name);
    if (e.isDirectory()) walk(full, out);
    else if (/\.(ts|mts|mjs)$/.test(e.name)) out.push(full);
  }
  return out;
}
const problems = [];
for (const dir of dirs) {
  const file = path.join(dir, "package.json");
  const pkg = JSON.parse(fs.readFileSync(file, "utf8"));
  const prod = new Set();
  const dev = new Set();
  for (const src of walk(dir)) {
    const rel = path.relative(dir, src);
    const isDev =
      /\.test\.ts$|test-support|^scripts\/|^bench\/|\.bench\.ts$/.test(rel) || !rel.startsWith("src");
    const text = fs.readFileSync(src, "utf8");
    for (const m of text.matchAll(/(?:from|import)\s*\(?\s*"(@skeleton-cache\/[a-z0-9-]+)/g)) {
      if (m[1] === pkg.name || !byName.has(m[1])) continue;
      (isDev ? dev : prod).add(m[1]);
    }
  }
  for (const d of prod) dev.delete(d);
  const deps = { ...(pkg.dependencies ?? {}) };
  const devDeps = { ...(pkg.devDependencies ?? {}) };
  for (const k of Object.keys(deps)) if (k.startsWith(SCOPE) && !prod.has(k)) delete deps[k];
  for (const k of Object.keys(devDeps)) if (k.startsWith(SCOPE) && !dev.has(k)) delete devDeps[k];
  for (const d of prod) {
    deps[d] = "workspace:*";
    delete devDeps[d];
  }
  for (const d of dev) devDeps[d] = "workspace:*";
  const sort = (o) => Object.fromEntries(Object.entries(o).sort(([a], [b]) => a.localeCompare(b)));
  const next = { ...pkg, dependencies: sort(deps) };
  if (Object.keys(devDeps).length) next.devDependencies = sort(devDeps);
  else delete next.devDependencies;
  const text = `${JSON.stringify(next, null, 2)}\n`;
  if (text !== fs.readFileSync(file, "utf8")) {
    if (check) problems.push(`${path.relative(root, file)}: workspace dependencies differ from the imports`);
    else fs.writeFileSync(file, text);
  }
  const tsFile = path.join(dir, "tsconfig.build.json");
  if (fs.existsSync(tsFile)) {
    const ts = JSON.parse(fs.readFileSync(tsFile, "utf8"));
    const refs = [...prod, ...(pkg.private ? dev : [])]
      .filter((d) => fs.existsSync(path.join(byName.get(d), "tsconfig.build.json")))
      .sort()
      .map((d) => ({ path: path.relative(dir, path.join(byName.get(d), "tsconfig.build.json")) }));
    const nextTs = { ...ts, references: refs };
    const tsText = `${JSON.stringify(nextTs, null, 2)}\n`;
    if (tsText !== fs.readFileSync(tsFile, "utf8")) {
      if (check) problems.push(`${path.relative(root, tsFile)}: references differ from the imports`);
      else fs.writeFileSync(tsFile, tsText);
    }
  }
}
if (problems.length) {
  for (const p of problems) console.error(p);
  console.error("run: node tooling/scripts/sync-deps.mjs");
  process.exit(1);
}
console.log(`deps: ${dirs.length} packages ${check ? "checked" : "synced"}`);
