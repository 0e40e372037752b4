import fs from "node:fs";
import { FormatError, ValueError } from "@skeleton-cache/errors";
import {
  candidateClasses,
  classCatalog,
  DATASET_IDS,
  isDatasetId,
  listSplits,
  type ZeroShotSplit,
} from "@skeleton-cache/skeleton";
import { assertPriorCovers, loadPrior, type Prior, selectPriorForSplit, uniformPrior } from "./prior.js";
import {
  getNamedPrior,
  listPriors,
  loadPublishedPrior,
  PUBLISHED_PRIOR_ORIGINS,
  priorFor,
} from "./published.js";

/**
 * How a resolved prior was named: "published" (the authors' GPT-4o priors),
 * "shipped" (an LLM prior this project wrote, e.g. utd-mhad), "registered"
 * (an id a program registered with `registerPrior`), "file" or "uniform".
 */
export type PriorKind = "published" | "shipped" | "registered" | "file" | "uniform";

/** A resolved prior and how it was named. */
export interface ResolvedPrior {
  /** The prior, one entry per candidate class (a dataset prior already selected for them). */
  readonly prior: Prior;
  readonly kind: PriorKind;
  /** The shipped id, the file, or "uniform". */
  readonly source: string;
  /** Whether it was a dataset prior (covering every class of the dataset), selected for the candidates. */
  readonly fromDatasetPrior: boolean;
  /**
   * What the reader of the results must know about the prior, for the report:
   * set when it is a prior of another dataset whose class catalog contains the
   * candidates' (an ntu120 prior on ntu60 classes).
   */
  readonly note?: string;
}

/** The candidate classes a prior must cover: a bundle's (or any labelled stream's) classes. */
export interface PriorCandidates {
  /** Dataset class ids of the U candidates, class u = id `classIds[u]` (0..U-1 when unknown). */
  readonly classIds: ArrayLike<number>;
  /** Whether `classIds` are the dataset's ids (a bundle's class_ids.npy), not placeholders. */
  readonly classIdsKnown: boolean;
  /** Class names, for "uniform" and for messages (default `class u`). */
  readonly classNames?: readonly string[] | undefined;
  /** The dataset the candidates belong to (a bundle's meta.dataset). */
  readonly dataset?: string | undefined;
  /** The split they belong to (`--split`, else a bundle's meta.split). */
  readonly split?: string | undefined;
  /** How messages name the stream, e.g. its bundle path. */
  readonly bundle?: string | undefined;
}

/** What `resolvePrior` needs besides the argument. */
export interface ResolvePriorOptions {
  /** The option the argument came from, as messages name it: "prior", "validationPrior", "--prior". */
  readonly key?: string | undefined;
  /** γ of "uniform" (default 0.5). */
  readonly uniformGamma?: number | undefined;
  /**
   * The classes the prior must cover. Without them the prior is returned as
   * loaded: a file or a shipped id only, no coverage check.
   */
  readonly candidates?: PriorCandidates | undefined;
}

/** Whether `id` names a prior of the registry (a shipped one, or one a program registered). */
function isRegisteredId(id: string): boolean {
  return getNamedPrior(id) !== undefined;
}

/** The authors' published priors are "published", an LLM prior this project wrote "shipped", any other "registered". */
function registeredKind(id: string): "published" | "shipped" | "registered" {
  if (getNamedPrior(id)?.origin !== "@skeleton-cache/prior") return "registered";
  return PUBLISHED_PRIOR_ORIGINS[id as keyof typeof PUBLISHED_PRIOR_ORIGINS] === "authors"
    ? "published"
    : "shipped";
}

/** A registered prior by id. */
function registered(id: string): ResolvedPrior {
  return { prior: loadPublishedPrior(id), kind: registeredKind(id), source: id, fromDatasetPrior: false };
}

/** The flag of a config key: `validationPrior` → `--validation-prior`. */
function flagOf(key: string): string {
  return key.startsWith("-") ? key : `--${key.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`;
}

/** How messages name a prior: its option and its source (`prior my.json`). */
function nameOf(key: string | undefined, source: string): string {
  return key ? `${key} ${source}` : source;
}

