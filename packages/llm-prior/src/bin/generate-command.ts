/** `generate`: its flags (commander declarations) and the run; the flags' meaning is `generatePriorOptionsFromFlags`. */
import {
  type Command,
  type CommonFlags,
  commonFlags,
  currentInterrupt,
  example,
  helpDefault,
  Option,
  parseDate,
  parseInteger,
  parseNumber,
  printResult,
} from "@skeleton-cache/cli";
import { ENDPOINT_DEFAULTS, GENERATE_DEFAULTS, OPENAI_BASE_URL } from "../defaults.js";
import { type GenerateFlags, generatePriorOptionsFromFlags, generateProgressHooks } from "../flags.js";
import { DEFAULT_RETRY_POLICY } from "../retry.js";
import { classesOption, selectionFlags } from "./class-flags.js";
import type { PriorCommandContext } from "./commands.js";

/** `generate` with its options, in --help order: endpoint, classes, output, sampling, requests, prompt. */
function generateCommand(parent: Command) {
  return selectionFlags(
    parent
      .command("generate")
      .description("ask an OpenAI-compatible endpoint for class priors; resumes an existing --out")
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
      )
      .addOption(classesOption().makeOptionMandatory()),
  )
    .option("--descriptions <file>", "per-class descriptions given to the model as context")
    .option("--descriptions-key <key>", "which set of a {<dataset>: [...]} descriptions file")
    .requiredOption("--out <file>", "prior file to write; an existing one is resumed")
    .option("--overwrite", "start afresh instead of resuming --out")
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
    )
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
    )
    .option("--prompt <dir>", "your own prompt templates (system.md, user.md)")
    .option("--seed <n>", "seed of the retry jitter", parseInteger(), ENDPOINT_DEFAULTS.seed)
    .addOption(
      helpDefault(new Option("--date <YYYY-MM-DD>", "provenance date").argParser(parseDate), "today"),
    );
}

/** Adds `generate` under `parent`. */
export function addGenerate(parent: Command, context: PriorCommandContext): void {
  const command = generateCommand(parent).action((flags, cmd) =>
    runGenerate(flags, context, commonFlags(cmd)),
  );
  example(
    command,
    `${context.bin} generate --base-url http://127.0.0.1:11434/v1 --model llama3.1 --classes class_names.json --dataset ntu60 --out ntu60.json`,
  );
}

/**
 * The generate action: `generatePrior` with the flags' options, progress on
 * stderr (none with --quiet), Ctrl-C cancelling the requests in flight (it
 * then says how many classes are saved and how to resume).
 */
async function runGenerate(flags: GenerateFlags, context: PriorCommandContext, common: CommonFlags) {
  const { io } = context;
  const out = flags.out;
  // The openai SDK loads here, not when the program starts.
  const { generatePrior } = await import("../generate.js");
  const interrupt = currentInterrupt();
  interrupt.keeping(`finished classes stay in ${out}; run the same command again to resume`);
  const options = generatePriorOptionsFromFlags(flags, {
    env: context.env ?? process.env,
    signal: interrupt.signal,
  });
  const progress = common.quiet ? { write: () => true } : io.stderr;
  const result = await generatePrior(options, generateProgressHooks(progress, out));
  if (progress.isTTY === true) io.stderr.write("\n");
  interrupt.keeping(`${out} is complete`);
  const { asked, resumed, requests, responseFormat } = result;
  const text = `prior: wrote ${out}: ${asked} classes asked, ${resumed} resumed, ${requests} requests\n`;
  printResult(
    io,
    common,
    { text, json: { out, asked, resumed, requests, responseFormat } },
    { to: "stderr" },
  );
}
