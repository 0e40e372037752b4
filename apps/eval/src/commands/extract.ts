/** `skc extract`: the command's flags, parsed into ExtractOptions (the work is in ../extract.ts). */
import os from "node:os";
import { type Command, Option } from "@commander-js/extra-typings";
import { listBackbones } from "@skeleton-cache/backbone";
import { parseShardSpec } from "@skeleton-cache/bundle";
import { BODY_SELECTIONS, CENTER_MODES, TEMPORAL_MODES } from "@skeleton-cache/datasets";
import { InterruptedError, ValueError } from "@skeleton-cache/errors";
import { EXTRACT_DATASETS, PARALLEL_MODES, parseExtractOptions, runExtract } from "../extract.js";
import { createProgress } from "../progress.js";

/** Where a command writes, and how it reports its exit code. */
export interface CommandIo {
  readonly stdout: { write(text: string): unknown };
  readonly stderr: { write(text: string): unknown };
}

function number(option: string) {
  return (value: string): number => {
    const n = value.trim() === "" ? Number.NaN : Number(value);
    if (!Number.isFinite(n))
      throw new ValueError(`option ${option}: ${JSON.stringify(value)} is not a number`, {
        field: option,
        value,
      });
    return n;
  };
}

/**
 * `--classes`: "all" (every class the model scores), or comma-separated
 * 0-based class ids (`9,10,18`) or dataset action codes (`A010,A011`: A011 is
 * id 10).
 */
export function classList(value: string): number[] | "all" {
  if (value.trim().toLowerCase() === "all") return "all";
  return value.split(",").map((part, i) => {
    const text = part.trim();
    const code = /^A(\d{1,3})$/i.exec(text);
    const id = code ? Number(code[1]) - 1 : /^\d+$/.test(text) ? Number(text) : Number.NaN;
    if (!Number.isInteger(id) || id < 0)
      throw new ValueError(
        `option --classes: entry ${i} is ${JSON.stringify(part)}; use 0-based ids (9,10), action codes (A010,A011) or all`,
        { field: "--classes", value: part },
      );
    return id;
  });
}

