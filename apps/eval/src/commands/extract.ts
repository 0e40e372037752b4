/**
 * `skc extract`: flags → ExtractOptions → `extractBundle` of
 * @skeleton-cache/extract (loaded — with onnxruntime — only when the command
 * runs) → the summary line.
 */
import os from "node:os";
import {
  type CliIo,
  type Command,
  commonFlags,
  currentInterrupt,
  example,
  helpDefault,
  Option,
  parseClassIds,
  parseInteger,
  printResult,
} from "@skeleton-cache/cli";
import { BODY_SELECTIONS, CENTER_MODES, TEMPORAL_MODES } from "@skeleton-cache/datasets";
import type { ExtractResult } from "@skeleton-cache/extract";
import {
  EXTRACT_DATASETS,
  PARALLEL_MODES,
  parseExtractOptions,
  resolveShard,
} from "@skeleton-cache/extract/options";
import { createProgress, progressEnabled } from "../progress.js";

/** `--classes`: "all" (every class the model scores), or 0-based ids / action codes (`9,10` or `A010,A011`). */
export function classList(value: string): number[] | "all" {
  if (value.trim().toLowerCase() === "all") return "all";
  return parseClassIds({ actionCodes: true })(value);
}

/** Which backbone, and where its model or config is. */
function backboneOptions<C extends Command>(command: C): C {
  command
    .addOption(
      helpDefault(
        new Option(
          "--backbone <name>",
          "adapter of the registry: onnx, http, precomputed, one your --backbone-module registers, or auto (the first whose config schema takes the config)",
        ),
        "onnx",
      ),
    )
    .option(
      "--backbone-module <module>",
      "import this file or package first: it registers your own adapter (docs/write-your-own-adapter.md)",
    )
    .option("--backbone-config <file>", 'the adapter\'s config, JSON or YAML (e.g. { "url": ... } for http)')
    .option("--model <file.onnx>", "onnx: the model (its adapter config <stem>.backbone.json beside it)")
    .option("--model-config <file>", "onnx: the adapter config, when not beside the model");
  return command;
}

