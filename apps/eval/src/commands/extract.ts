/** `skc extract`: its options (runExtract loads onnxruntime only when it runs). */
import {
  type CliIo,
  type Command,
  example,
  helpDefault,
  Option,
  parseClassIds,
  parseInteger,
} from "@skeleton-cache/cli";
import { ExtractOptionsSchema, parseExtractOptions, runExtract } from "../extract.js";
import { createProgress, progressEnabled } from "../progress.js";

const DEFAULTS = ExtractOptionsSchema.parse({ model: "m", data: "d", out: "o" });

/** Adds `skc extract` to the program. */
export function registerExtract(program: Command, io: CliIo): void {
  const command = program
    .command("extract")
    .description(
      "run an ONNX backbone over a dataset split (raw NTU .skeleton or UTD-MHAD .mat files) and write a bundle",
    )
    .requiredOption("--model <file>", "the .onnx model (adapter config <stem>.backbone.json beside it)")
    .option("--model-config <file>", "the adapter config, when not beside the model")
    .requiredOption("--data <dir>", "folder of raw skeleton files (NTU RGB+D .skeleton, UTD-MHAD .mat)")
    .addOption(
      new Option("--dataset <id>", "dataset of the files: ntu60 or ntu120 (.skeleton), utd-mhad (.mat)")
        .choices(["ntu60", "ntu120", "utd-mhad"] as const)
        .default(DEFAULTS.dataset),
    )
    .option("--split <id>", "split whose candidates to keep (e.g. ntu60_55_5)")
    .addOption(
      new Option("--candidates <mode>", "zsl = the split's unseen classes, gzsl = seen + unseen")
        .choices(["zsl", "gzsl"] as const)
        .default(DEFAULTS.candidates),
    )
    .addOption(
      new Option(
        "--classes <ids>",
        "candidate classes instead of --split: 0-based class ids (NTU A011 = 10) or action codes, comma-separated, e.g. 10,11 or A011,A012",
      ).argParser(parseClassIds({ actionCodes: true })),
    )
    .addOption(
      helpDefault(
        new Option("--frames <T>", "frames fed to the model").argParser(parseInteger({ min: 1 })),
        "the model config's, else 300",
      ),
    )
    .addOption(
      new Option("--temporal <mode>", "padding / resampling to T frames")
        .choices(["zero-pad", "repeat-pad", "resample"] as const)
        .default(DEFAULTS.temporal),
    )
    .addOption(
      new Option("--center <mode>", "centring of the joints")
        .choices(["none", "first-frame", "per-frame"] as const)
        .default(DEFAULTS.center),
    )
    .option("--batch-size <n>", "samples per model run", parseInteger({ min: 1 }), DEFAULTS.batchSize)
    .option("--descriptors-only", "store the (N, 8, C) descriptors instead of F (N, C, T, V)")
    .option("--limit <n>", "at most n samples", parseInteger({ min: 1 }))
    .requiredOption("--out <path>", "bundle directory, or a .npz / .safetensors file")
    .option("--quiet", "no progress bar, no summary")
    .action(async (options) => {
      const parsed = parseExtractOptions(
        Object.fromEntries(
          Object.entries({
            model: options.model,
            modelConfig: options.modelConfig,
            data: options.data,
            dataset: options.dataset,
            split: options.split,
            candidates: options.candidates,
            classes: options.classes,
            frames: options.frames,
            temporal: options.temporal,
            center: options.center,
            batchSize: options.batchSize,
            descriptorsOnly: options.descriptorsOnly,
            limit: options.limit,
            out: options.out,
          }).filter(([, v]) => v !== undefined),
        ),
      );
      const quiet = options.quiet === true;
      const progress = createProgress(!progressEnabled(quiet));
      let result: Awaited<ReturnType<typeof runExtract>>;
      try {
        result = await runExtract(parsed, progress);
      } finally {
        progress.stop();
      }
      if (!quiet) {
        io.stdout.write(
          `wrote ${result.out}: ${result.numSamples} samples, ${result.numClasses} candidate classes (${result.classIds.join(", ")}), ${result.stored} (${result.shape.join(", ")})\n`,
        );
      }
    });
  example(
    command,
    "skc extract --model models/stgcn.onnx --data nturgb+d_skeletons --dataset ntu60 --split ntu60_55_5 --descriptors-only --out runs/ntu60_55_5",
  );
}
