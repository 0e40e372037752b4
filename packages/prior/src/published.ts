import fs from "node:fs";
import { fileURLToPath } from "node:url";
import { ValueError } from "@skeleton-cache/errors";
import { loadPrior, type Prior } from "./prior.js";

/** Ids of the priors shipped with this package (see assets/published/ATTRIBUTION.md). */
export const PUBLISHED_PRIORS = [
  "ntu60_55_5",
  "ntu60_48_12",
  "ntu120_110_10",
  "ntu120_96_24",
  "utd-mhad",
] as const;
export type PublishedPriorId = (typeof PUBLISHED_PRIORS)[number];

/** Who wrote each shipped prior: the authors' published GPT-4o output, or this project's LLM run. */
export const PUBLISHED_PRIOR_ORIGINS: Readonly<Record<PublishedPriorId, "authors" | "project">> = {
  ntu60_55_5: "authors",
  ntu60_48_12: "authors",
  ntu120_110_10: "authors",
  ntu120_96_24: "authors",
  "utd-mhad": "project",
};

/** Path of a shipped prior file (works from src/ in tests and from dist/ when built). */
export function publishedPriorPath(id: string): string {
  if (!(PUBLISHED_PRIORS as readonly string[]).includes(id)) {
    throw new ValueError(`unknown published prior "${id}"; known: ${PUBLISHED_PRIORS.join(", ")}`, {
      field: "prior",
      value: id,
      expected: PUBLISHED_PRIORS,
    });
  }
  const path = fileURLToPath(new URL(`../assets/published/${id}.json`, import.meta.url));
  if (!fs.existsSync(path)) throw new ValueError(`published prior file missing: ${path}`, { file: path });
  return path;
}

/** Loads a shipped prior: the authors' four NTU split priors, or the UTD-MHAD dataset prior. */
export function loadPublishedPrior(id: string): Prior {
  return loadPrior(publishedPriorPath(id));
}