/** How messages name the candidates. */
function streamOf(candidates: PriorCandidates): string {
  return candidates.bundle !== undefined ? `bundle ${candidates.bundle}` : "the candidate classes";
}

/**
 * Resolves a prior argument — a file, a shipped id (`ntu60_55_5`, `utd-mhad`,
 * …) or "uniform" — and, given the candidate classes, checks that it covers
 * exactly them: same count, every class with importances, and where both
 * sides name their classes by dataset id, the same class at every index. A
 * dataset prior is selected for the candidates by their class ids (SPEC §1).
 * With no argument, the shipped prior of the candidates' split, else of their
 * dataset. A shipped id wins over a file of the same name (write `./ID` for
 * the file). Bad input is a ValueError / FormatError naming the option, the
 * file and the value.
 */
export function resolvePrior(spec: string | undefined, options: ResolvePriorOptions = {}): ResolvedPrior {
  const { key, candidates } = options;
  let resolved = namedPrior(spec, options);
  if (!candidates) return resolved;
  let prior = resolved.prior;
  const name = nameOf(key, resolved.source);
  const note = checkPriorDataset(prior, name, candidates);
  if (prior.kind === "dataset") {
    prior = selectForCandidates(prior, name, candidates);
    resolved = { ...resolved, fromDatasetPrior: true };
  }
  checkPriorClassCount(prior, name, candidates);
  assertPriorCovers(prior, candidates.classIds.length);
  // Same classes, index by index, where the prior names its split.
  const priorSplit = listSplits().find((split) => split.id === prior.split);
  if (priorSplit && resolved.prior.kind === "split")
    checkPriorSplitClasses(prior, priorSplit, name, candidates);
  return { ...resolved, prior, ...(note !== undefined ? { note } : {}) };
}

/** The prior `spec` names (a shipped id, "uniform", or a file), or the shipped one of the candidates' split or dataset. */
function namedPrior(spec: string | undefined, options: ResolvePriorOptions): ResolvedPrior {
  const { key, candidates } = options;
  const uniform = candidates ? ` or "uniform"` : "";
  if (spec === undefined) return candidatesShippedPrior(key ?? "prior", candidates);
  if (isRegisteredId(spec)) return registered(spec);
  if (spec === "uniform" && candidates) {
    const numClasses = candidates.classIds.length;
    return {
      prior: uniformPrior(numClasses, options.uniformGamma ?? 0.5, candidates.classNames),
      kind: "uniform",
      source: "uniform",
      fromDatasetPrior: false,
    };
  }
  if (!fs.existsSync(spec)) {
    throw new FormatError(
      `${nameOf(key, spec)}: cannot read prior: no such file, and not a shipped prior id (${listPriors().join(", ")})${uniform}`,
      { file: spec, field: key ?? "prior", value: spec },
    );
  }
  return { prior: loadPrior(spec), kind: "file", source: spec, fromDatasetPrior: false };
}

/** No prior named: the registered prior that fits the candidates' split, else their dataset (`priorFor`). */
function candidatesShippedPrior(key: string, candidates: PriorCandidates | undefined): ResolvedPrior {
  const id = candidates ? priorFor({ split: candidates.split, dataset: candidates.dataset }) : undefined;
  if (id) return registered(id);
  const where = candidates?.bundle !== undefined ? ` for bundle ${candidates.bundle}` : "";
  throw new ValueError(
    `no ${key} given${where}: pass ${flagOf(key)} FILE | ${listPriors().join(" | ")} | uniform`,
    { field: key },
  );
}

/** A dataset prior's rows for the candidates (by their dataset ids). */
function selectForCandidates(prior: Prior, name: string, candidates: PriorCandidates): Prior {
  if (!candidates.classIdsKnown) {
    throw new ValueError(
      `${name}: a dataset prior needs the bundle's class ids (class_ids.npy) to pick the candidates`,
      { file: prior.file, field: "class_ids" },
    );
  }
  return selectPriorForSplit(prior, Array.from(candidates.classIds), candidates.split);
}

