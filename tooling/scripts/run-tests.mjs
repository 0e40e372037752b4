#!/usr/bin/env node
// The README's test command (`pnpm test`): builds every package (turbo, cached),
// runs the whole vitest workspace in one process, and prints the plain closing
// line `N passed, N failed` that CI reads. Extra arguments go to vitest
// (e.g. `pnpm test packages/cache`).
//
// `pnpm test --without-data` runs, with the research data hidden
// (SKC_DATA=<a folder that does not exist>), only the test files that use it
// (those that call test-support's itWithData / describeWithData / dataPath /
// hasData): the quick proof that a clone without ../shared passes, with the
// data tests skipped visibly. Every other test file reads no research data
// (the layer check refuses "../shared" and SKC_SHARED in sources).
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { slurmPreflight } from "../slurm/local-cluster.mjs";

const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), "../..");
const withoutData = process.argv.includes("--without-data");
const extra = process.argv.slice(2).filter((arg) => arg !== "--without-data");
const env = { ...process.env, TURBO_TELEMETRY_DISABLED: "1", DO_NOT_TRACK: "1" };
if (withoutData) env.SKC_DATA = path.join(root, ".ci", "out", "no-research-data-here");
const bin = (name) => path.join(root, "node_modules", ".bin", name);

const build = spawnSync(bin("turbo"), ["run", "//#build:tsc", "--output-logs=errors-only"], {
  cwd: root,
  stdio: "inherit",
  env,
});
if (build.status !== 0) {
  console.log("0 passed, 1 failed");
  process.exit(1);
}
const outDir = path.join(root, ".ci", "out");
fs.mkdirSync(outDir, { recursive: true });
const report = path.join(outDir, "vitest.json");
fs.rmSync(report, { force: true });
/** Test files that use the research data through test-support. */
function dataTestFiles() {
  const out = [];
  const walk = (dir) => {
    for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
      if (entry.name === "node_modules" || entry.name === "dist") continue;
      const full = path.join(dir, entry.name);
      if (entry.isDirectory()) walk(full);
      else if (
        entry.name.endsWith(".test.ts") &&
        /\b(itWithData|describeWithData|dataPath|hasData)\b/.test(fs.readFileSync(full, "utf8"))
      )
        out.push(path.relative(root, full));
    }
  };
  for (const top of ["packages", "apps", "tooling"]) walk(path.join(root, top));
  return out.sort();
}
const args = [
  "run",
  "--reporter=default",
  "--reporter=json",
  `--outputFile.json=${report}`,
  ...(withoutData ? dataTestFiles() : []),
  ...extra,
];
const run = spawnSync(bin("vitest"), args, { cwd: root, stdio: "inherit", env });
let passed = 0;
let failed = 1;
const skippedBy = { data: 0, browser: 0, slurm: 0, other: 0 };
if (fs.existsSync(report)) {
  const r = JSON.parse(fs.readFileSync(report, "utf8"));
  passed = r.numPassedTests;
  failed =
    r.numFailedTests + (r.numFailedTestSuites > 0 && r.numFailedTests === 0 ? r.numFailedTestSuites : 0);
  for (const file of r.testResults ?? []) {
    for (const test of file.assertionResults ?? []) {
      if (test.status !== "pending" && test.status !== "skipped" && test.status !== "todo") continue;
      const name = test.fullName ?? test.title ?? "";
      if (name.includes("[needs data]")) skippedBy.data++;
      else if (name.includes("[needs browser]")) skippedBy.browser++;
      else if (name.includes("[needs slurm]")) skippedBy.slurm++;
      else skippedBy.other++;
    }
  }
}
// One visible line per reason a test did not run (tests/README: "Optional data").
const dataDir = path.resolve(env.SKC_DATA ?? path.join(root, "..", "shared", "data"));
if (skippedBy.data > 0)
  console.log(
    `skipped ${skippedBy.data} tests [needs data]: no research data at ${dataDir}; set SKC_DATA to a folder with real/ and reference/ (see CONTRIBUTING.md, "Optional research data")`,
  );
if (skippedBy.browser > 0)
  console.log(
    `skipped ${skippedBy.browser} tests [needs browser]: no system Chromium (apt-get install chromium, or set SKC_CHROMIUM)`,
  );
// (In CI as root these tests fail instead of skipping: test-support's slurmRequired.)
if (skippedBy.slurm > 0)
  console.log(
    `skipped ${skippedBy.slurm} tests [needs slurm]: ${slurmPreflight() ?? "Slurm could not start"} (tooling/slurm/README.md)`,
  );
if (skippedBy.other > 0) console.log(`skipped ${skippedBy.other} other tests`);
console.log(`${passed} passed, ${failed} failed`);
process.exit(run.status === 0 && failed === 0 ? 0 : 1);
