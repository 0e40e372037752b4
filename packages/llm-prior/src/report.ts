import { classWeights } from "@skeleton-cache/fusion";
import type { Prior } from "@skeleton-cache/prior";

/** One class compared between two priors (null distances where either lacks the class). */
export interface ClassDiff {
  readonly index: number;
  readonly nameA?: string | undefined;
  readonly nameB?: string | undefined;
  /** L1 distance of the ℓ1-normalised spatial importances (0..2). */
  readonly spatialL1: number | null;
  /** L1 distance of the ℓ1-normalised temporal importances (0..2). */
  readonly temporalL1: number | null;
  /** |γ_a − γ_b|. */
  readonly gammaAbs: number | null;
  /** L1 distance of the 8-slot fusion weights w_u of Eq. 9 (0..2): what fusion actually sees. */
  readonly weightsL1: number | null;
}

/** A whole comparison: per class, plus means over the classes both priors have. */
export interface PriorDiff {
  readonly rows: readonly ClassDiff[];
  /** Classes present in both. */
  readonly compared: number;
  readonly meanSpatialL1: number;
  readonly meanTemporalL1: number;
  readonly meanGammaAbs: number;
  readonly meanWeightsL1: number;
  /** Indices where both priors name the class and the names differ. */
  readonly nameMismatches: readonly number[];
}

function l1(a: readonly number[], b: readonly number[]): number {
  let sum = 0;
  for (let component = 0; component < a.length; component++) sum += Math.abs(a[component]! - b[component]!);
  return sum;
}

/** Compares two priors class by class (by index: candidate index or dataset class index). */
export function diffPriors(a: Prior, b: Prior): PriorDiff {
  const count = Math.max(a.numClasses, b.numClasses);
  const rows: ClassDiff[] = [];
  const nameMismatches: number[] = [];
  let compared = 0;
  let spatial = 0;
  let temporal = 0;
  let gamma = 0;
  let weights = 0;
  for (let index = 0; index < count; index++) {
    const x = a.classes[index] ?? null;
    const y = b.classes[index] ?? null;
    const nameA = a.classNames?.[index];
    const nameB = b.classNames?.[index];
    if (nameA !== undefined && nameB !== undefined && nameA !== nameB) nameMismatches.push(index);
    if (x && y) {
      const row = {
        index,
        nameA,
        nameB,
        spatialL1: l1(x.spatial, y.spatial),
        temporalL1: l1(x.temporal, y.temporal),
        gammaAbs: Math.abs(x.gamma - y.gamma),
        weightsL1: l1(classWeights(x), classWeights(y)),
      };
      rows.push(row);
      compared++;
      spatial += row.spatialL1;
      temporal += row.temporalL1;
      gamma += row.gammaAbs;
      weights += row.weightsL1;
    } else {
      rows.push({ index, nameA, nameB, spatialL1: null, temporalL1: null, gammaAbs: null, weightsL1: null });
    }
  }
  const mean = (sum: number): number => (compared > 0 ? sum / compared : Number.NaN);
  return {
    rows,
    compared,
    meanSpatialL1: mean(spatial),
    meanTemporalL1: mean(temporal),
    meanGammaAbs: mean(gamma),
    meanWeightsL1: mean(weights),
    nameMismatches,
  };
}

/** Lays out rows as a plain-text table with right-aligned numbers. */
export function formatTable(header: readonly string[], rows: readonly (readonly string[])[]): string {
  const widths = header.map((h, column) =>
    Math.max(h.length, ...rows.map((row) => (row[column] ?? "").length)),
  );
  const line = (cells: readonly string[]): string =>
    cells
      .map((cell, column) => (column <= 1 ? cell.padEnd(widths[column]!) : cell.padStart(widths[column]!)))
      .join("  ")
      .trimEnd();
  return [line(header), line(widths.map((w) => "-".repeat(w))), ...rows.map(line)].join("\n");
}

const f3 = (v: number): string => v.toFixed(3);

/** A readable table of a prior: one row per class, spread (± sd) where the file has it. */
export function formatPrior(prior: Prior): string {
  const p = prior.provenance ?? {};
  const lines: string[] = [];
  const what = [
    prior.kind === "split" ? "split prior" : "dataset prior",
    prior.split !== undefined ? `split ${prior.split}` : undefined,
    prior.dataset !== undefined ? `dataset ${prior.dataset}` : undefined,
    `${prior.numClasses} classes`,
    `${prior.classes.filter((c) => c !== null).length} with importances`,
  ].filter((x) => x !== undefined);
  lines.push(`${prior.file ?? "prior"}: ${what.join(", ")}`);
  const prov = Object.entries(p)
    .filter(([, v]) => v !== undefined && typeof v !== "object")
    .map(([k, v]) => `${k}=${String(v)}`);
  if (prov.length > 0) lines.push(`provenance: ${prov.join(" ")}`);
  const hasSpread = prior.spread?.some((s) => s !== null) ?? false;
  const header = ["#", "class", "head", "torso", "arms", "feet", "begin", "middle", "end", "gamma"];
  if (hasSpread) header.push("sd(max)");
  const rows = prior.classes.map((entry, index) => {
    const name = prior.classNames?.[index] ?? "";
    if (!entry)
      return [String(index), name, "-", "-", "-", "-", "-", "-", "-", "-", ...(hasSpread ? ["-"] : [])];
    const row = [String(index), name, ...entry.spatial.map(f3), ...entry.temporal.map(f3), f3(entry.gamma)];
    if (hasSpread) {
      const s = prior.spread?.[index];
      const all = s ? [...(s.spatial ?? []), ...(s.temporal ?? []), s.gamma ?? 0] : [];
      row.push(all.length > 0 ? f3(Math.max(...all)) : "-");
    }
    return row;
  });
  lines.push(formatTable(header, rows));
  return lines.join("\n");
}

/** A readable side-by-side comparison (gamma of each, per-class L1 distances, means). */
export function formatDiff(a: Prior, b: Prior, diff: PriorDiff = diffPriors(a, b)): string {
  const d = (v: number | null): string => (v === null ? "-" : f3(v));
  const header = [
    "#",
    "class",
    "gamma A",
    "gamma B",
    "L1 spatial",
    "L1 temporal",
    "|d gamma|",
    "L1 w (Eq.9)",
  ];
  const rows = diff.rows.map((row) => {
    const name =
      row.nameA !== undefined && row.nameB !== undefined && row.nameA !== row.nameB
        ? `${row.nameA} | ${row.nameB}`
        : (row.nameA ?? row.nameB ?? "");
    const ga = a.classes[row.index];
    const gb = b.classes[row.index];
    return [
      String(row.index),
      name,
      ga ? f3(ga.gamma) : "-",
      gb ? f3(gb.gamma) : "-",
      d(row.spatialL1),
      d(row.temporalL1),
      d(row.gammaAbs),
      d(row.weightsL1),
    ];
  });
  const lines = [
    `A: ${a.file ?? "prior A"} (${a.numClasses} classes)`,
    `B: ${b.file ?? "prior B"} (${b.numClasses} classes)`,
    formatTable(header, rows),
    `mean over ${diff.compared} classes in both: L1 spatial ${f3(diff.meanSpatialL1)}, L1 temporal ${f3(
      diff.meanTemporalL1,
    )}, |d gamma| ${f3(diff.meanGammaAbs)}, L1 w ${f3(diff.meanWeightsL1)}`,
  ];
  if (diff.nameMismatches.length > 0) {
    lines.push(`warning: class names differ at index ${diff.nameMismatches.join(", ")}`);
  }
  return lines.join("\n");
}
