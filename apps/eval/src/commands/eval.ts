/**
 * `skc eval`: its options, and the glue from flags to the config (flags a
 * user typed override the config file; --help shows the config defaults).
 * The evaluation itself (run.ts and what it loads) is imported when the
 * command runs, not when the program starts.
 */
import path from "node:path";
import {
  type CliIo,
  type Command,
  commonFlags,
  example,
  flagName,
  helpDefault,
  InvalidArgumentError,
  Option,
  parseClassIds,
  parseInteger,
  parseNumber,
  printResult,
} from "@skeleton-cache/cli";
import { GzslSchema } from "@skeleton-cache/evaluate/setup";
import { EXTRACT_DATASETS } from "@skeleton-cache/extract/options";
import { protocolNames } from "@skeleton-cache/protocols";
import { DEFAULT_METHOD, getMethodSpec } from "@skeleton-cache/tta";
import { DEMO_IDS, type EvalConfig, EvalConfigSchema, resolveConfig } from "../config.js";
import { collectParam, METHOD_HELP } from "../method-options.js";
import { createProgress, progressEnabled } from "../progress.js";
import { layoutOption } from "./bundle.js";

const DEFAULTS = EvalConfigSchema.parse({});
const GZSL_DEFAULTS = GzslSchema.parse({});
/** The default method's hyper-parameter defaults, shown in --help for the shorthand flags. */
const METHOD_DEFAULTS = getMethodSpec(DEFAULT_METHOD).params;
const methodDefault = (key: string) =>
  `the method's; ${DEFAULT_METHOD}: ${String(METHOD_DEFAULTS[key]?.default ?? "—")}`;

/** FROM:TO:STEPS of --calibration-sweep. */
function parseSweep(value: string): { from: number; to: number; steps: number } {
  const parts = value.split(":").map((part) => (part.trim() === "" ? Number.NaN : Number(part)));
  if (parts.length !== 3 || parts.some((part) => !Number.isFinite(part)))
    throw new InvalidArgumentError("is not FROM:TO:STEPS (e.g. 0:2:21)");
  return { from: parts[0]!, to: parts[1]!, steps: parts[2]! };
}

/** Keeps the entries whose value is defined (a config object of the flags given). */
function defined(entries: Record<string, unknown>): Record<string, unknown> | undefined {
  const kept = Object.entries(entries).filter(([, value]) => value !== undefined);
  return kept.length > 0 ? Object.fromEntries(kept) : undefined;
}

/** Adds `skc eval` to the program. */
export function registerEval(program: Command, io: CliIo): void {
  const command = evalCommand(program).action(async (options, cmd) => {
    // A user's method registers before the config names it (the config checks method names).
    if (options.methodModule !== undefined) {
      const { importPlugin } = await import("@skeleton-cache/registry");
      await importPlugin(options.methodModule, { flag: "--method-module", kind: "method" });
    }
    const config = resolveConfig(options.config, typedFlags(options, cmd), flagNamesOf(cmd));
    await runEvalConfig(config, io, commonFlags(cmd).json);
  });
  example(
    command,
    "skc eval --bundle runs/bundle-ntu60_55_5 --prior ntu60_55_5 --method skeleton-cache-mean --param skeleton-cache-mean.beta=7 --protocol orders --orders 10",
  );
}

/** `eval` with its options, in --help order. */
function evalCommand(program: Command) {
  const command = program
    .command("eval")
    .description(
      "evaluate a test-time method (Skeleton-Cache by default) on a pre-encoded bundle; with no bundle or config, on a shipped demo (--demo)",
    );
  return outputOptions(gzslOptions(protocolOptions(methodOptions(inputOptions(command)))));
}

type OptionValues = Record<string, unknown>;
type EvalFlags = ReturnType<ReturnType<typeof evalCommand>["opts"]>;

/** What is evaluated: a config file, a bundle, a demo, or raw skeletons through a model; the prior and the split. */
function inputOptions<A extends unknown[], O extends OptionValues, G extends OptionValues>(
  command: Command<A, O, G>,
) {
  return command
    .option("--config <file>", "YAML or JSON config (flags given override it)")
    .option(
      "--bundle <path>",
      "bundle: a directory (features.npy | descriptors.npy, logits.npy, labels.npy[, class_ids.npy, meta.json]), .npz, .safetensors or the authors' .pt",
    )
    .addOption(
      new Option(
        "--demo <name>",
        "demo used without --bundle: utd-mhad (real skeletons), synthetic, synthetic-gzsl (seen + unseen candidates, for --gzsl)",
      )
        .choices(DEMO_IDS)
        .default(DEFAULTS.demo),
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
      new Option("--dataset <name>", "with --model: the dataset of --data").choices(EXTRACT_DATASETS),
    )
    .addOption(layoutOption())
    .addOption(
      helpDefault(
        new Option("--prior <prior>", "prior file, shipped id (ntu60_55_5, utd-mhad, ...) or uniform"),
        "the shipped prior of the bundle's split or dataset",
      ),
    )
    .option("--split <id>", "split id: checks the bundle's classes; seen list for --gzsl");
}

