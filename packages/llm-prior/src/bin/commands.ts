/**
 * The prior commands (generate, validate, show, diff, uniform) as commander
 * commands: the argument parsing of `skc-prior` and of `skc prior`, which
 * mounts them. Each action parses its options and calls this package's
 * functions; nothing here computes.
 */

import {
  type CliIo,
  type Command,
  example,
  helpDefault,
  interruptible,
  Option,
  parseClassIds,
  parseDate,
  parseInteger,
  parseNumber,
} from "@skeleton-cache/cli";
import { ValueError } from "@skeleton-cache/errors";
import { type Prior, savePrior, uniformPrior } from "@skeleton-cache/prior";
import {
  type ClassSelection,
  type ClassSpec,
  loadDescriptions,
  resolveClassSelection,
  selectClasses,
} from "../classes.js";
import { ENDPOINT_DEFAULTS, GENERATE_DEFAULTS, OPENAI_BASE_URL } from "../defaults.js";
import type { GenerateHooks, GeneratePriorOptions } from "../generate.js";
import { checkPrior, loadPriorOrShipped, uniformPriorFor } from "../priors.js";
import { diffPriors, formatDiff, formatPrior } from "../report.js";
import { DEFAULT_RETRY_POLICY } from "../retry.js";

/** Where the prior commands write, what they read from the environment, and how they are called. */
export interface PriorCommandContext {
  readonly io: CliIo;
  /** OPENAI_API_KEY, OPENAI_BASE_URL (default process.env). */
  readonly env?: Readonly<Record<string, string | undefined>>;
  /** How a user calls them, for examples and messages: `skc-prior` or `skc prior`. */
  readonly bin: string;
}

const SHIPPED =
  "a prior file, or a shipped id (ntu60_55_5, ntu60_48_12, ntu120_110_10, ntu120_96_24, utd-mhad)";

/** The class-selection options shared by generate and uniform. */
function selectionOptions() {
  return {
    classes: new Option(
      "--classes <file>",
      "class names: text (one per line) or JSON (a list, {class_names}, {<dataset>: list})",
    ),
    dataset: new Option("--dataset <name>", "dataset label; picks the list of a {<dataset>: list} file"),
    split: new Option("--split <id>", "a split prior for this split's unseen classes (needs --splits)"),
    splits: new Option(
      "--splits <file>",
      "splits file ({splits: {<id>: {dataset, unseen}}}, as splits.json)",
    ),
    candidates: new Option(
      "--candidates <ids>",
      "a split prior for these 0-based dataset class ids (keyed by rank), e.g. 10,11,19",
    ).argParser(parseClassIds()),
  };
}

type OptionValues = Record<string, unknown>;

/** The flags that narrow --classes to a dataset or split (generate, uniform). */
function selectionFlags<A extends unknown[], O extends OptionValues, G extends OptionValues>(
  command: Command<A, O, G>,
) {
  const select = selectionOptions();
  return command
    .addOption(select.dataset)
    .addOption(select.split)
    .addOption(select.splits)
    .addOption(select.candidates);
}

/** The class selection the flags name. */
function selectionOf(
  classesFile: string,
  flags: { dataset?: string; split?: string; splits?: string; candidates?: number[] },
): ClassSelection {
  return resolveClassSelection({
    classesFile,
    dataset: flags.dataset,
    split: flags.split,
    splitsFile: flags.splits,
    candidates: flags.candidates,
  });
}

/** The endpoint: model, base URL, API key. */
function endpointOptions<A extends unknown[], O extends OptionValues, G extends OptionValues>(
  command: Command<A, O, G>,
) {
  return command
    .requiredOption("--model <name>", "model name as the server knows it")
    .addOption(
      helpDefault(
        new Option("--base-url <url>", "OpenAI-compatible base URL"),
        `$OPENAI_BASE_URL, else ${OPENAI_BASE_URL}`,
      ),
    )
    .addOption(
      helpDefault(
        new Option("--api-key <key>", "API key; local servers need none; never saved"),
        "$OPENAI_API_KEY",
      ),
    );
}

/** Which classes to ask about, and what the model is told about each. */
function classOptions<A extends unknown[], O extends OptionValues, G extends OptionValues>(
  command: Command<A, O, G>,
) {
  return selectionFlags(command.addOption(selectionOptions().classes.makeOptionMandatory()))
    .option("--descriptions <file>", "per-class descriptions given to the model as context")
    .option("--descriptions-key <key>", "which set of a {<dataset>: [...]} descriptions file");
}

/** The prior file written (and resumed). */
function outputOptions<A extends unknown[], O extends OptionValues, G extends OptionValues>(
  command: Command<A, O, G>,
) {
  return command
    .requiredOption("--out <file>", "prior file to write; an existing one is resumed")
    .option("--overwrite", "start afresh instead of resuming --out");
}

