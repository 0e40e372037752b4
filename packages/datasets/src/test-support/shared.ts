import { fileURLToPath } from "node:url";

/** The sibling shared/ folder (CI: next to the repo root), with a trailing slash. */
export const SHARED = process.env.SKC_SHARED
  ? `${process.env.SKC_SHARED.replace(/\/$/, "")}/`
  : fileURLToPath(new URL("../../../../../shared/", import.meta.url));
export const REAL = `${SHARED}data/real/`;
export const NTU_DIR = `${REAL}ntu/`;
export const PKU_DIR = `${REAL}pku-mmd/`;
export const UTD_DIR = `${REAL}utd-mhad/`;