/** The test-time method and its hyper-parameters (the shorthand flags' defaults are the default method's). */
function methodOptions<A extends unknown[], O extends OptionValues, G extends OptionValues>(
  command: Command<A, O, G>,
) {
  return command
    .addOption(new Option("--method <name>", METHOD_HELP.method).default(DEFAULTS.method))
    .option(
      "--method-module <module>",
      "import this file or package first: it registers your own test-time method (docs/write-your-own-method.md)",
    )
    .addOption(new Option("--param <method.key=value>", METHOD_HELP.param).argParser(collectParam))
    .addOption(
      helpDefault(
        new Option("--alpha <α>", "fusion scale α ≥ 0 (Eq. 12; cache methods)").argParser(
          parseNumber({ min: 0 }),
        ),
        methodDefault("alpha"),
      ),
    )
    .addOption(
      helpDefault(
        new Option("--beta <β>", "affinity sharpness β ≥ 0 (Eq. 6; cache methods)").argParser(
          parseNumber({ min: 0 }),
        ),
        methodDefault("beta"),
      ),
    )
    .addOption(
      helpDefault(
        new Option("-K, --capacity <K>", "cache entries per class (cache methods)").argParser(
          parseInteger({ min: 1 }),
        ),
        methodDefault("K"),
      ),
    )
    .addOption(
      helpDefault(
        new Option("--hedge <mode>", "runner-up hedge (auto = on when U < K)").choices([
          "auto",
          "on",
          "off",
        ] as const),
        methodDefault("hedge"),
      ),
    )
    .addOption(
      helpDefault(
        new Option("--hedge-margin <m>", "top-1 minus top-2 margin below which the hedge fires").argParser(
          parseNumber({ min: 0 }),
        ),
        methodDefault("hedgeMargin"),
      ),
    );
}

/** The protocol, the run folder, stream orders, the validation bundle and the uniform prior. */
function protocolOptions<A extends unknown[], O extends OptionValues, G extends OptionValues>(
  command: Command<A, O, G>,
) {
  return command
    .addOption(
      new Option("--protocol <name>", "evaluation protocol")
        .choices(protocolNames())
        .default(DEFAULTS.protocol),
    )
    .addOption(
      helpDefault(
        new Option("--out <dir>", "run directory"),
        "runs/<protocol>-<bundle>-a<α>-b<β>-k<K>, with the α, β actually used",
      ),
    )
    .option("--seed <n>", "seed of the stream permutations", parseInteger(), DEFAULTS.seed)
    .option(
      "--orders <R>",
      "permutations of the orders protocol, and of the spread printed beside an online or validation run (0: none)",
      parseInteger({ min: 0 }),
      DEFAULTS.orders,
    )
    .option("--validation-bundle <path>", "bundle of the split's validation classes (protocol validation)")
    .addOption(
      helpDefault(
        new Option("--validation-prior <prior>", "prior for the validation classes"),
        "the dataset prior when --prior is one, else uniform",
      ),
    )
    .option("--uniform-gamma <γ>", "γ of the uniform prior", parseNumber({ min: 0 }), DEFAULTS.uniformGamma);
}

/** Generalized zero-shot: the seen classes and calibrated stacking. */
function gzslOptions<A extends unknown[], O extends OptionValues, G extends OptionValues>(
  command: Command<A, O, G>,
) {
  return command
    .option("--gzsl", "also report generalized zero-shot S, U, H (candidates = seen + unseen)")
    .addOption(
      helpDefault(
        new Option(
          "--gzsl-seen <ids>",
          "seen classes: 0-based dataset class ids (NTU A011 = 10) or action codes, comma-separated, e.g. 0,2,A034",
        ).argParser(parseClassIds({ actionCodes: true })),
        "the split's seen list",
      ),
    )
    .addOption(
      helpDefault(
        new Option("--calibration <c>", "calibrated stacking constant").argParser(parseNumber()),
        "a sweep",
      ),
    )
    .addOption(
      helpDefault(
        new Option("--calibration-sweep <from:to:steps>", "calibration sweep").argParser(parseSweep),
        `${GZSL_DEFAULTS.sweep.from}:${GZSL_DEFAULTS.sweep.to}:${GZSL_DEFAULTS.sweep.steps}`,
      ),
    )
    .addOption(
      helpDefault(
        new Option("--gzsl-average <how>", "S and U over samples or classes").choices([
          "sample",
          "class",
        ] as const),
        GZSL_DEFAULTS.average,
      ),
    );
}

