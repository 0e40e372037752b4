/**
 * The UTD-MHAD zero-shot benchmark from the committed bundles:
 *
 *   pnpm bench:utd        (node --conditions=@skc/source --import tsx tooling/utd-mhad/src/bench.ts)
 *
 * For each split: backbone top-1 and per-class plurality correctness,
 * Skeleton-Cache at α = 0.5, β = 7 and at the (α, β) chosen on the
 * held-out-seen fold bundles, the full grid, the fusion and prior ablations,
 * the reference protocol (labelled as chosen on test labels), and every
 * test-time method of @skeleton-cache/tta at its own validation-chosen point
 * and at its defaults (paired gains with 95 % intervals, early and
 * imbalanced streams). Writes
 * benchmarks/utd-mhad/results.json (every per-run figure) and the tables
 * between the markers of docs/results/utd-mhad.md, both deterministic.
 *
 * Options: --split ID (repeatable; default all three), --json FILE, --md FILE,
 * --check (recompute and compare with the committed files instead of writing).
 */
import fs from "node:fs";
import path from "node:path";
import { ValueError } from "@skeleton-cache/errors";
import { writeFileAtomic } from "@skeleton-cache/formats";
import { type BenchResults, benchSettings, evaluateSplit } from "./bench/compute.js";
import { loadSplitBundles, SPLITS, type SplitId } from "./bench/core.js";
import { renderTables } from "./bench/tables.js";
import { BENCH_DIR, REPO_ROOT } from "./paths.js";

export const RESULTS_JSON = path.join(BENCH_DIR, "results.json");
export const TABLES_MD = path.join(REPO_ROOT, "docs/results/utd-mhad.md");

/** The markers around the generated tables inside docs/results/utd-mhad.md. */
export const TABLES_BEGIN = "<!-- utd-mhad tables: begin -->";
export const TABLES_END = "<!-- utd-mhad tables: end -->";

/** The generated region of a document (between the markers), or null when it has none. */
export function tablesRegion(doc: string): string | null {
  const begin = doc.indexOf(TABLES_BEGIN);
  const end = doc.indexOf(TABLES_END);
  if (begin < 0 || end < begin) return null;
  return doc.slice(begin + TABLES_BEGIN.length + 1, end);
}

/** Puts `tables` between the markers of `doc` (appending the markers when absent). */
export function spliceTables(doc: string, tables: string): string {
  const region = `${TABLES_BEGIN}\n${tables}${TABLES_END}`;
  const begin = doc.indexOf(TABLES_BEGIN);
  const end = doc.indexOf(TABLES_END);
  if (begin < 0 || end < begin)
    return `${doc}${doc.length > 0 && !doc.endsWith("\n") ? "\n" : ""}${region}\n`;
  return doc.slice(0, begin) + region + doc.slice(end + TABLES_END.length);
}

/** Runs the benchmark over the committed bundles. */
export function runBench(
  splits: readonly SplitId[] = SPLITS,
  log: (line: string) => void = () => {},
): BenchResults {
  const bundlesDir = path.join(BENCH_DIR, "bundles");
  return {
    format: "skeleton-cache.utd-mhad-bench/2",
    settings: benchSettings(),
    splits: splits.map((split) => evaluateSplit(loadSplitBundles(bundlesDir, split), log)),
  };
}

/** The results file's text (stable key order, one line per array). */
export function resultsText(results: BenchResults): string {
  return `${JSON.stringify(results, (_k, v) => v, 1).replace(/\[\n\s+([^\]{}]*?)\n\s*\]/g, (_m, inner: string) => `[${inner.replace(/\n\s+/g, " ")}]`)}\n`;
}

function main(argv: readonly string[]): void {
  const splits: SplitId[] = [];
  let json = RESULTS_JSON;
  let md = TABLES_MD;
  let check = false;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === "--split") {
      const id = argv[++i];
      if (!(SPLITS as readonly string[]).includes(id ?? ""))
        throw new ValueError(`--split ${id}: expected one of ${SPLITS.join(", ")}`, {
          field: "--split",
          value: id,
        });
      splits.push(id as SplitId);
    } else if (arg === "--json") json = path.resolve(argv[++i] ?? "");
    else if (arg === "--md") md = path.resolve(argv[++i] ?? "");
    else if (arg === "--check") check = true;
    else throw new ValueError(`unknown option ${arg}`, { field: "argv", position: i, value: arg });
  }
  const started = Date.now();
  const results = runBench(splits.length > 0 ? splits : SPLITS, (line) => process.stderr.write(`${line}\n`));
  const jsonText = resultsText(results);
  const mdText = renderTables(results);
  if (check) {
    const same =
      fs.readFileSync(json, "utf8") === jsonText && tablesRegion(fs.readFileSync(md, "utf8")) === mdText;
    console.log(same ? "committed results reproduced exactly" : "MISMATCH with the committed results");
    if (!same) process.exitCode = 1;
    return;
  }
  fs.mkdirSync(path.dirname(json), { recursive: true });
  fs.mkdirSync(path.dirname(md), { recursive: true });
  writeFileAtomic(json, jsonText);
  writeFileAtomic(md, spliceTables(fs.existsSync(md) ? fs.readFileSync(md, "utf8") : "", mdText));
  console.log(
    `${path.relative(REPO_ROOT, json)}, ${path.relative(REPO_ROOT, md)} (${((Date.now() - started) / 1000).toFixed(1)} s)`,
  );
}

if (process.argv[1] && path.resolve(process.argv[1]) === path.resolve(new URL(import.meta.url).pathname))
  main(process.argv.slice(2));
