#!/usr/bin/env node
// Checks the direction data flows (DESIGN.md): no package imports a package
// to its right in the layer order below, nothing under packages/ imports
// apps/, and only the named packages use the heavy third-party dependencies.
// Reads every package.json (dependencies and devDependencies) and every
// import in src/. Exits 1 naming each violation.
import fs from "node:fs";
import path from "node:path";

const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), "../..");
const ORDER = [
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
  "llm-prior",
  "fusion",
  "tta",
  "metrics",
  "eval",
];
/** Third-party packages only some workspace packages may use. */
const ONLY = {
  "onnxruntime-node": ["backbone-onnx"],
  openai: ["llm-prior"],
  commander: ["eval"],
  "@commander-js/extra-typings": ["eval"],
  "cli-progress": ["eval"],
  vega: ["eval"],
  "vega-lite": ["eval"],
  "@resvg/resvg-js": ["eval"],
};
const SCOPE = "@skeleton-cache/";
const problems = [];

const dirs = [
  ...fs.readdirSync(path.join(root, "packages")).map((d) => path.join(root, "packages", d)),
  path.join(root, "apps", "eval"),
];
for (const dir of dirs) {
  const file = path.join(dir, "package.json");
  if (!fs.existsSync(file)) continue;
  const pkg = JSON.parse(fs.readFileSync(file, "utf8"));
  const name = pkg.name.replace(SCOPE, "");
  const rank = ORDER.indexOf(name);
  if (rank < 0) {
    problems.push(`${file}: package "${name}" has no place in the layer order of tooling/scripts/check-layers.mjs`);
    continue;
  }
  const deps = { ...pkg.dependencies, ...pkg.devDependencies };
  for (const dep of Object.keys(deps)) {
    if (dep.startsWith(SCOPE)) {
      const other = dep.replace(SCOPE, "");
      const otherRank = ORDER.indexOf(other);
      if (otherRank >= rank) problems.push(`${file}: "${name}" depends on "${other}", which is not to its left`);
    } else if (ONLY[dep] && !ONLY[dep].includes(name)) {
      problems.push(`${file}: "${name}" depends on "${dep}", reserved to ${ONLY[dep].join(", ")}`);
    }
  }
  // Every workspace import in src/ must be a declared dependency.
  const stack = [path.join(dir, "src")];
  while (stack.length > 0) {
    const current = stack.pop();
    if (!fs.existsSync(current)) continue;
    for (const entry of fs.readdirSync(current, { withFileTypes: true })) {
      const full = path.join(current, entry.name);
      if (entry.isDirectory()) stack.push(full);
      else if (entry.name.endsWith(".ts")) {
        const text = fs.readFileSync(full, "utf8");
        for (const match of text.matchAll(/from "(@skeleton-cache\/[a-z-]+)"|import "(@skeleton-cache\/[a-z-]+)"/g)) {
          const imported = match[1] ?? match[2];
          if (imported !== pkg.name && !(imported in deps)) {
            problems.push(`${path.relative(root, full)}: imports ${imported}, not declared in ${path.relative(root, file)}`);
          }
        }
        if (dir.includes(`${path.sep}packages${path.sep}`) && /from "(\.\.\/)+apps\//.test(text)) {
          problems.push(`${path.relative(root, full)}: a package imports from apps/`);
        }
      }
    }
  }
}
if (problems.length > 0) {
  for (const p of problems) console.error(p);
  process.exit(1);
}
console.log(`layers: ${dirs.length} packages checked, data flows one way`);
