/**
 * Class lists, splits and descriptions in the formats the field's files use
 * (`class_names.json`, `splits.json`, `part_descriptions_ntu60.json`), written
 * from what `@skeleton-cache/skeleton` ships, so the prior commands' tests
 * need no research data.
 */
import fs from "node:fs";
import path from "node:path";
import { classCatalog, listSplits } from "@skeleton-cache/skeleton";

/** The columns of the authors' `part_descriptions_ntu*.json`. */
export const DESCRIPTION_COLUMNS = [
  "head",
  "hands/arms",
  "torso/hip",
  "legs/feet",
  "start",
  "middle",
  "end",
  "global",
] as const;

export interface ClassFiles {
  /** `{ntu60: [...], ntu120: [...]}`, as the authors' `class_names.json`. */
  readonly classNames: string;
  /** `{splits: {<id>: {dataset, seen, unseen, validation?}}}`, as the authors' `splits.json`. */
  readonly splits: string;
  /** `{columns, rows}` with one row per NTU60 class, as `part_descriptions_ntu60.json`. */
  readonly descriptions60: string;
}

/** Writes the three files into `dir` and returns their paths. */
export function writeClassFiles(dir: string): ClassFiles {
  const files: ClassFiles = {
    classNames: path.join(dir, "class_names.json"),
    splits: path.join(dir, "splits.json"),
    descriptions60: path.join(dir, "part_descriptions_ntu60.json"),
  };
  const ntu60 = classCatalog("ntu60").names;
  fs.writeFileSync(files.classNames, JSON.stringify({ ntu60, ntu120: classCatalog("ntu120").names }));
  const splits = Object.fromEntries(
    listSplits()
      .filter((split) => split.dataset === "ntu60" || split.dataset === "ntu120")
      .map((split) => [
        split.id,
        {
          dataset: split.dataset,
          seen: split.seen,
          unseen: split.unseen,
          ...(split.validation ? { validation: split.validation } : {}),
        },
      ]),
  );
  fs.writeFileSync(files.splits, JSON.stringify({ splits }));
  const rows = ntu60.map((name) => DESCRIPTION_COLUMNS.map((column) => `the ${column} while "${name}"`));
  fs.writeFileSync(files.descriptions60, JSON.stringify({ columns: DESCRIPTION_COLUMNS, rows }));
  return files;
}
