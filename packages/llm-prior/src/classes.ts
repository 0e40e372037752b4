import fs from "node:fs";
import { describeValue, FormatError, ValueError } from "@skeleton-cache/errors";

/** One class to ask about. */
export interface ClassSpec {
  /** Key in the prior file: the candidate index (split prior) or the dataset class index (dataset prior). */
  readonly index: number;
  /** Dataset class index (equal to `index` for a dataset prior). */
  readonly id: number;
  readonly name: string;
  /** Optional context given to the model (how the action is performed). */
  readonly description?: string | undefined;
}

/** A zero-shot split as found in a splits file. */
export interface SplitSpec {
  readonly id: string;
  readonly dataset?: string | undefined;
  /** The split's candidate (unseen) dataset class ids, ascending. */
  readonly candidates: readonly number[];
}

function readJsonOrText(file: string): { json: unknown } | { text: string } {
  let text: string;
  try {
    text = fs.readFileSync(file, "utf8");
  } catch (error) {
    throw new FormatError(`${file}: cannot read (${(error as Error).message})`, { file });
  }
  const trimmed = text.trimStart();
  if (trimmed.startsWith("{") || trimmed.startsWith("[")) {
    try {
      return { json: JSON.parse(text) };
    } catch (error) {
      throw new FormatError(`${file}: not valid JSON (${(error as Error).message})`, { file });
    }
  }
  return { text };
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === "object" && !Array.isArray(value);
}

function asNameList(value: unknown, file: string, field: string): string[] {
  if (!Array.isArray(value)) {
    throw new FormatError(`${file}: ${field} must be a list of class names, found ${describeValue(value)}`, {
      file,
      field,
      value,
    });
  }
  return value.map((entry, position) => {
    const name = isRecord(entry) ? entry.name : entry;
    if (typeof name !== "string" || name.trim() === "") {
      throw new FormatError(`${file}: ${field}[${position}] is not a class name: ${describeValue(entry)}`, {
        file,
        field: `${field}[${position}]`,
        position,
        value: entry,
      });
    }
    return name.trim();
  });
}

/**
 * Reads dataset class names from a file, index = dataset class index:
 * a text file (one name per line; blank lines and `#` comments skipped), a
 * JSON list of names or of `{name}` objects, a prior-like `{class_names}`,
 * or a catalog `{<dataset>: [names]}` (as `class_names.json`) from which
 * `dataset` picks the list.
 */
export function loadClassNames(file: string, dataset?: string): string[] {
  const content = readJsonOrText(file);
  if ("text" in content) {
    const names = content.text
      .split(/\r?\n/)
      .map((line) => line.trim())
      .filter((line) => line !== "" && !line.startsWith("#"));
    if (names.length === 0) throw new FormatError(`${file}: no class names in the file`, { file });
    return names;
  }
  const { json } = content;
  if (Array.isArray(json)) return asNameList(json, file, "(top level)");
  if (isRecord(json)) {
    if (dataset !== undefined && dataset in json) return asNameList(json[dataset], file, dataset);
    if ("class_names" in json) return asNameList(json.class_names, file, "class_names");
    const lists = Object.keys(json).filter((key) => Array.isArray(json[key]));
    if (lists.length === 1) return asNameList(json[lists[0]!], file, lists[0]!);
    throw new ValueError(
      dataset === undefined
        ? `${file}: holds class lists ${lists.join(", ")}; name one with --dataset`
        : `${file}: has no class list "${dataset}"; it has ${lists.join(", ")}`,
      { file, field: "dataset", value: dataset, expected: lists },
    );
  }
  throw new FormatError(`${file}: expected a list of class names, found ${describeValue(json)}`, { file });
}

/** PURLS / part-description field names, and the label each gets in the prompt. */
const DESCRIPTION_FIELDS: readonly [string, string][] = [
  ["Head", "head"],
  ["Hands", "hands/arms"],
  ["Torso", "torso/hip"],
  ["Legs", "legs/feet"],
  ["Start", "start"],
  ["Middle", "middle"],
  ["End", "end"],
  ["Global Desc", "overall"],
];

