import path from "node:path";
import { fileURLToPath } from "node:url";

/** The repository root (this file is tooling/utd-mhad/src/paths.ts). */
export const REPO_ROOT = fileURLToPath(new URL("../../../", import.meta.url));

/** The research data folder: `$SKC_DATA`, else `../shared/data` beside the repository. */
export const DATA_DIR = path.resolve(process.env.SKC_DATA ?? path.join(REPO_ROOT, "..", "shared", "data"));

/** Where the committed models, semantics and bundles live. */
export const BENCH_DIR = fileURLToPath(new URL("../../../benchmarks/utd-mhad/", import.meta.url));

/** The raw UTD-MHAD skeleton files (never copied into the repository). */
export const UTD_DIR = path.join(DATA_DIR, "real", "utd-mhad");

/** PURLS's GPT-3 part descriptions (the source of the class semantics). */
export const PURLS_DESCRIPTIONS = path.join(DATA_DIR, "real", "purls_part_descriptions.json");
