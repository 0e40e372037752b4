/**
 * Reading a finished run folder back (`skc report RUN_DIR`): report.json,
 * checked for its schema version and the fields the page needs, and
 * predictions.csv. Anything missing is a typed error naming the file and
 * the field (exit 2).
 */
import fs from "node:fs";
import path from "node:path";
import { FormatError } from "@skeleton-cache/errors";
import { z } from "zod";
import type { EvalReport } from "../eval-report.js";
import { readEvalReport } from "../schemas.js";

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

const summary = z.looseObject({
  top1: z.looseObject({ percent: z.number(), correct: z.number(), total: z.number() }),
  perClass: z.looseObject({ percent: z.array(z.number().nullable()), support: z.array(z.number()) }),
  confusion: z.array(z.array(z.number())),
});

/** The parts of report.json the page reads (the rest is shown as it is). */
const ReportFields = z.looseObject({
  protocol: z.looseObject({ name: z.string(), description: z.string(), selectsOnTestLabels: z.boolean() }),
  config: z.looseObject({ uniformGamma: z.number() }),
  bundle: z.looseObject({
    source: z.string(),
    numSamples: z.number().int().nonnegative(),
    numClasses: z.number().int().positive(),
    classNames: z.array(z.string()),
    meta: z.record(z.string(), z.unknown()),
  }),
  prior: z.looseObject({ kind: z.string(), source: z.string(), split: z.string().nullable() }),
  method: z.looseObject({ name: z.string(), title: z.string() }),
  params: z.record(z.string(), z.union([z.number(), z.string()])),
  results: z.looseObject({
    backbone: summary,
    cache: summary,
    gain: z.number(),
    running: z.looseObject({
      positions: z.array(z.number()),
      backbone: z.array(z.number()),
      cache: z.array(z.number()),
    }),
  }),
});

/** Reads and checks `DIR/report.json`. */
export function readReportJson(runDir: string): EvalReport {
  const file = path.join(runDir, "report.json");
  if (!fs.existsSync(runDir) || !fs.statSync(runDir).isDirectory())
    throw new FormatError(`run folder ${runDir}: no such directory`, { file: runDir, field: "RUN_DIR" });
  if (!fs.existsSync(file))
    throw new FormatError(
      `run folder ${runDir}: report.json is missing (${file}); a run folder is what \`skc eval --out DIR\` writes`,
      { file, field: "report.json" },
    );
  // Version and shape (schemas.ts), then what the page reads, named field by field.
  const json = readEvalReport(file);
  const checked = ReportFields.safeParse(json);
  if (!checked.success) {
    const issue = checked.error.issues[0]!;
    const field = issue.path.join(".");
    throw new FormatError(`${file}: field ${field}: ${issue.message}`, { file, field });
  }
  return json as unknown as EvalReport;
}

const COLUMNS = ["index", "label", "baseline_pred", "refined_pred", "online_pred"] as const;

/** Reads `DIR/predictions.csv` (stream order) into arrays indexed by sample. */
export function readPredictions(runDir: string, numSamples: number, numClasses: number): RunPredictions {
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