/** Registers `skc extract` on the program. */
export function registerExtractCommand(
  program: Command,
  io: CommandIo,
  setExit: (code: number) => void,
): void {
  program
    .command("extract")
    .description(
      "run a backbone (through the adapter registry) over a dataset's raw files and write a bundle; resumable, on every core, shardable",
    )
    .option(
      "--backbone <name>",
      `adapter: ${listBackbones().join(", ")}, or auto (the first that takes the config) (default: onnx)`,
    )
    .option(
      "--backbone-module <module>",
      "import this file or package first: it registers your own adapter (see docs/write-your-own-adapter.md)",
    )
    .option("--backbone-config <file>", 'the adapter\'s config, JSON or YAML (e.g. { "url": ... } for http)')
    .option("--model <file.onnx>", "onnx: the model (its adapter config <stem>.backbone.json beside it)")
    .option("--model-config <file>", "onnx: the adapter config, when not beside the model")
    .requiredOption(
      "--data <dir>",
      "folder of raw skeleton files (NTU .skeleton, UTD-MHAD .mat, PKU-MMD skeletons + labels/)",
    )
    .addOption(
      new Option("--dataset <id>", "dataset of the files (default: ntu60)").choices(EXTRACT_DATASETS),
    )
    .option("--split <id>", "split whose candidates to keep (e.g. ntu60_55_5)")
    .addOption(
      new Option(
        "--candidates <mode>",
        "zsl = the split's unseen classes, gzsl = seen + unseen (default: zsl)",
      ).choices(["zsl", "gzsl"] as const),
    )
    .option(
      "--classes <ids>",
      "instead of --split: 0-based ids (9,10), action codes (A010,A011), or all (every class of the model)",
      classList,
    )
    .option(
      "--frames <T>",
      "frames T fed to the model (default: the model config's, else 300)",
      number("--frames"),
    )
    .option(
      "--bodies <M>",
      "bodies M fed to the model (default: the model config's, else 2)",
      number("--bodies"),
    )
    .addOption(
      new Option(
        "--body-selection <how>",
        "which bodies: file order, or most active first (2s-AGCN motion energy) (default: model config, else file-order)",
      ).choices(BODY_SELECTIONS),
    )
    .addOption(
      new Option(
        "--temporal <mode>",
        "padding / resampling to T frames (default: model config, else zero-pad)",
      ).choices(TEMPORAL_MODES),
    )
    .addOption(
      new Option("--center <mode>", "centring on the spine joint (default: model config, else none)").choices(
        CENTER_MODES,
      ),
    )
    .option(
      "--align",
      "rotate the first frame's spine to +z and hips to +x (default: model config, else off)",
    )
    .option("--keep-missing", "NTU: keep the official missing-skeleton samples")
    .addOption(
      new Option("--pku-benchmark <name>", "PKU-MMD: keep one benchmark's videos").choices([
        "cross-subject",
        "cross-view",
      ] as const),
    )
    .addOption(
      new Option("--pku-part <part>", "PKU-MMD: with --pku-benchmark, train or test videos").choices([
        "train",
        "test",
      ] as const),
    )
    .option(
      "--min-confidence <c>",
      "PKU-MMD: drop instances labelled with confidence below c (0-2)",
      number("--min-confidence"),
    )
    .option("--batch-size <n>", "samples per model run (default: 16)", number("--batch-size"))
    .option("--descriptors-only", "store the (N, 8, C) descriptors instead of F (N, C, T, V)")
    .option("--limit <n>", "at most n samples (file order)", number("--limit"))
    .requiredOption("--out <path>", "bundle directory (resumable), or a .npz / .safetensors file")
    .option(
      "--chunk-size <n>",
      "samples per chunk: the unit of resume and of a worker's work (default: 32)",
      number("--chunk-size"),
    )
    .option(
      "--workers <n>",
      `worker threads; 0 = all on the main thread (default: one per core, ${os.availableParallelism()} here; with --parallel preprocess one less)`,
      number("--workers"),
    )
    .addOption(
      new Option(
        "--parallel <mode>",
        "sessions: each worker runs its own 1-thread model; preprocess: workers parse, one session runs (default: sessions)",
      ).choices(PARALLEL_MODES),
    )
    .option("--shard <i/n>", "write part i (0-based) of n; join the parts with skc bundle merge", (v) =>
      parseShardSpec(v),
    )
    .option("--quiet", "no progress bar, no summary")
    .addHelpText(
      "after",
      "\nExample:\n  skc extract --model benchmarks/utd-mhad/models/utd_mhad_22_5/seed0/model.onnx --data ../shared/data/real/utd-mhad \\\n    --dataset utd-mhad --split utd_mhad_22_5 --out runs/utd-22-5\n\nRerun the same command to resume after a crash or Ctrl-C; --shard i/n + skc bundle merge for clusters.\n",
    )
    .action(async (options) => {
      const { quiet, ...flags } = options;
      const parsed = parseExtractOptions(
        Object.fromEntries(Object.entries(flags).filter(([, v]) => v !== undefined)),
      );
      const controller = new AbortController();
      const onSigint = () => controller.abort(new InterruptedError("interrupted"));
      process.once("SIGINT", onSigint);
      try {
        const progress = createProgress(
          quiet === true || process.env.CI === "true" || process.env.CI === "1",
        );
        const result = await runExtract(parsed, progress, { signal: controller.signal });
        if (!quiet) {
          const how =
            result.state === "finished"
              ? "already complete, nothing to do"
              : result.keptChunks > 0
                ? `resumed: ${result.keptChunks} of ${result.chunks} chunks were kept`
                : `${result.chunks} chunks`;
          io.stdout.write(
            `wrote ${result.out}: ${result.numSamples} samples, ${result.numClasses} candidate classes (${result.classIds.join(", ")}), ${result.stored} (${result.shape.join(", ")}); ${how}\n`,
          );
        }
        setExit(0);
      } finally {
        process.removeListener("SIGINT", onSigint);
      }
    });
}