/** The raw files and which of their samples to keep. */
function dataOptions<C extends Command>(command: C): C {
  command
    .requiredOption(
      "--data <dir>",
      "folder of raw skeleton files (NTU .skeleton, UTD-MHAD .mat, PKU-MMD skeletons + labels/)",
    )
    .addOption(
      helpDefault(
        new Option(
          "--dataset <id>",
          `dataset of the files: a registered reader (${EXTRACT_DATASETS.join(", ")}, or one your --dataset-module registers)`,
        ),
        "ntu60",
      ),
    )
    .option(
      "--dataset-module <module>",
      "import this file or package first: it registers your own dataset reader (docs/write-your-own-adapter.md)",
    )
    .option("--split <id>", "split whose candidates to keep (e.g. ntu60_55_5)")
    .addOption(
      helpDefault(
        new Option("--candidates <mode>", "zsl = the split's unseen classes, gzsl = seen + unseen").choices([
          "zsl",
          "gzsl",
        ] as const),
        "zsl",
      ),
    )
    .addOption(
      new Option(
        "--classes <ids>",
        "instead of --split: 0-based class ids (9,10), action codes (A010,A011), or all (every class of the model)",
      ).argParser(classList),
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
    .addOption(
      new Option(
        "--min-confidence <c>",
        "PKU-MMD: drop instances labelled with confidence below c (0-2)",
      ).argParser(parseInteger()),
    )
    .addOption(
      new Option(
        "--sample-order <how>",
        "the bundle's (stream) order: shuffled = the names sorted, then a seeded permutation (the same whatever the files' order); listed = as the reader lists them (UTD-MHAD: by class)",
      )
        .choices(["shuffled", "listed"] as const)
        .default("shuffled"),
    )
    .option("--shuffle-seed <n>", "seed of the shuffled order", parseInteger({ min: 0 }), 0)
    .addOption(
      new Option("--limit <n>", "at most n samples: the first of the sample order").argParser(
        parseInteger({ min: 1 }),
      ),
    );
  return command;
}

/** Preprocessing to the model's input (unset: the model's adapter config, then the datasets defaults). */
function preprocessingOptions<C extends Command>(command: C): C {
  command
    .addOption(
      helpDefault(
        new Option("--frames <T>", "frames T fed to the model").argParser(parseInteger({ min: 1 })),
        "the model config's, else 300",
      ),
    )
    .addOption(
      helpDefault(
        new Option("--bodies <M>", "bodies M fed to the model").argParser(parseInteger({ min: 1 })),
        "the model config's, else 2",
      ),
    )
    .addOption(
      helpDefault(
        new Option(
          "--body-selection <how>",
          "which bodies: file order, or most active first (2s-AGCN motion energy)",
        ).choices(BODY_SELECTIONS),
        "the model config's, else file-order",
      ),
    )
    .addOption(
      helpDefault(
        new Option("--temporal <mode>", "padding / resampling to T frames").choices(TEMPORAL_MODES),
        "the model config's, else zero-pad",
      ),
    )
    .addOption(
      helpDefault(
        new Option("--center <mode>", "centring on the spine joint").choices(CENTER_MODES),
        "the model config's, else none",
      ),
    )
    .option("--align", "rotate the first frame's spine to +z and hips to +x (default: the model config's)");
  return command;
}

/** Output, chunks, cores and shards. */
function runOptions<C extends Command>(command: C): C {
  command
    .requiredOption("--out <path>", "bundle directory (resumable), or a .npz / .safetensors file")
    .option("--descriptors-only", "store the (N, 8, C) descriptors instead of F (N, C, T, V)")
    .option("--batch-size <n>", "samples per model run", parseInteger({ min: 1 }), 16)
    .option(
      "--chunk-size <n>",
      "samples per chunk: the unit of resume and of a worker's work",
      parseInteger({ min: 1 }),
      32,
    )
    .addOption(
      helpDefault(
        new Option("--workers <n>", "worker threads; 0 = all on the main thread").argParser(parseInteger()),
        `one per core (${os.availableParallelism()} here; with --parallel preprocess one less)`,
      ),
    )
    .addOption(
      new Option(
        "--parallel <mode>",
        "sessions: each worker runs its own 1-thread model; preprocess: workers parse, one session runs",
      )
        .choices(PARALLEL_MODES)
        .default("sessions"),
    )
    .addOption(
      new Option(
        "--shard <i/n|env[/N]>",
        "write part i (0-based) of n; env: the index from the scheduler (SLURM_ARRAY_TASK_ID, or a Kubernetes Indexed Job's JOB_COMPLETION_INDEX), n from a Slurm array 0…n−1 or /N; join the parts with skc bundle merge",
      ),
    );
  return command;
}

/** The summary line of a finished (or resumed) extraction. */
function resultLine(result: ExtractResult): string {
  const how =
    result.state === "finished"
      ? "already complete, nothing to do"
      : result.keptChunks > 0
        ? `resumed: ${result.keptChunks} of ${result.chunks} chunks were kept`
        : `${result.chunks} chunks`;
  const lock = result.lockTakenOver;
  const took = lock
    ? `; took over the write lock of pid ${lock.pid} on ${lock.host}${lock.job ? ` (job ${lock.job})` : ""}, which is gone`
    : "";
  return `wrote ${result.out}: ${result.numSamples} samples, ${result.numClasses} candidate classes (${result.classIds.join(", ")}), ${result.kind} (${result.shape.join(", ")}); ${how}${took}\n`;
}

/** Adds `skc extract` to the program. */
export function registerExtract(program: Command, io: CliIo): void {
  const command = program
    .command("extract")
    .description(
      "run a backbone (through the adapter registry) over a dataset's raw files and write a bundle; resumable, on every core, shardable",
    );
  backboneOptions(command);
  dataOptions(command);
  preprocessingOptions(command);
  runOptions(command);
  command.action(async (options, cmd) => {
    const { quiet, json, shard, ...flags } = options as Record<string, unknown> & {
      quiet?: boolean;
      shard?: string;
    };
    // Resolved here, not by the flag parser: its errors name the variable at fault (exit 2).
    const part = shard === undefined ? undefined : resolveShard(shard, process.env);
    const parsed = parseExtractOptions({
      ...Object.fromEntries(Object.entries(flags).filter(([, value]) => value !== undefined)),
      ...(part ? { shard: { index: part.index, count: part.count } } : {}),
    });
    // A batch task's log says which part it writes and why.
    if (part && !quiet) io.stderr.write(`skc extract: part ${part.index}/${part.count} (${part.source})\n`);
    const { runExtraction } = await import("../extraction.js");
    const progress = createProgress(!progressEnabled(quiet === true));
    try {
      const result = await runExtraction(parsed, progress, currentInterrupt().signal);
      progress.stop();
      printResult(io, commonFlags(cmd), { text: resultLine(result), json: result });
    } finally {
      progress.stop();
    }
  });
  example(
    command,
    "skc extract --model benchmarks/utd-mhad/models/utd_mhad_22_5/seed0/model.onnx --data ../shared/data/real/utd-mhad --dataset utd-mhad --split utd_mhad_22_5 --out runs/utd-22-5",
  );
}