/** Answers per class, their temperature, and classes in flight. */
function samplingOptions<A extends unknown[], O extends OptionValues, G extends OptionValues>(
  command: Command<A, O, G>,
) {
  return command
    .option(
      "--samples <n>",
      "answers per class, averaged; spread kept",
      parseInteger({ min: 1 }),
      GENERATE_DEFAULTS.samples,
    )
    .option("--use-n", "ask for the samples in one request (the n parameter)")
    .addOption(
      helpDefault(
        new Option("--temperature <t>", "sampling temperature").argParser(parseNumber({ min: 0 })),
        "0, or 0.7 with --samples > 1",
      ),
    )
    .option(
      "--concurrency <n>",
      "classes asked at once",
      parseInteger({ min: 1 }),
      GENERATE_DEFAULTS.concurrency,
    );
}

/** Timeouts, retries, tolerated bad answers, answer length and format. */
function requestOptions<A extends unknown[], O extends OptionValues, G extends OptionValues>(
  command: Command<A, O, G>,
) {
  return command
    .option("--timeout <ms>", "per-request timeout", parseInteger({ min: 1 }), ENDPOINT_DEFAULTS.timeoutMs)
    .option(
      "--max-retries <n>",
      "retries on 429 / 5xx / timeouts",
      parseInteger(),
      DEFAULT_RETRY_POLICY.maxRetries,
    )
    .option("--retry-base <ms>", "first backoff delay", parseInteger(), DEFAULT_RETRY_POLICY.baseDelayMs)
    .option("--retry-max <ms>", "longest backoff delay", parseInteger(), DEFAULT_RETRY_POLICY.maxDelayMs)
    .option(
      "--max-invalid <n>",
      "schema-violating answers tolerated per class",
      parseInteger(),
      GENERATE_DEFAULTS.maxInvalidAnswers,
    )
    .option("--max-tokens <n>", "answer length bound", parseInteger({ min: 1 }), ENDPOINT_DEFAULTS.maxTokens)
    .addOption(
      new Option("--response-format <f>", "how the answer format is asked for")
        .choices(["auto", "json_schema", "json_object", "text"] as const)
        .default(ENDPOINT_DEFAULTS.responseFormat),
    );
}

/** The prompt templates, the retry jitter seed and the provenance date. */
function promptOptions<A extends unknown[], O extends OptionValues, G extends OptionValues>(
  command: Command<A, O, G>,
) {
  return command
    .option("--prompt <dir>", "your own prompt templates (system.md, user.md)")
    .option("--seed <n>", "seed of the retry jitter", parseInteger(), ENDPOINT_DEFAULTS.seed)
    .addOption(
      helpDefault(new Option("--date <YYYY-MM-DD>", "provenance date").argParser(parseDate), "today"),
    );
}

/** `generate` with its options, in --help order. */
function generateCommand(parent: Command) {
  const command = parent
    .command("generate")
    .description("ask an OpenAI-compatible endpoint for class priors; resumes an existing --out");
  return promptOptions(
    requestOptions(samplingOptions(outputOptions(classOptions(endpointOptions(command))))),
  );
}

type GenerateFlags = ReturnType<ReturnType<typeof generateCommand>["opts"]>;

function addGenerate(parent: Command, context: PriorCommandContext): void {
  const command = generateCommand(parent).action((options) => runGenerate(options, context));
  example(
    command,
    `${context.bin} generate --base-url http://127.0.0.1:11434/v1 --model llama3.1 --classes class_names.json --dataset ntu60 --out ntu60.json`,
  );
}

/** The generate action: selects the classes, then runs `generatePrior` with progress on stderr. */
async function runGenerate(options: GenerateFlags, context: PriorCommandContext): Promise<void> {
  const { io } = context;
  const selection = selectionOf(options.classes, options);
  const descriptions =
    options.descriptions === undefined
      ? undefined
      : loadDescriptions(options.descriptions, selection.names, options.descriptionsKey);
  const classes = selectClasses(selection.names, { candidates: selection.candidates, descriptions });
  const out = options.out;
  const tty = io.stderr.isTTY === true;
  // The openai SDK loads here, not when the program starts.
  const { generatePrior } = await import("../generate.js");
  const interrupt = interruptible(
    io,
    context.bin,
    `requests in flight are cancelled; finished classes stay in ${out}`,
  );
  try {
    const result = await generatePrior(
      generateOptions(options, {
        selection,
        classes,
        env: context.env ?? process.env,
        signal: interrupt.signal,
      }),
      progressHooks(io, out, tty),
    );
    if (tty) io.stderr.write("\n");
    io.stderr.write(
      `prior: wrote ${out}: ${result.asked} classes asked, ${result.resumed} resumed, ${result.requests} requests\n`,
    );
  } finally {
    interrupt.dispose();
  }
}

