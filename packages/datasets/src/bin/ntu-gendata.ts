#!/usr/bin/env node
/**
 * `skc-ntu-gendata`: a folder of NTU RGB+D .skeleton files → data.npy
 * (N, 3, T, 25, M) float32 and an ST-GCN label .pkl (ntuGendata). Declares the
 * flags; what they mean is `ntuGendataOptionsFromFlags`.
 */
import {
  commonFlags,
  createProgram,
  example,
  Option,
  packageVersion,
  parseInteger,
  printResult,
  processIo,
  runMain,
} from "@skeleton-cache/cli";
import { ntuGendata } from "../gendata.js";
import { ntuGendataOptionsFromFlags, ntuGendataSummary } from "../gendata-flags.js";
import { BODY_SELECTIONS, CENTER_MODES, PREPROCESS_DEFAULTS, TEMPORAL_MODES } from "../preprocessing.js";

const version = packageVersion(new URL("../../package.json", import.meta.url));

const program = createProgram({
  name: "skc-ntu-gendata",
  description:
    "turn a folder of NTU RGB+D .skeleton files into data.npy (N, 3, T, 25, M) float32 and an ST-GCN label .pkl, skipping the official missing-skeleton samples",
  version,
})
  .requiredOption("--input <dir>", "folder of .skeleton files")
  .requiredOption("--out <dir>", "output folder")
  .addOption(
    new Option("--benchmark <name>", "benchmark").choices(["xsub", "xview", "xsub120", "xset120"] as const),
  )
  .addOption(
    new Option(
      "--split <part>",
      "keep this part of --benchmark; outputs PART_data.npy / PART_label.pkl",
    ).choices(["train", "val"] as const),
  )
  .addOption(
    new Option(
      "--dataset <name>",
      "ntu60 keeps A001-A060 only (default: ntu60 for xsub / xview, else ntu120)",
    ).choices(["ntu60", "ntu120"] as const),
  )
  .option("--keep-missing", "do not skip the official missing-skeleton samples")
  .option("--frames <T>", "output frames", parseInteger({ min: 1 }), PREPROCESS_DEFAULTS.frames)
  .option("--bodies <M>", "output bodies", parseInteger({ min: 1 }), PREPROCESS_DEFAULTS.bodies)
  .addOption(
    new Option("--body-selection <how>", "which bodies fill the M slots")
      .choices(BODY_SELECTIONS)
      .default(PREPROCESS_DEFAULTS.bodySelection),
  )
  .addOption(
    new Option("--temporal <mode>", "padding / resampling to T frames")
      .choices(TEMPORAL_MODES)
      .default(PREPROCESS_DEFAULTS.temporal),
  )
  .addOption(
    new Option("--center <mode>", "centring of the joints")
      .choices(CENTER_MODES)
      .default(PREPROCESS_DEFAULTS.center),
  )
  .option("--align", "rotate the hips onto x and the spine onto z")
  .action((flags, command) => {
    const common = commonFlags(command);
    const options = ntuGendataOptionsFromFlags(flags);
    const result = ntuGendata(common.quiet ? { ...options, onProgress: () => {} } : options);
    const text = `${ntuGendataSummary(result)}\n`;
    printResult(processIo, common, { text, json: result }, { to: "stderr" });
  });
example(
  program,
  "skc-ntu-gendata --input nturgb+d_skeletons --out data/ntu60 --benchmark xsub --split train",
);
await runMain(program);
