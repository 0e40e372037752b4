/**
 * Reading a finished run folder back (`skc report RUN_DIR`): report.json,
 * checked for its schema version and every field (eval-report.ts), and
 * predictions.csv. Anything missing is a typed error naming the file and
 * the field (exit 2).
 */
import fs from "node:fs";
import path from "node:path";
import { FormatError } from "@skeleton-cache/errors";
import { type EvalReport, readEvalReport } from "./eval-report.js";

/** The per-sample columns of predictions.csv, in stream order. */
export interface RunPredictions {
  /** order[i] = sample at stream position i. */
  readonly order: Int32Array;
  /** By sample index. */
  readonly labels: Int32Array;
  readonly baselinePred: Int32Array;
  /** The reported prediction (the reference protocol's second pass where it fired). */
  readonly refinedPred: Int32Array;
  /** The prediction made when the sample arrived. */
  readonly onlinePred: Int32Array;
}

/** A run folder read back: its report and its per-sample predictions. */
export interface RunFolder {
  readonly runDir: string;
  readonly report: EvalReport;
  readonly predictions: RunPredictions;
}

/**
 * Reads a run folder (what `writeRunDirectory` writes): report.json, checked
 * for its schema version and every field, then predictions.csv, checked
 * against the report's sample and class counts.
 */
export function readRunFolder(runDir: string): RunFolder {
  const file = path.join(runDir, "report.json");
  if (!fs.existsSync(runDir) || !fs.statSync(runDir).isDirectory())
    throw new FormatError(`run folder ${runDir}: no such directory`, { file: runDir, field: "RUN_DIR" });
  if (!fs.existsSync(file))
    throw new FormatError(
      `run folder ${runDir}: report.json is missing (${file}); a run folder is what \`skc eval --out DIR\` writes`,
      { file, field: "report.json" },
    );
  const report = readEvalReport(file);
  const predictions = readPredictions(runDir, report.bundle.numSamples, report.bundle.numClasses);
  return { runDir, report, predictions };
}

const COLUMNS = ["index", "label", "baseline_pred", "refined_pred", "online_pred"] as const;

/** Reads `DIR/predictions.csv` (stream order) into arrays indexed by sample. */
function readPredictions(runDir: string, numSamples: number, numClasses: number): RunPredictions {
  const file = path.join(runDir, "predictions.csv");
  if (!fs.existsSync(file))
    throw new FormatError(`run folder ${runDir}: predictions.csv is missing (${file})`, {
      file,
      field: "predictions.csv",
    });
  const lines = fs
    .readFileSync(file, "utf8")
    .split("\n")
    .filter((line) => line.length > 0);
  const header = lines[0]?.split(",") ?? [];
  const at = COLUMNS.map((name) => {
    const column = header.indexOf(name);
    if (column < 0)
      throw new FormatError(`${file}: header has no column ${name}`, {
        file,
        field: name,
        position: "line 1",
      });
    return column;
  });
  if (lines.length - 1 !== numSamples)
    throw new FormatError(`${file}: ${lines.length - 1} rows, report.json says ${numSamples} samples`, {
      file,
      value: lines.length - 1,
      expected: numSamples,
    });
  const out = {
    order: new Int32Array(numSamples),
    labels: new Int32Array(numSamples),
    baselinePred: new Int32Array(numSamples),
    refinedPred: new Int32Array(numSamples),
    onlinePred: new Int32Array(numSamples),
  };
  const seen = new Uint8Array(numSamples);
  for (let position = 0; position < numSamples; position++) {
    const cells = lines[position + 1]!.split(",");
    const values = at.map((column, k) => {
      const value = Number(cells[column]);
      const limit = k === 0 ? numSamples : numClasses;
      if (!Number.isInteger(value) || value < 0 || value >= limit)
        throw new FormatError(
          `${file}: line ${position + 2}: ${COLUMNS[k]} is ${JSON.stringify(cells[column])}`,
          {
            file,
            field: COLUMNS[k],
            position: `line ${position + 2}`,
            value: cells[column],
          },
        );
      return value;
    });
    const sample = values[0]!;
    if (seen[sample])
      throw new FormatError(`${file}: line ${position + 2}: sample ${sample} listed twice`, {
        file,
        field: "index",
        position: `line ${position + 2}`,
        value: sample,
      });
    seen[sample] = 1;
    out.order[position] = sample;
    out.labels[sample] = values[1]!;
    out.baselinePred[sample] = values[2]!;
    out.refinedPred[sample] = values[3]!;
    out.onlinePred[sample] = values[4]!;
  }
  return out;
}
