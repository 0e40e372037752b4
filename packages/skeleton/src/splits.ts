import { ValueError } from "@skeleton-cache/errors";
import { readAsset } from "./assets.js";
import { classCatalog, type DatasetId, isDatasetId } from "./catalogs.js";

/** A seen / unseen partition of a dataset's classes (0-based class ids). */
export interface SeenUnseen {
  readonly seen: readonly number[];
  readonly unseen: readonly number[];
}

/** A zero-shot split, as its source lists it (lists keep the source's order). */
export interface ZeroShotSplit extends SeenUnseen {
  readonly id: string;
  readonly dataset: DatasetId;
  /** Pseudo-seen / pseudo-unseen classes drawn from `seen`, for tuning without unseen labels. */
  readonly validation?: SeenUnseen;
  /** Repositories / files the lists come from. */
  readonly source: string;
  readonly note?: string;
}

/**
 * Candidate set of a split: "zsl" = the unseen classes, "gzsl" = seen ∪ unseen,
 * "validation-zsl" / "validation-gzsl" = the same on the validation split.
 */
export type CandidateMode = "zsl" | "gzsl" | "validation-zsl" | "validation-gzsl";

interface SplitFileEntry {
  id: string;
  dataset: string;
  seen: number[];
  unseen: number[];
  validation?: { seen: number[]; unseen: number[] };
  source: string;
  note?: string;
}

let cache: ReadonlyMap<string, ZeroShotSplit> | undefined;

function checkPartition(id: string, part: string, lists: SeenUnseen, size: number): void {
  const seenSet = new Set<number>();
  for (const [field, list] of [
    ["seen", lists.seen],
    ["unseen", lists.unseen],
  ] as const) {
    const local = new Set<number>();
    for (const classId of list) {
      if (!Number.isInteger(classId) || classId < 0 || classId >= size) {
        throw new ValueError(
          `split ${id}: ${part}${field} holds ${classId}, outside the catalog 0..${size - 1}`,
          {
            field: `${id}.${part}${field}`,
            value: classId,
          },
        );
      }
      if (local.has(classId))
        throw new ValueError(`split ${id}: ${part}${field} lists class ${classId} twice`, {
          field: `${id}.${part}${field}`,
          value: classId,
        });
      local.add(classId);
      if (field === "seen") seenSet.add(classId);
      else if (seenSet.has(classId))
        throw new ValueError(`split ${id}: class ${classId} is both ${part}seen and ${part}unseen`, {
          field: `${id}.${part}unseen`,
          value: classId,
        });
    }
  }
  if (lists.unseen.length === 0)
    throw new ValueError(`split ${id}: ${part}unseen is empty`, { field: `${id}.${part}unseen` });
}

/**
 * Checks a split: seen and unseen disjoint, no duplicates, every id inside the
 * dataset's catalog; the validation split (if any) partitions a subset of seen.
 */
export function validateSplit(split: ZeroShotSplit): void {
  const size = classCatalog(split.dataset).names.length;
  checkPartition(split.id, "", split, size);
  if (split.validation) {
    checkPartition(split.id, "validation.", split.validation, size);
    const seen = new Set(split.seen);
    for (const classId of [...split.validation.seen, ...split.validation.unseen]) {
      if (!seen.has(classId))
        throw new ValueError(`split ${split.id}: validation class ${classId} is not a seen class`, {
          field: `${split.id}.validation`,
          value: classId,
        });
    }
  }
}

function loadSplits(): ReadonlyMap<string, ZeroShotSplit> {
  if (cache) return cache;
  const file = readAsset("splits.json") as { splits: SplitFileEntry[] };
  const map = new Map<string, ZeroShotSplit>();
  for (const entry of file.splits) {
    if (!isDatasetId(entry.dataset))
      throw new ValueError(`assets/splits.json: split ${entry.id} names unknown dataset ${entry.dataset}`);
    const split: ZeroShotSplit = Object.freeze({
      id: entry.id,
      dataset: entry.dataset,
      seen: Object.freeze([...entry.seen]),
      unseen: Object.freeze([...entry.unseen]),
      ...(entry.validation
        ? {
            validation: Object.freeze({
              seen: Object.freeze([...entry.validation.seen]),
              unseen: Object.freeze([...entry.validation.unseen]),
            }),
          }
        : {}),
      source: entry.source,
      ...(entry.note ? { note: entry.note } : {}),
    });
    validateSplit(split);
    map.set(split.id, split);
  }
  cache = map;
  return map;
}

/** Every shipped split, in file order (the four standard NTU splits first). */
export function listSplits(): readonly ZeroShotSplit[] {
  return [...loadSplits().values()];
}

/** The split with this id; unknown id → ValueError listing the known ids. */
export function getSplit(id: string): ZeroShotSplit {
  const split = loadSplits().get(id);
  if (!split) {
    const known = [...loadSplits().keys()];
    throw new ValueError(`unknown split ${JSON.stringify(id)}; known splits: ${known.join(", ")}`, {
      field: "split",
      value: id,
      expected: known,
    });
  }
  return split;
}

function resolve(split: ZeroShotSplit | string): ZeroShotSplit {
  return typeof split === "string" ? getSplit(split) : split;
}

/**
 * The candidate class ids of a split, sorted ascending: position u in this
 * list is candidate index u (SPEC §1: rank among the sorted candidate ids).
 */
export function candidateClasses(split: ZeroShotSplit | string, mode: CandidateMode = "zsl"): number[] {
  const s = resolve(split);
  let lists: SeenUnseen = s;
  if (mode === "validation-zsl" || mode === "validation-gzsl") {
    if (!s.validation)
      throw new ValueError(`split ${s.id} has no validation split (mode ${mode})`, {
        field: "mode",
        value: mode,
      });
    lists = s.validation;
  } else if (mode !== "zsl" && mode !== "gzsl") {
    throw new ValueError(
      `unknown candidate mode ${JSON.stringify(mode)}; use zsl, gzsl, validation-zsl or validation-gzsl`,
      {
        field: "mode",
        value: mode,
      },
    );
  }
  const ids = mode.endsWith("gzsl") ? [...lists.seen, ...lists.unseen] : [...lists.unseen];
  return ids.sort((a, b) => a - b);
}

/**
 * Map from dataset class id (0-based) to candidate index for a split's ZSL
 * (unseen only) or GZSL (seen + unseen) candidate set. SPEC §1: NTU unseen ids
 * 10, 11, 19, 26, 56 become 0..4.
 */
export function candidateIndex(
  split: ZeroShotSplit | string,
  mode: CandidateMode = "zsl",
): ReadonlyMap<number, number> {
  const map = new Map<number, number>();
  for (const [rank, classId] of candidateClasses(split, mode).entries()) map.set(classId, rank);
  return map;
}

/** Class names of a split's candidates, in candidate-index order. */
export function candidateNames(split: ZeroShotSplit | string, mode: CandidateMode = "zsl"): string[] {
  const s = resolve(split);
  const names = classCatalog(s.dataset).names;
  return candidateClasses(s, mode).map((classId) => names[classId]!);
}
