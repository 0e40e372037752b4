import { ValueError } from "@skeleton-cache/errors";
import { readAsset } from "./assets.js";

/** Datasets whose class catalogs ship with this package. */
export const DATASET_IDS = ["ntu60", "ntu120", "pku-mmd", "utd-mhad"] as const;
export type DatasetId = (typeof DATASET_IDS)[number];

/** The class names of one dataset; `names[id]` is class id `id` (0-based = action id − 1). */
export interface ClassCatalog {
  readonly dataset: DatasetId;
  readonly names: readonly string[];
  /** Where the names come from. */
  readonly source: string;
}

interface CatalogFile {
  readonly catalogs: Record<string, { names: string[]; source: string }>;
}

let cache: ReadonlyMap<DatasetId, ClassCatalog> | undefined;

function loadCatalogs(): ReadonlyMap<DatasetId, ClassCatalog> {
  if (cache) return cache;
  const file = readAsset("class-catalogs.json") as CatalogFile;
  const map = new Map<DatasetId, ClassCatalog>();
  for (const dataset of DATASET_IDS) {
    const entry = file.catalogs[dataset];
    if (!entry) throw new ValueError(`assets/class-catalogs.json has no catalog for ${dataset}`);
    map.set(
      dataset,
      Object.freeze({ dataset, names: Object.freeze([...entry.names]), source: entry.source }),
    );
  }
  cache = map;
  return map;
}

/** True when `value` names a dataset with a shipped catalog. */
export function isDatasetId(value: string): value is DatasetId {
  return (DATASET_IDS as readonly string[]).includes(value);
}

/**
 * The class catalog of a dataset: NTU60 (60), NTU120 (120), PKU-MMD (51),
 * UTD-MHAD (27). Unknown dataset → ValueError listing the known ones.
 */
export function classCatalog(dataset: string): ClassCatalog {
  if (!isDatasetId(dataset)) {
    throw new ValueError(`unknown dataset ${JSON.stringify(dataset)}; known: ${DATASET_IDS.join(", ")}`, {
      field: "dataset",
      value: dataset,
      expected: DATASET_IDS,
    });
  }
  return loadCatalogs().get(dataset)!;
}

/** Name of class `classId` (0-based) of a dataset; out of range → ValueError. */
export function className(dataset: string, classId: number): string {
  const catalog = classCatalog(dataset);
  if (!Number.isInteger(classId) || classId < 0 || classId >= catalog.names.length) {
    throw new ValueError(
      `class id ${classId} is outside ${dataset}'s catalog (0..${catalog.names.length - 1})`,
      { field: "classId", value: classId },
    );
  }
  return catalog.names[classId]!;
}
