import fs from "node:fs";
import { fileURLToPath } from "node:url";
import { ValueError } from "@skeleton-cache/errors";
import { defineRegistry, type RegistryDescription, type RegistryEntry } from "@skeleton-cache/registry";
import { z } from "zod";
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

/**
 * A prior known by id: an entry of the "prior" plug point of
 * @skeleton-cache/registry. Its config schema says which streams it fits —
 * `{ split }` for a split prior, `{ dataset }` for a dataset prior — so that
 * `priorFor({ split, dataset })` finds the prior of a bundle.
 */
export interface NamedPrior extends RegistryEntry {
  /** The id (`--prior ID`): lower-case letters, digits, ".", "_", "-". */
  readonly name: string;
  /** One line: who wrote it and what it covers. */
  readonly description: string;
  /** The streams it fits, e.g. z.object({ split: z.literal("ntu60_55_5") }). */
  readonly configSchema: z.ZodType;
  /** Loads the prior (read each time: a Prior is plain data the caller may keep). */
  load(): Prior;
}

/** What `priorFor` matches a prior against: a stream's split and dataset (a bundle's meta). */
export interface PriorMatch {
  readonly split?: string | undefined;
  readonly dataset?: string | undefined;
}

/** A shipped prior as a registry entry: a split prior fits its split, the UTD-MHAD dataset prior its dataset. */
function shippedPrior(id: PublishedPriorId): NamedPrior {
  const dataset = id === "utd-mhad";
  return {
    name: id,
    origin: "@skeleton-cache/prior",
    description: dataset
      ? "UTD-MHAD dataset prior (every class; a split selects its classes), written by this project's LLM run"
      : `the authors' published GPT-4o prior of split ${id} (its unseen classes)`,
    configSchema: dataset ? z.object({ dataset: z.literal(id) }) : z.object({ split: z.literal(id) }),
    load: () => loadPrior(publishedPriorPath(id)),
  };
}

/**
 * The "prior" plug point (one store on globalThis, shared by every installed
 * copy); the shipped priors are registered on first use, in PUBLISHED_PRIORS order.
 */
const priors = defineRegistry<NamedPrior>({
  kind: "prior",
  noun: "prior",
  functions: ["load"],
  builtins: () => PUBLISHED_PRIORS.map(shippedPrior),
  register: "registerPrior(entry) from @skeleton-cache/prior",
});

/**
 * Registers a prior under an id. The same entry again is a no-op; another
 * under a taken id at the same priority is an error; a higher priority takes the id.
 */
export function registerPrior(entry: NamedPrior): void {
  priors.register(entry);
}

/** Removes the prior at `priority`, or every prior under `id`; whether one was registered. */
export function unregisterPrior(id: string, priority?: number): boolean {
  return priors.unregister(id, priority);
}

/** The registered prior ids (the shipped ones first). */
export function listPriors(): string[] {
  return priors.list();
}

/** Whether a prior is registered under `id`. */
export function hasPrior(id: string): boolean {
  return priors.has(id);
}

/** Every registered prior: id, priority, description, and the streams it fits as JSON Schema. */
export function describePriors(): RegistryDescription[] {
  return priors.describe();
}

/**
 * Loads a prior by id through the registry: the authors' four NTU split
 * priors, the UTD-MHAD dataset prior, or one registered with `registerPrior`.
 * An unknown id is a ValueError naming the known ones.
 */
export function loadPublishedPrior(id: string): Prior {
  return priors.require(id).load();
}

/** The prior lookup returns for `id` (its description, the streams it fits, `load`), or undefined. */
export function getNamedPrior(id: string): NamedPrior | undefined {
  return priors.get(id);
}

/**
 * The id of the registered prior that fits a stream: the first (by priority,
 * then registration order) whose schema accepts `{ split, dataset }` — the
 * shipped split priors by their split, the UTD-MHAD prior by its dataset —
 * or undefined when none does.
 */
export function priorFor(match: PriorMatch): string | undefined {
  const given = Object.fromEntries(Object.entries(match).filter(([, value]) => value !== undefined));
  return priors.find(given)?.entry.name;
}
