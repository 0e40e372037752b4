import { readAsset } from "./assets.js";
import { ntuBareName } from "./ntu-name.js";

interface MissingFile {
  readonly source: string;
  readonly ntu60: string[];
  readonly ntu120: string[];
}

let lists: { ntu60: ReadonlySet<string>; ntu120: ReadonlySet<string>; source: string } | undefined;

function load() {
  if (!lists) {
    const file = readAsset("ntu-missing-skeletons.json") as MissingFile;
    lists = { ntu60: new Set(file.ntu60), ntu120: new Set(file.ntu120), source: file.source };
  }
  return lists;
}

/**
 * True when the sample is on the official NTU RGB+D list of samples with
 * missing or incomplete skeletons (302 in NTU60, 535 in NTU120, which
 * includes the 302). Accepts a bare name, a file name or a path.
 */
export function isMissingSkeleton(name: string, dataset: "ntu60" | "ntu120" = "ntu120"): boolean {
  return load()[dataset].has(ntuBareName(name));
}

/** The official missing-skeleton list of a dataset, sorted as published, and its source. */
export function missingSkeletons(dataset: "ntu60" | "ntu120" = "ntu120"): {
  readonly names: readonly string[];
  readonly source: string;
} {
  const l = load();
  return { names: [...l[dataset]], source: l.source };
}
