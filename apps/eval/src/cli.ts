#!/usr/bin/env node
/**
 * `skc`: the Skeleton-Cache command line. Exit codes: 0 success, 2 bad input
 * or configuration (the message names the key / file / value), 1 anything
 * else.
 */
import fs from "node:fs";
import { fileURLToPath } from "node:url";
import { Command, CommanderError, Option } from "@commander-js/extra-typings";
import { SkeletonCacheError, ValueError } from "@skeleton-cache/errors";
import { PRIOR_USAGE, runPriorCommand } from "@skeleton-cache/llm-prior";
import { PROTOCOLS } from "@skeleton-cache/protocols";
import { ZodError } from "zod";
import { registerBundleCommand } from "./commands/bundle.js";
import { registerReportCommand } from "./commands/report.js";
import { compareText, runCompare } from "./compare.js";
import { resolveConfig } from "./config.js";
import { parseExtractOptions, runExtract } from "./extract.js";
import { collectParam, METHOD_HELP } from "./method-options.js";
import { createProgress } from "./progress.js";
import { runEval } from "./run.js";
import { summaryText } from "./summary.js";
import { cliVersion } from "./versions.js";

/** Where the CLI writes. */
export interface CliIo {
  readonly stdout: { write(text: string): unknown };
  readonly stderr: { write(text: string): unknown; isTTY?: boolean | undefined };
}

/** A numeric option's parser; a value that is not a number is refused naming the option and the value. */
function number(option: string) {
  return (value: string): number => {
    const n = value.trim() === "" ? Number.NaN : Number(value);
    if (!Number.isFinite(n)) {
      throw new ValueError(`option ${option}: ${JSON.stringify(value)} is not a number`, {
        field: option,
        value,
      });
    }
    return n;
  };
}

function idList(option: string) {
  return (value: string): number[] =>
    value.split(",").map((part, i) => {
      const n = Number(part.trim());
      if (!Number.isInteger(n) || n < 0) {
        throw new ValueError(`option ${option}: entry ${i} is ${JSON.stringify(part)}, not a class id`, {
          field: option,
          value: part,
        });
      }
      return n;
    });
}

function sweep(value: string): { from: number; to: number; steps: number } {
  const parts = value.split(":").map(Number);
  if (parts.length !== 3 || parts.some((p) => !Number.isFinite(p))) {
    throw new ValueError(`option --calibration-sweep: expected FROM:TO:STEPS, got ${JSON.stringify(value)}`, {
      field: "calibration-sweep",
      value,
    });
  }
  return { from: parts[0]!, to: parts[1]!, steps: parts[2]! };
}

