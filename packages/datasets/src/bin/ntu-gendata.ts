#!/usr/bin/env node
import { parseArgs } from "node:util";
import { SkeletonCacheError } from "@skeleton-cache/errors";
import { type NtuBenchmark, ntuGendata } from "../gendata.js";
import type { PreprocessOptions } from "../preprocess.js";

const USAGE = `usage: skc-ntu-gendata --input DIR --out DIR [options]

Turns a folder of NTU RGB+D .skeleton files into data.npy (N, 3, T, 25, M) float32
and an ST-GCN label .pkl, skipping the official missing-skeleton samples.

  --input DIR            folder of .skeleton files (required)
  --out DIR              output folder (required)
  --benchmark NAME       xsub | xview | xsub120 | xset120
  --split PART           train | val (needs --benchmark); outputs PART_data.npy / PART_label.pkl
  --dataset NAME         ntu60 (A001-A060 only) | ntu120
  --keep-missing         do not skip the official missing-skeleton samples
  --frames T             output frames (default 300)
  --bodies M             output bodies (default 2)
  --body-selection S     file-order (default) | motion-energy
  --temporal MODE        zero-pad (default) | repeat-pad | resample
  --center MODE          none (default) | first-frame | per-frame
  --align                rotate hips onto x and spine onto z
  -h, --help             this text
`;

function main(argv: string[]): number {
  const { values } = parseArgs({
    args: argv,
    options: {
      input: { type: "string" },
      out: { type: "string" },
      benchmark: { type: "string" },
      split: { type: "string" },
      dataset: { type: "string" },
      "keep-missing": { type: "boolean" },
      frames: { type: "string" },
      bodies: { type: "string" },
      "body-selection": { type: "string" },
      temporal: { type: "string" },
      center: { type: "string" },
      align: { type: "boolean" },
      help: { type: "boolean", short: "h" },
    },
    strict: true,
  });
  if (values.help) {
    process.stdout.write(USAGE);
    return 0;
  }
  if (!values.input || !values.out) {
    process.stderr.write(`skc-ntu-gendata: --input and --out are required\n\n${USAGE}`);
    return 2;
  }
  const int = (text: string | undefined, name: string) => {
    if (text === undefined) return undefined;
    const n = Number(text);
    if (!Number.isInteger(n) || n < 1)
      throw new UsageError(`--${name} must be a positive integer, got ${text}`);
    return n;
  };
  const preprocess: PreprocessOptions = {
    ...(values.frames ? { frames: int(values.frames, "frames")! } : {}),
    ...(values.bodies ? { bodies: int(values.bodies, "bodies")! } : {}),
    ...(values["body-selection"]
      ? { bodySelection: values["body-selection"] as PreprocessOptions["bodySelection"] }
      : {}),
    ...(values.temporal ? { temporal: values.temporal as PreprocessOptions["temporal"] } : {}),
    ...(values.center ? { center: values.center as PreprocessOptions["center"] } : {}),
    ...(values.align ? { align: true } : {}),
  };
  if (values.dataset !== undefined && values.dataset !== "ntu60" && values.dataset !== "ntu120")
    throw new UsageError(`--dataset must be ntu60 or ntu120, got ${values.dataset}`);
  const result = ntuGendata({
    inputDir: values.input,
    outDir: values.out,
    ...(values.benchmark ? { benchmark: values.benchmark as NtuBenchmark } : {}),
    ...(values.split ? { split: values.split as "train" | "val" } : {}),
    ...(values.dataset ? { dataset: values.dataset as "ntu60" | "ntu120" } : {}),
    skipMissing: !values["keep-missing"],
    preprocess,
  });
  process.stderr.write(
    `ntu-gendata: wrote ${result.dataFile} (${result.shape.join(", ")}) and ${result.labelFile}; skipped ${result.skippedMissing.length} missing-skeleton samples\n`,
  );
  return 0;
}

class UsageError extends Error {}

try {
  process.exitCode = main(process.argv.slice(2));
} catch (error) {
  const bad =
    error instanceof SkeletonCacheError ||
    error instanceof UsageError ||
    (error as { code?: string }).code?.startsWith("ERR_PARSE_ARGS");
  process.stderr.write(`skc-ntu-gendata: ${(error as Error).message}\n`);
  process.exitCode = bad ? 2 : 1;
}