function describeRow(labels: readonly string[], values: readonly unknown[]): string {
  const lines: string[] = [];
  labels.forEach((label, position) => {
    const value = values[position];
    if (typeof value === "string" && value.trim() !== "") lines.push(`- ${label}: ${value.trim()}`);
  });
  return lines.join("\n");
}

/**
 * Reads per-class descriptions (index = dataset class index). Formats:
 * `{columns, rows}` (`part_descriptions_ntu*.json`), a list of PURLS records
 * (`{"Action Labels", Head, Hands, ...}`) or `{<dataset>: [records]}` with
 * `key` naming the dataset, a list of strings, or `{<class name>: text}`
 * (matched to `classNames`).
 */
export function loadDescriptions(file: string, classNames: readonly string[], key?: string): string[] {
  const content = readJsonOrText(file);
  if ("text" in content) throw new FormatError(`${file}: descriptions must be JSON`, { file });
  let json = content.json;
  if (isRecord(json) && Array.isArray(json.columns) && Array.isArray(json.rows)) {
    const columns = json.columns.map(String);
    json = json.rows.map((row, position) => {
      if (!Array.isArray(row)) {
        throw new FormatError(`${file}: rows[${position}] is not a list`, {
          file,
          field: `rows[${position}]`,
          value: row,
        });
      }
      return describeRow(columns, row);
    });
  } else if (isRecord(json) && !Object.values(json).every((v) => typeof v === "string")) {
    const lists = Object.keys(json).filter((k) => Array.isArray((json as Record<string, unknown>)[k]));
    const chosen = key ?? (lists.length === 1 ? lists[0] : undefined);
    if (chosen === undefined || !Array.isArray(json[chosen])) {
      throw new ValueError(
        `${file}: name the description set with --descriptions-key (one of ${lists.join(", ")})`,
        {
          file,
          field: "descriptions-key",
          value: key,
          expected: lists,
        },
      );
    }
    json = json[chosen];
  }
  let descriptions: string[];
  if (Array.isArray(json)) {
    descriptions = json.map((entry, position) => {
      if (typeof entry === "string") return entry.trim();
      if (isRecord(entry)) {
        return describeRow(
          DESCRIPTION_FIELDS.map(([, label]) => label),
          DESCRIPTION_FIELDS.map(([field]) => entry[field]),
        );
      }
      throw new FormatError(`${file}: entry ${position} is not a description: ${describeValue(entry)}`, {
        file,
        position,
        value: entry,
      });
    });
  } else if (isRecord(json)) {
    const byName = json as Record<string, string>;
    descriptions = classNames.map((name) => (byName[name] ?? "").trim());
  } else {
    throw new FormatError(`${file}: unreadable descriptions: ${describeValue(json)}`, { file });
  }
  if (descriptions.length !== classNames.length) {
    throw new ValueError(
      `${file}: has ${descriptions.length} descriptions but there are ${classNames.length} dataset classes`,
      { file, field: "descriptions", value: descriptions.length, expected: classNames.length },
    );
  }
  return descriptions;
}

/**
 * Reads one split from a splits file (`{splits: {<id>: {dataset, unseen}}}`,
 * as `splits.json`; the id may also be `<id>/validation` for its
 * validation split). Candidates = the unseen ids, ascending.
 */
export function loadSplit(file: string, id: string): SplitSpec {
  const content = readJsonOrText(file);
  if ("text" in content) throw new FormatError(`${file}: a splits file must be JSON`, { file });
  const root = isRecord(content.json) && isRecord(content.json.splits) ? content.json.splits : content.json;
  if (!isRecord(root))
    throw new FormatError(`${file}: expected {splits: {<id>: ...}}`, { file, field: "splits" });
  const [base, sub] = id.split("/", 2) as [string, string | undefined];
  const entry = root[base];
  if (!isRecord(entry)) {
    throw new ValueError(`${file}: no split "${base}"; known: ${Object.keys(root).join(", ")}`, {
      file,
      field: "split",
      value: id,
      expected: Object.keys(root),
    });
  }
  const holder = sub === undefined ? entry : entry[sub];
  if (!isRecord(holder)) {
    throw new ValueError(`${file}: split "${base}" has no "${sub}"`, { file, field: "split", value: id });
  }
  const unseen = holder.unseen;
  if (!Array.isArray(unseen) || unseen.some((v) => !Number.isInteger(v) || (v as number) < 0)) {
    throw new FormatError(
      `${file}: splits.${id}.unseen must be a list of class ids, found ${describeValue(unseen)}`,
      {
        file,
        field: `splits.${id}.unseen`,
        value: unseen,
      },
    );
  }
  const dataset = typeof entry.dataset === "string" ? entry.dataset : undefined;
  return { id, dataset, candidates: [...(unseen as number[])].sort((a, b) => a - b) };
}

