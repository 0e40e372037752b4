import { fileURLToPath } from "node:url";

/** The repository root (this file is tooling/utd-mhad/src/paths.ts). */
export const REPO_ROOT = fileURLToPath(new URL("../../../", import.meta.url));

/** `shared/` beside the repository (CI clones it there), or SKC_SHARED. */
export const SHARED =
  process.env.SKC_SHARED ?? fileURLToPath(new URL("../../../../shared/", import.meta.url));

/** Where the committed models, semantics and bundles live. */
export const BENCH_DIR = fileURLToPath(new URL("../../../benchmarks/utd-mhad/", import.meta.url));

/** The raw UTD-MHAD skeleton files (never copied into the repository). */
export const UTD_DIR = `${SHARED}data/real/utd-mhad`;
