import { fileURLToPath } from "node:url";

/** The shared data folder (a sibling of the repo root), overridable with SKC_SHARED. */
export const SHARED =
  process.env.SKC_SHARED ?? fileURLToPath(new URL("../../../../../shared/", import.meta.url));

/** This package's committed fixtures. */
export const FIXTURES = fileURLToPath(new URL("../../fixtures/", import.meta.url));