/** The flags of `generate` as `generatePrior` options. */
function generateOptions(
  options: GenerateFlags,
  run: {
    readonly selection: ClassSelection;
    readonly classes: readonly ClassSpec[];
    readonly env: Readonly<Record<string, string | undefined>>;
    readonly signal: AbortSignal;
  },
): GeneratePriorOptions {
  const { selection, classes } = run;
  return {
    model: options.model,
    baseURL: options.baseUrl,
    apiKey: options.apiKey,
    env: run.env,
    classes,
    kind: selection.kind,
    numClasses: classes.length,
    split: selection.split,
    dataset: selection.dataset,
    out: options.out,
    overwrite: options.overwrite,
    samples: options.samples,
    useN: options.useN,
    temperature: options.temperature,
    concurrency: options.concurrency,
    timeoutMs: options.timeout,
    maxInvalidAnswers: options.maxInvalid,
    maxTokens: options.maxTokens,
    responseFormat: options.responseFormat,
    prompt: options.prompt,
    seed: options.seed,
    date: options.date,
    retry: {
      maxRetries: options.maxRetries,
      baseDelayMs: options.retryBase,
      maxDelayMs: options.retryMax,
    },
    signal: run.signal,
  };
}

/** Progress on one rewritten line when stderr is a terminal, else a line per class; retries and bad answers said. */
function progressHooks(io: CliIo, out: string, tty: boolean): GenerateHooks {
  const say = (line: string) => io.stderr.write(`${tty ? "\n" : ""}prior: ${line}\n`);
  return {
    onProgress: (p) => {
      const what =
        p.name === undefined ? (p.resumed > 0 ? ` (${p.resumed} from ${out})` : "") : ` — ${p.name}`;
      io.stderr.write(
        `${tty ? "\r\x1b[K" : ""}prior: ${p.done}/${p.total} classes done${what}${tty ? "" : "\n"}`,
      );
    },
    onRetry: (e) => say(`${e.label}: retry ${e.attempt} in ${Math.round(e.delayMs)} ms (${e.reason})`),
    onFormatFallback: (e) => say(`the server refused response_format ${e.from}; using ${e.to}`),
    onInvalidAnswer: (e) =>
      say(`class ${e.index} "${e.name}": bad answer (${e.field}: ${e.message}); asking again`),
  };
}

function addChecks(parent: Command, context: PriorCommandContext): void {
  const { io } = context;
  const validate = parent
    .command("validate")
    .description("check prior files: schema, ranges, class count; a file without any class importances fails")
    .argument("<files...>", SHIPPED)
    .option("--num-classes <n>", "the number of classes each file must have", parseInteger({ min: 1 }))
    .option("--complete", "every class must have importances")
    .action((files, options) => {
      for (const file of files) {
        const { prior, present, missing } = checkPrior(loadPriorOrShipped(file), file, options);
        io.stdout.write(
          `ok ${file}: ${prior.kind} prior, ${prior.numClasses} classes, ${present} with importances` +
            `${missing.length > 0 ? ` (missing ${missing.join(", ")})` : ""}\n`,
        );
      }
    });
  example(validate, `${context.bin} validate --complete ntu60_55_5 my-prior.json`);
  const show = parent
    .command("show")
    .description("print a prior as a table")
    .argument("<file>", SHIPPED)
    .action((file) => {
      io.stdout.write(`${formatPrior(loadPriorOrShipped(file))}\n`);
    });
  example(show, `${context.bin} show utd-mhad`);
  const diff = parent
    .command("diff")
    .description("compare two priors class by class (L1 distances)")
    .argument("<a>", SHIPPED)
    .argument("<b>", SHIPPED)
    .action((fileA, fileB) => {
      const a = loadPriorOrShipped(fileA);
      const b = loadPriorOrShipped(fileB);
      io.stdout.write(`${formatDiff(a, b, diffPriors(a, b))}\n`);
    });
  example(diff, `${context.bin} diff my-ntu60_55_5.json ntu60_55_5`);
}

function addUniform(parent: Command, context: PriorCommandContext): void {
  const command = selectionFlags(
    parent
      .command("uniform")
      .description("write the no-LLM baseline prior (uniform parts and phases)")
      .requiredOption("--out <file>", "prior file to write")
      .option("--num-classes <n>", "number of classes (instead of --classes)", parseInteger({ min: 1 }))
      .option("--gamma <γ>", "γ of every class", parseNumber({ min: 0 }), 0.5)
      .addOption(selectionOptions().classes),
  ).action((options) => {
    let prior: Prior;
    if (options.classes !== undefined) {
      prior = uniformPriorFor(selectionOf(options.classes, options), options.gamma);
    } else if (options.numClasses !== undefined) {
      prior = {
        ...uniformPrior(options.numClasses, options.gamma),
        ...(options.split !== undefined ? { split: options.split } : {}),
      };
    } else {
      throw new ValueError("give --num-classes N or --classes FILE", { field: "--num-classes" });
    }
    savePrior(options.out, prior);
    context.io.stderr.write(
      `prior: wrote ${options.out}: uniform prior, ${prior.numClasses} classes, gamma ${options.gamma}\n`,
    );
  });
  example(command, `${context.bin} uniform --num-classes 5 --split ntu60_55_5 --out uniform.json`);
}

/** Adds generate, validate, show, diff and uniform under `parent` (a program or a `prior` command). */
export function addPriorCommands<C extends Command>(parent: C, context: PriorCommandContext): C {
  addGenerate(parent, context);
  addChecks(parent, context);
  addUniform(parent, context);
  return parent;
}