/** Builds the commander program (exposed for tests). */
export function buildProgram(io: CliIo, setExit: (code: number) => void) {
  const program = new Command()
    .name("skc")
    .description(
      "Skeleton-Cache: training-free test-time adaptation for skeleton-based zero-shot action recognition",
    )
    .version(cliVersion())
    .option("--debug", "print stack traces")
    .exitOverride()
    .configureOutput({
      writeOut: (text) => io.stdout.write(text),
      writeErr: (text) => io.stderr.write(text),
    });

  program
    .command("eval")
    .description(
      "evaluate Skeleton-Cache on a pre-encoded bundle; with no bundle or config, on a shipped demo (--demo)",
    )
    .option("--config <file>", "YAML or JSON config (flags override it)")
    .option(
      "--bundle <path>",
      "bundle: a directory (features.npy | descriptors.npy, logits.npy, labels.npy[, class_ids.npy, meta.json]), .npz, .safetensors or the authors' .pt",
    )
    .addOption(
      new Option(
        "--demo <name>",
        "demo used without --bundle: utd-mhad (real skeletons, default) or synthetic",
      ).choices(["utd-mhad", "synthetic"] as const),
    )
    .option(
      "--model <file.onnx>",
      "instead of --bundle: encode --data with this ONNX backbone first (skc extract)",
    )
    .option(
      "--data <dir>",
      "with --model: folder of raw skeleton files (NTU .skeleton, UTD-MHAD .mat) (candidates from --split)",
    )
    .addOption(
      new Option("--dataset <name>", "with --model: ntu60, ntu120 or utd-mhad").choices([
        "ntu60",
        "ntu120",
        "utd-mhad",
      ] as const),
    )
    .option("--prior <prior>", "prior file, shipped id (ntu60_55_5, utd-mhad, ...) or uniform")
    .option("--split <id>", "split id: checks the bundle's classes; seen list for --gzsl")
    .option("--method <name>", METHOD_HELP.method)
    .option("--param <method.key=value>", METHOD_HELP.param, collectParam)
    .option("--alpha <α>", "fusion scale α (Eq. 12)", number("--alpha"))
    .option("--beta <β>", "affinity sharpness β (Eq. 6)", number("--beta"))
    .option("-K, --capacity <K>", "cache entries per class", number("--capacity"))
    .addOption(
      new Option("--hedge <mode>", "runner-up hedge (auto = on when U < K)").choices([
        "auto",
        "on",
        "off",
      ] as const),
    )
    .option(
      "--hedge-margin <m>",
      "top-1 minus top-2 margin below which the hedge fires",
      number("--hedge-margin"),
    )
    .addOption(new Option("--protocol <name>", "evaluation protocol").choices(PROTOCOLS))
    .option("--out <dir>", "run directory (default runs/<protocol>-<bundle>-a<α>-b<β>-k<K>)")
    .option("--seed <n>", "seed of the stream permutations", number("--seed"))
    .option("--orders <R>", "permutations of the orders protocol", number("--orders"))
    .option("--validation-bundle <path>", "bundle of the split's validation classes (protocol validation)")
    .option(
      "--validation-prior <prior>",
      "prior for the validation classes (default: the dataset prior when --prior is one, else uniform)",
    )
    .option("--uniform-gamma <γ>", "γ of the uniform prior", number("--uniform-gamma"))
    .option("--gzsl", "also report generalized zero-shot S, U, H (candidates = seen + unseen)")
    .option(
      "--gzsl-seen <ids>",
      "seen dataset class ids, comma-separated (default: the split's seen list)",
      idList("--gzsl-seen"),
    )
    .option("--calibration <c>", "calibrated stacking constant (default: a sweep)", number("--calibration"))
    .option("--calibration-sweep <from:to:steps>", "calibration sweep (default 0:2:21)", sweep)
    .addOption(
      new Option("--gzsl-average <how>", "S and U over samples or classes").choices([
        "sample",
        "class",
      ] as const),
    )
    .option("--no-ablations", "skip the descriptor / prior ablations")
    .option("--no-plots", "skip the SVG / PNG plots")
    .option("--quiet", "no progress bar, no summary")
    .action(async (options) => {
      const gzslGiven =
        options.gzsl ||
        options.gzslSeen !== undefined ||
        options.calibration !== undefined ||
        options.calibrationSweep !== undefined ||
        options.gzslAverage !== undefined;
      const flags: Record<string, unknown> = {
        bundle: options.bundle,
        extract:
          options.model !== undefined || options.data !== undefined || options.dataset !== undefined
            ? Object.fromEntries(
                Object.entries({ model: options.model, data: options.data, dataset: options.dataset }).filter(
                  ([, v]) => v !== undefined,
                ),
              )
            : undefined,
        demo: options.demo,
        prior: options.prior,
        split: options.split,
        method: options.method,
        params: options.param,
        alpha: options.alpha,
        beta: options.beta,
        K: options.capacity,
        hedge: options.hedge,
        hedgeMargin: options.hedgeMargin,
        protocol: options.protocol,
        out: options.out,
        seed: options.seed,
        orders: options.orders,
        validationBundle: options.validationBundle,
        validationPrior: options.validationPrior,
        uniformGamma: options.uniformGamma,
        // commander sets negatable flags to true by default: pass them only when negated.
        ablations: options.ablations === false ? false : undefined,
        plots: options.plots === false ? false : undefined,
        quiet: options.quiet ? true : undefined,
        gzsl: gzslGiven
          ? Object.fromEntries(
              Object.entries({
                seen: options.gzslSeen,
                calibration: options.calibration,
                sweep: options.calibrationSweep,
                average: options.gzslAverage,
              }).filter(([, v]) => v !== undefined),
            )
          : undefined,
      };
      const config = resolveConfig(options.config, flags);
      const quiet = config.quiet;
      const progress = createProgress(quiet || process.env.CI === "true" || process.env.CI === "1");
      if (config.method === "all") {
        const { result } = await runCompare(config, progress);
        if (!quiet) io.stdout.write(compareText(result));
      } else {
        const { report, outDir } = await runEval(config, progress);
        if (!quiet) io.stdout.write(summaryText(report, outDir));
      }
      setExit(0);
    });

  program
    .command("extract")
    .description(
      "run an ONNX backbone over a dataset split (raw NTU .skeleton or UTD-MHAD .mat files) and write a bundle",
    )
    .requiredOption("--model <file>", "the .onnx model (adapter config <stem>.backbone.json beside it)")
    .option("--model-config <file>", "the adapter config, when not beside the model")
    .requiredOption("--data <dir>", "folder of raw skeleton files (NTU RGB+D .skeleton, UTD-MHAD .mat)")
    .addOption(
      new Option(
        "--dataset <id>",
        "dataset of the files: ntu60 or ntu120 (.skeleton), utd-mhad (.mat)",
      ).choices(["ntu60", "ntu120", "utd-mhad"] as const),
    )
    .option("--split <id>", "split whose candidates to keep (e.g. ntu60_55_5)")
    .addOption(
      new Option("--candidates <mode>", "zsl = unseen classes, gzsl = seen + unseen").choices([
        "zsl",
        "gzsl",
      ] as const),
    )
    .option(
      "--classes <ids>",
      "explicit candidate class ids, comma-separated (instead of --split)",
      idList("--classes"),
    )
    .option("--frames <T>", "frames fed to the model (default: the model config's)", number("--frames"))
    .addOption(
      new Option("--temporal <mode>", "padding / resampling to T frames").choices([
        "zero-pad",
        "repeat-pad",
        "resample",
      ] as const),
    )
    .addOption(
      new Option("--center <mode>", "centring of the joints").choices([
        "none",
        "first-frame",
        "per-frame",
      ] as const),
    )
    .option("--batch-size <n>", "samples per model run", number("--batch-size"))
    .option("--descriptors-only", "store the (N, 8, C) descriptors instead of F (N, C, T, V)")
    .option("--limit <n>", "at most n samples", number("--limit"))
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
      const result = await runExtract(
        parsed,
        createProgress(quiet || process.env.CI === "true" || process.env.CI === "1"),
      );
      if (!quiet) {
        io.stdout.write(
          `wrote ${result.out}: ${result.numSamples} samples, ${result.numClasses} candidate classes (${result.classIds.join(", ")}), ${result.stored} (${result.shape.join(", ")})\n`,
        );
      }
      setExit(0);
    });

  program
    .command("prior")
    .description("class priors: generate (OpenAI-compatible endpoint), validate, show, diff, uniform")
    .helpOption(false)
    .allowUnknownOption()
    .allowExcessArguments()
    .argument("[args...]")
    .action(async (args: string[]) => {
      if (args.length === 0) {
        io.stdout.write(PRIOR_USAGE.replace(/skc-prior/g, "skc prior"));
        setExit(0);
        return;
      }
      const controller = new AbortController();
      const onSigint = () => controller.abort();
      process.once("SIGINT", onSigint);
      try {
        setExit(
          await runPriorCommand(args, { stdout: io.stdout, stderr: io.stderr, signal: controller.signal }),
        );
      } finally {
        process.removeListener("SIGINT", onSigint);
      }
    });

  registerBundleCommand(program, io, setExit);
  registerReportCommand(program, io, setExit);
  return program;
}