/** What the run skips or prints. */
function outputOptions<A extends unknown[], O extends OptionValues, G extends OptionValues>(
  command: Command<A, O, G>,
) {
  return command
    .option("--no-ablations", "skip the descriptor / prior ablations")
    .option("--no-plots", "skip the SVG / PNG plots");
}

/** Where an option's value came from (commander's `cmd`), and the options themselves. */
interface OptionSources {
  readonly options: readonly { attributeName(): string; readonly flags: string }[];
  getOptionValueSource(key: string): string | undefined;
}

/** The flags the user typed, as config keys: only these override the config file (the rest are the --help defaults). */
function typedFlags(options: EvalFlags, cmd: OptionSources): Record<string, unknown> {
  const typed = (key: string) => cmd.getOptionValueSource(key) === "cli";
  const pick = <T>(key: string, value: T): T | undefined => (typed(key) ? value : undefined);
  const gzsl = defined({
    seen: pick("gzslSeen", options.gzslSeen),
    calibration: pick("calibration", options.calibration),
    sweep: pick("calibrationSweep", options.calibrationSweep),
    average: pick("gzslAverage", options.gzslAverage),
  });
  return {
    bundle: pick("bundle", options.bundle),
    extract: defined({
      model: pick("model", options.model),
      data: pick("data", options.data),
      dataset: pick("dataset", options.dataset),
    }),
    demo: pick("demo", options.demo),
    prior: pick("prior", options.prior),
    split: pick("split", options.split),
    layout: pick("layout", options.layout),
    method: pick("method", options.method),
    params: pick("param", options.param),
    alpha: pick("alpha", options.alpha),
    beta: pick("beta", options.beta),
    K: pick("capacity", options.capacity),
    hedge: pick("hedge", options.hedge),
    hedgeMargin: pick("hedgeMargin", options.hedgeMargin),
    protocol: pick("protocol", options.protocol),
    out: pick("out", options.out),
    seed: pick("seed", options.seed),
    orders: pick("orders", options.orders),
    validationBundle: pick("validationBundle", options.validationBundle),
    validationPrior: pick("validationPrior", options.validationPrior),
    uniformGamma: pick("uniformGamma", options.uniformGamma),
    ablations: pick("ablations", options.ablations),
    plots: pick("plots", options.plots),
    quiet: pick("quiet", (options as { quiet?: boolean }).quiet), // a common flag (@skeleton-cache/cli)
    gzsl: gzsl ?? (typed("gzsl") ? {} : undefined),
  };
}

/** The flag as typed for each config key, for messages (-K, --capacity sets K). */
function flagNamesOf(cmd: OptionSources): Record<string, string> {
  const flagNames: Record<string, string> = {};
  for (const option of cmd.options) {
    const key = option.attributeName() === "capacity" ? "K" : option.attributeName();
    flagNames[key] = flagName(option.flags);
  }
  flagNames.extract = "--model/--data/--dataset";
  flagNames.params = "--param";
  flagNames.gzsl = "--gzsl";
  return flagNames;
}

/** Runs the evaluation (or, with --method all, the comparison of the methods) and prints the summary (or JSON). */
async function runEvalConfig(config: EvalConfig, io: CliIo, json: boolean): Promise<void> {
  const progress = createProgress(!progressEnabled(config.quiet));
  const flags = { quiet: config.quiet, json };
  try {
    if (config.method === "all") {
      const { runCompare } = await import("../run.js");
      const { compareText } = await import("@skeleton-cache/evaluate");
      const { comparisonFilesText } = await import("@skeleton-cache/report");
      const { result, outDir, page } = await runCompare(config, progress);
      const others = ["compare.md", "compare.json"].map((name) => path.join(outDir, name));
      const text = compareText(result) + comparisonFilesText(page, others);
      return printResult(io, flags, { text, json: { out: outDir, page: page.file, comparison: result } });
    }
    const { runEval } = await import("../run.js");
    const { summaryText } = await import("@skeleton-cache/report");
    const { report, outDir } = await runEval(config, progress);
    for (const warning of report.warnings) io.stderr.write(`skc eval: warning: ${warning}\n`);
    printResult(io, flags, { text: summaryText(report, outDir), json: { out: outDir, report } });
  } finally {
    progress.stop(); // an error must never leave the bar's timer running (the process would not exit)
  }
}