/** The dataset a prior is for (its `dataset`, else its split's), or of the candidates (theirs, else their split's). */
function datasetOf(named: { readonly dataset?: string | undefined; readonly split?: string | undefined }) {
  return named.dataset ?? listSplits().find((split) => split.id === named.split)?.dataset;
}

/** Whether dataset `outer`'s class catalog holds `inner`'s as its first classes, under the same ids. */
function catalogContains(outer: string, inner: string): boolean {
  if (!isDatasetId(outer) || !isDatasetId(inner)) return false;
  const outerNames = classCatalog(outer).names;
  return classCatalog(inner).names.every((name, id) => outerNames[id] === name);
}

/**
 * A prior is for the candidates' dataset, or for one whose class catalog
 * contains theirs (NTU120 ⊃ NTU60: NTU60's classes are NTU120's first 60,
 * same ids); then the note says so. Another dataset is refused naming both.
 * Where either dataset is unknown, or the candidates' class ids are (then they
 * are U anonymous classes, checked by count only: the authors' synthetic `.pt`
 * says dataset "synthetic" and is used with their ntu60_48_12 prior), there is
 * nothing to compare.
 */
function checkPriorDataset(prior: Prior, name: string, candidates: PriorCandidates): string | undefined {
  if (!candidates.classIdsKnown) return undefined;
  const priorDataset = datasetOf(prior);
  const theirs = datasetOf(candidates);
  if (priorDataset === undefined || theirs === undefined || priorDataset === theirs) return undefined;
  const stream = streamOf(candidates);
  if (catalogContains(priorDataset, theirs)) {
    const last = classCatalog(theirs).names.length - 1;
    return `${name} is a prior for dataset ${priorDataset} and ${stream} is of dataset ${theirs}: accepted, as ${priorDataset}'s class catalog contains ${theirs}'s (its classes 0–${last}, same ids)`;
  }
  const containing = DATASET_IDS.filter((id) => id !== theirs && catalogContains(id, theirs));
  const or =
    containing.length > 0
      ? ` (or of a dataset whose class catalog contains ${theirs}'s: ${containing.join(", ")})`
      : "";
  throw new ValueError(
    `${name} is a prior for dataset ${priorDataset}, but ${stream} is of dataset ${theirs}: use a prior of ${theirs}${or}`,
    { file: prior.file, field: "dataset", value: priorDataset, expected: theirs },
  );
}

function checkPriorClassCount(prior: Prior, name: string, candidates: PriorCandidates): void {
  const numClasses = candidates.classIds.length;
  if (prior.numClasses !== numClasses) {
    throw new ValueError(
      `${name} has ${prior.numClasses} classes but ${streamOf(candidates)} has ${numClasses} candidate classes`,
      { file: prior.file, field: "num_classes", value: prior.numClasses, expected: numClasses },
    );
  }
}

/** A split prior holds that split's unseen classes and, where the candidates' class ids are known, in their order. */
function checkPriorSplitClasses(
  prior: Prior,
  priorSplit: ZeroShotSplit,
  name: string,
  candidates: PriorCandidates,
): void {
  const expected = candidateClasses(priorSplit, "zsl");
  if (expected.length !== prior.numClasses) {
    throw new ValueError(
      `${name} names split ${priorSplit.id}, which has ${expected.length} unseen classes, but holds ${prior.numClasses}: it is not that split's prior`,
      { file: prior.file, field: "split", value: prior.split, expected: expected.length },
    );
  }
  if (!candidates.classIdsKnown) return;
  const names = classCatalog(priorSplit.dataset).names;
  const { classIds } = candidates;
  for (let u = 0; u < classIds.length; u++) {
    if (expected[u] !== classIds[u]) {
      const priorName = prior.classNames?.[u] ?? names[expected[u]!];
      const theirs = candidates.classNames?.[u] ?? `class ${u}`;
      throw new ValueError(
        `${name} (split ${priorSplit.id}) does not match ${streamOf(candidates)}: its class ${u} is dataset id ${expected[u]} (${priorName}) but the bundle's class ${u} is id ${classIds[u]} (${theirs})`,
        { file: prior.file, field: `weights.${u}`, value: classIds[u], expected: expected[u] },
      );
    }
  }
}