/** Runs the CLI; resolves to the exit code (never calls process.exit). */
export async function main(
  argv: readonly string[],
  io: CliIo = { stdout: process.stdout, stderr: process.stderr },
): Promise<number> {
  let code = 0;
  const debug = argv.includes("--debug");
  const program = buildProgram(io, (c) => {
    code = c;
  });
  try {
    await program.parseAsync(["node", "skc", ...argv.filter((a) => a !== "--debug")]);
    return code;
  } catch (error) {
    if (error instanceof CommanderError) {
      // help / version exit 0; usage errors (unknown option, bad choice, missing argument) are bad input.
      if (
        error.exitCode === 0 ||
        error.code === "commander.helpDisplayed" ||
        error.code === "commander.version"
      )
        return 0;
      return 2;
    }
    if (error instanceof SkeletonCacheError || error instanceof ZodError) {
      const message =
        error instanceof ZodError
          ? error.issues.map((i) => `${i.path.join(".")}: ${i.message}`).join("; ")
          : error.message;
      io.stderr.write(`skc: error: ${message}\n`);
      if (debug && error.stack) io.stderr.write(`${error.stack}\n`);
      return 2;
    }
    const err = error as Error;
    io.stderr.write(`skc: error: ${err?.message ?? String(error)}\n`);
    if (debug && err?.stack) io.stderr.write(`${err.stack}\n`);
    else io.stderr.write("(run again with --debug for the stack trace)\n");
    return 1;
  }
}

function isEntryPoint(): boolean {
  const entry = process.argv[1];
  if (!entry) return false;
  try {
    return fs.realpathSync(entry) === fs.realpathSync(fileURLToPath(import.meta.url));
  } catch {
    return false;
  }
}

const invokedDirectly = isEntryPoint();
if (invokedDirectly) {
  main(process.argv.slice(2)).then(
    (code) => {
      process.exitCode = code;
    },
    (error) => {
      process.stderr.write(`skc: error: ${(error as Error).message}\n`);
      process.exitCode = 1;
    },
  );
}
