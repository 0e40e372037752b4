#!/usr/bin/env node
/**
 * `skc`: the Skeleton-Cache command line. Exit codes: 0 success, 2 bad input
 * or configuration (the message names the key / file / value), 1 anything
 * else.
 */
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { Command, CommanderError, Option } from "@commander-js/extra-typings";
import { exitCodeOf, SkeletonCacheError, ValueError } from "@skeleton-cache/errors";
import { PRIOR_USAGE, runPriorCommand } from "@skeleton-cache/llm-prior";
import { LAYOUTS } from "@skeleton-cache/skeleton";
import { ZodError } from "zod";
import { registerBundleMergeCommand } from "./commands/bundle-merge.js";
import { registerExtractCommand } from "./commands/extract.js";
import { PROTOCOLS, resolveConfig } from "./config.js";
import { EXTRACT_DATASETS } from "./extract.js";
import { createProgress } from "./progress.js";
import { fmt, priorOrigin, SYNTHETIC_TAG } from "./report.js";
import { type EvalReport, runEval } from "./run.js";
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

/** The printed summary of a run (stdout). */
export function summaryText(report: EvalReport, outDir: string): string {
  const lines: string[] = [];
  const synthetic = report.synthetic ? ` [${SYNTHETIC_TAG} data — not a real backbone]` : "";
  lines.push(`Skeleton-Cache eval — protocol ${report.protocol.name}${synthetic}`);
  lines.push(`  ${report.protocol.description}`);
  if (report.protocol.selectsOnTestLabels)
    lines.push("  NOTE: hyper-parameters selected on TEST labels (oracle) — reproduction only");
  const b = report.bundle;
  lines.push(
    `bundle: ${b.source}${report.synthetic ? ` (${SYNTHETIC_TAG})` : ""}  N=${b.numSamples} U=${b.numClasses} C=${b.channels}`,
  );
  const meta = b.meta;
  if (!report.synthetic && typeof meta.dataset === "string") {
    const backbone = typeof meta.backbone === "string" ? `; backbone ${meta.backbone.split(" (")[0]}` : "";
    lines.push(
      `data: ${meta.dataset}${typeof meta.split === "string" ? ` split ${meta.split}` : ""}${backbone}`,
    );
  }
  lines.push(`prior: ${report.prior.kind} ${report.prior.source}${priorOrigin(report.prior.kind)}`);
  const p = report.params;
  lines.push(`α=${p.alpha} β=${p.beta} K=${p.K} hedge=${p.hedge} (${p.hedgeActive ? "on" : "off"})`);
  if (report.validation)
    lines.push(
      `validation: chose α=${report.validation.chosen.alpha} β=${report.validation.chosen.beta} on ${report.validation.bundle} (top-1 ${fmt(report.validation.validationTop1)} %)`,
    );
  const r = report.results;
  lines.push(
    `backbone top-1: ${fmt(r.backbone.top1.percent)} %   Skeleton-Cache top-1: ${fmt(r.cache.top1.percent)} %   (${r.gain >= 0 ? "+" : ""}${fmt(r.gain)})`,
  );
  if (report.reference) {
    lines.push(
      `reference: reported top-1 ${fmt(report.reference.reportedTop1)} % at α=${report.reference.best.alpha} β=${report.reference.best.beta} (selected on test labels; second pass ${report.reference.best.secondPassFired ? "fired" : "not fired"}); fixed α=${report.reference.fixed.alpha} β=${report.reference.fixed.beta}: ${fmt(report.reference.fixed.top1)} %`,
    );
  }
  if (report.orders) {
    const s = report.orders.summary;
    lines.push(
      `orders: R=${report.orders.R}  Skeleton-Cache top-1 mean ${fmt(s.mean)} ± ${fmt(s.sd)} %  (min ${fmt(s.min)}, max ${fmt(s.max)})`,
    );
  }
  if (report.gzsl) {
    const g = report.gzsl;
    lines.push(
      `GZSL: backbone S=${fmt(g.backbone.best.seen)} U=${fmt(g.backbone.best.unseen)} H=${fmt(g.backbone.best.harmonic)}  Skeleton-Cache S=${fmt(g.cache.best.seen)} U=${fmt(g.cache.best.unseen)} H=${fmt(g.cache.best.harmonic)}`,
    );
  }
  lines.push(`report: ${path.join(outDir, "report.md")}`);
  return `${lines.join("\n")}\n`;
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
      new Option("--dataset <name>", "with --model: ntu60, ntu120, utd-mhad or pku-mmd").choices(
        EXTRACT_DATASETS,
      ),
    )
    .addOption(
      new Option(
        "--layout <id>",
        "joint layout of the bundle's feature volume (default: the one its meta.json records, else ntu25)",
      ).choices(Object.keys(LAYOUTS)),
    )
    .option("--prior <prior>", "prior file, shipped id (ntu60_55_5, utd-mhad, ...) or uniform")
    .option("--split <id>", "split id: checks the bundle's classes; seen list for --gzsl")
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
        layout: options.layout,
        prior: options.prior,
        split: options.split,
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
      const { report, outDir } = await runEval(config, progress);
      if (!quiet) io.stdout.write(summaryText(report, outDir));
      setExit(0);
    });

  registerExtractCommand(program, io, setExit);
  registerBundleMergeCommand(program, io, setExit);

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
      return error instanceof ZodError ? 2 : exitCodeOf(error);
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