/** Parses a comma-separated list of dataset class ids ("3,7,12"). */
export function parseIdList(text: string, field = "candidates"): number[] {
  const ids = text.split(",").map((part) => part.trim());
  return ids.map((part) => {
    if (!/^\d+$/.test(part)) {
      throw new ValueError(`${field}: "${part}" is not a class id (non-negative integer)`, {
        field,
        value: part,
      });
    }
    return Number(part);
  });
}

/**
 * The classes to ask about. Without `candidates`: every dataset class, keyed
 * by dataset index (a dataset prior). With `candidates` (dataset ids): those
 * classes keyed by rank among the sorted ids (a split prior, SPEC §1).
 */
export function selectClasses(
  classNames: readonly string[],
  options: { candidates?: readonly number[] | undefined; descriptions?: readonly string[] | undefined } = {},
): ClassSpec[] {
  const { candidates, descriptions } = options;
  if (candidates === undefined) {
    return classNames.map((name, id) => ({
      index: id,
      id,
      name,
      description: descriptions?.[id] || undefined,
    }));
  }
  const sorted = [...candidates].sort((a, b) => a - b);
  sorted.forEach((id, rank) => {
    if (!Number.isInteger(id) || id < 0 || id >= classNames.length) {
      throw new ValueError(`candidate class id ${id} is outside the ${classNames.length} dataset classes`, {
        field: "candidates",
        value: id,
        expected: `0..${classNames.length - 1}`,
      });
    }
    if (rank > 0 && sorted[rank - 1] === id) {
      throw new ValueError(`candidate class id ${id} is listed twice`, { field: "candidates", value: id });
    }
  });
  return sorted.map((id, rank) => ({
    index: rank,
    id,
    name: classNames[id]!,
    description: descriptions?.[id] || undefined,
  }));
}

/** Where the classes of a prior come from (the `--classes / --dataset / --split / --candidates` options). */
export interface ClassSelectionOptions {
  /** Class-name file (see `loadClassNames`). */
  readonly classesFile: string;
  /** Dataset label; picks the list of a `{<dataset>: list}` file. */
  readonly dataset?: string | undefined;
  /** A split id, read from `splitsFile`: a split prior for its unseen classes. */
  readonly split?: string | undefined;
  readonly splitsFile?: string | undefined;
  /** Explicit candidate dataset class ids: a split prior for these classes. */
  readonly candidates?: readonly number[] | undefined;
}

/** The class names of a prior and, for a split prior, its candidate ids. */
export interface ClassSelection {
  /** "split": keyed by candidate rank; "dataset": keyed by dataset class index. */
  readonly kind: "split" | "dataset";
  /** Every dataset class name (index = dataset class index). */
  readonly names: string[];
  readonly candidates?: number[] | undefined;
  readonly split?: string | undefined;
  readonly dataset?: string | undefined;
}

/** Reads the class names and picks the candidates: explicit ids, a split of a splits file, or every class. */
export function resolveClassSelection(options: ClassSelectionOptions): ClassSelection {
  let dataset = options.dataset;
  let candidates: number[] | undefined;
  let split = options.split;
  if (options.candidates !== undefined) {
    candidates = [...options.candidates];
  } else if (split !== undefined && options.splitsFile !== undefined) {
    const spec = loadSplit(options.splitsFile, split);
    candidates = [...spec.candidates];
    dataset ??= spec.dataset;
  } else if (split !== undefined) {
    throw new ValueError("--split needs --splits FILE (or give --candidates)", {
      field: "--splits",
      value: split,
    });
  }
  if (candidates === undefined) split = undefined;
  const names = loadClassNames(options.classesFile, dataset);
  return { kind: candidates === undefined ? "dataset" : "split", names, candidates, split, dataset };
}
