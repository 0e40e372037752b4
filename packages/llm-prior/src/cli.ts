import fs from "node:fs";
import { parseArgs } from "node:util";
import { SkeletonCacheError, ValueError } from "@skeleton-cache/errors";
import {
  loadPrior,
  loadPublishedPrior,
  type Prior,
  PUBLISHED_PRIORS,
  savePrior,
  uniformPrior,
} from "@skeleton-cache/prior";
import { loadClassNames, loadDescriptions, loadSplit, parseIdList, selectClasses } from "./classes.js";
import { type GeneratePriorOptions, generatePrior } from "./generate.js";
import { diffPriors, formatDiff, formatPrior } from "./report.js";

/** Where a command writes, and what it reads from the environment. */
export interface PriorCommandIo {
  readonly stdout: { write(text: string): unknown };
  readonly stderr: { write(text: string): unknown; isTTY?: boolean | undefined };
  /** Environment (OPENAI_API_KEY, OPENAI_BASE_URL); default process.env. */
  readonly env?: Readonly<Record<string, string | undefined>> | undefined;
  /** Aborts a running `generate` (e.g. on SIGINT); finished classes stay saved. */
  readonly signal?: AbortSignal | undefined;
}

/** Usage text of the prior commands (mounted as `skc prior ...` or run as `skc-prior ...`). */
export const PRIOR_USAGE = `Usage: skc-prior <command> [options]

Commands:
  generate   ask an OpenAI-compatible endpoint for class priors (resumable)
  validate   check prior files (schema, ranges, class count)
  show       print a prior as a table
  diff       compare two priors class by class (L1 distances)
  uniform    write the no-LLM baseline prior (uniform parts and phases)

generate:
  --model NAME              model name as the server knows it (required)
  --base-url URL            OpenAI-compatible base URL (default $OPENAI_BASE_URL or https://api.openai.com/v1)
  --api-key KEY             API key (default $OPENAI_API_KEY; local servers need none; never saved)
  --classes FILE            class names: text (one per line) or JSON (list, {class_names}, {<dataset>: list})
  --dataset NAME            dataset label; picks the list in a {<dataset>: list} file
  --split ID --splits FILE  a split prior for the split's unseen classes (splits.json format)
  --candidates 3,7,12       a split prior for these dataset class ids (keyed by rank)
  --descriptions FILE       per-class descriptions given to the model as context
  --descriptions-key KEY    which set in a {<dataset>: [...]} descriptions file
  --out FILE                prior file to write; an existing one is resumed (required)
  --overwrite               start afresh instead of resuming --out
  --samples N               answers per class, averaged; spread kept (default 1)
  --use-n                   ask for the samples in one request (the n parameter)
  --temperature T           default 0, or 0.7 with --samples > 1
  --concurrency N           classes asked at once (default 4)
  --timeout MS              per-request timeout (default 60000)
  --max-retries N           retries on 429 / 5xx / timeouts (default 6)
  --retry-base MS           first backoff delay (default 500)
  --retry-max MS            longest backoff delay (default 30000)
  --max-invalid N           schema-violating answers tolerated per class (default 2)
  --max-tokens N            answer length bound (default 400)
  --response-format F       auto | json_schema | json_object | text (default auto)
  --prompt DIR              your own prompt templates (system.md, user.md)
  --seed N                  seed of the retry jitter (default 0)
  --date YYYY-MM-DD         provenance date (default today)

validate FILE... [--num-classes N] [--complete]
show FILE
diff A B
uniform --out FILE (--num-classes N | --classes FILE [--dataset NAME] [--split ID --splits FILE | --candidates IDS])
        [--gamma G] [--split ID]

Exit codes: 0 ok, 2 bad input or configuration, 1 anything else.
`;

const GENERATE_OPTIONS = {
  model: { type: "string" },
  "base-url": { type: "string" },
  "api-key": { type: "string" },
  classes: { type: "string" },
  dataset: { type: "string" },
  split: { type: "string" },
  splits: { type: "string" },
  candidates: { type: "string" },
  descriptions: { type: "string" },
  "descriptions-key": { type: "string" },
  out: { type: "string" },
  overwrite: { type: "boolean" },
  samples: { type: "string" },
  "use-n": { type: "boolean" },
  temperature: { type: "string" },
  concurrency: { type: "string" },
  timeout: { type: "string" },
  "max-retries": { type: "string" },
  "retry-base": { type: "string" },
  "retry-max": { type: "string" },
  "max-invalid": { type: "string" },
  "max-tokens": { type: "string" },
  "response-format": { type: "string" },
  prompt: { type: "string" },
  seed: { type: "string" },
  date: { type: "string" },
  help: { type: "boolean", short: "h" },
} as const;

function numberOption(
  values: Record<string, unknown>,
  name: string,
  kind: "int" | "nonneg-int" | "number",
): number | undefined {
  const raw = values[name];
  if (raw === undefined) return undefined;
  const value = Number(raw);
  const ok =
    kind === "number"
      ? Number.isFinite(value)
      : Number.isInteger(value) && (kind === "nonneg-int" ? value >= 0 : value > 0);
  if (typeof raw !== "string" || raw.trim() === "" || !ok) {
    const what =
      kind === "number" ? "a number" : kind === "int" ? "a positive integer" : "a non-negative integer";
    throw new ValueError(`--${name} must be ${what}, got ${JSON.stringify(raw)}`, {
      field: `--${name}`,
      value: raw,
    });
  }
  return value;
}

function required(values: Record<string, unknown>, name: string): string {
  const value = values[name];
  if (typeof value !== "string" || value === "") {
    throw new ValueError(`--${name} is required`, { field: `--${name}` });
  }
  return value;
}

interface ClassSelection {
  readonly kind: "split" | "dataset";
  readonly names: string[];
  readonly candidates?: number[] | undefined;
  readonly split?: string | undefined;
  readonly dataset?: string | undefined;
}

/** Reads --classes / --dataset / --split + --splits / --candidates. */
function selectionFrom(values: Record<string, unknown>): ClassSelection {
  const classesFile = required(values, "classes");
  let dataset = values.dataset as string | undefined;
  let candidates: number[] | undefined;
  let split = values.split as string | undefined;
  if (values.candidates !== undefined) {
    candidates = parseIdList(values.candidates as string, "--candidates");
  } else if (split !== undefined && values.splits !== undefined) {
    const spec = loadSplit(values.splits as string, split);
    candidates = [...spec.candidates];
    dataset ??= spec.dataset;
  } else if (split !== undefined) {
    throw new ValueError("--split needs --splits FILE (or give --candidates)", {
      field: "--splits",
      value: split,
    });
  }
  if (candidates === undefined) split = undefined;
  const names = loadClassNames(classesFile, dataset);
  return { kind: candidates === undefined ? "dataset" : "split", names, candidates, split, dataset };
}

async function generateCommand(args: string[], io: PriorCommandIo): Promise<number> {
  const { values } = parseArgs({ args, options: GENERATE_OPTIONS, allowPositionals: false, strict: true });
  if (values.help) {
    io.stdout.write(PRIOR_USAGE);
    return 0;
  }
  const model = required(values, "model");
  const out = required(values, "out");
  const selection = selectionFrom(values);
  const descriptions =
    values.descriptions === undefined
      ? undefined
      : loadDescriptions(values.descriptions, selection.names, values["descriptions-key"]);
  const classes = selectClasses(selection.names, { candidates: selection.candidates, descriptions });
  const retry = {
    ...(values["max-retries"] !== undefined
      ? { maxRetries: numberOption(values, "max-retries", "nonneg-int")! }
      : {}),
    ...(values["retry-base"] !== undefined
      ? { baseDelayMs: numberOption(values, "retry-base", "nonneg-int")! }
      : {}),
    ...(values["retry-max"] !== undefined
      ? { maxDelayMs: numberOption(values, "retry-max", "nonneg-int")! }
      : {}),
  };
  const format = values["response-format"] ?? "auto";
  if (!["auto", "json_schema", "json_object", "text"].includes(format)) {
    throw new ValueError(
      `--response-format must be auto, json_schema, json_object or text, got "${format}"`,
      {
        field: "--response-format",
        value: format,
      },
    );
  }
  if (values.date !== undefined && !/^\d{4}-\d{2}-\d{2}$/.test(values.date)) {
    throw new ValueError(`--date must be YYYY-MM-DD, got "${values.date}"`, {
      field: "--date",
      value: values.date,
    });
  }
  const options: GeneratePriorOptions = {
    model,
    baseURL: values["base-url"],
    apiKey: values["api-key"],
    env: io.env,
    classes,
    kind: selection.kind,
    numClasses: classes.length,
    split: selection.split,
    dataset: selection.dataset,
    out,
    overwrite: values.overwrite,
    samples: numberOption(values, "samples", "int"),
    useN: values["use-n"],
    temperature: numberOption(values, "temperature", "number"),
    concurrency: numberOption(values, "concurrency", "int"),
    timeoutMs: numberOption(values, "timeout", "int"),
    maxInvalidAnswers: numberOption(values, "max-invalid", "nonneg-int"),
    maxTokens: numberOption(values, "max-tokens", "int"),
    responseFormat: format as GeneratePriorOptions["responseFormat"],
    prompt: values.prompt,
    seed: numberOption(values, "seed", "nonneg-int"),
    date: values.date,
    retry,
    signal: io.signal,
  };
  const tty = io.stderr.isTTY === true;
  const result = await generatePrior(options, {
    onProgress: (p) => {
      const what =
        p.name === undefined ? (p.resumed > 0 ? ` (${p.resumed} from ${out})` : "") : ` — ${p.name}`;
      io.stderr.write(
        `${tty ? "\r\x1b[K" : ""}prior: ${p.done}/${p.total} classes done${what}${tty ? "" : "\n"}`,
      );
    },
    onRetry: (e) =>
      io.stderr.write(
        `${tty ? "\n" : ""}prior: ${e.label}: retry ${e.attempt} in ${Math.round(e.delayMs)} ms (${e.reason})\n`,
      ),
    onFormatFallback: (e) =>
      io.stderr.write(
        `${tty ? "\n" : ""}prior: the server refused response_format ${e.from}; using ${e.to}\n`,
      ),
    onInvalidAnswer: (e) =>
      io.stderr.write(
        `${tty ? "\n" : ""}prior: class ${e.index} "${e.name}": bad answer (${e.field}: ${e.message}); asking again\n`,
      ),
  });
  if (tty) io.stderr.write("\n");
  io.stderr.write(
    `prior: wrote ${out}: ${result.asked} classes asked, ${result.resumed} resumed, ${result.requests} requests\n`,
  );
  return 0;
}

function validateCommand(args: string[], io: PriorCommandIo): number {
  const { values, positionals } = parseArgs({
    args,
    options: { "num-classes": { type: "string" }, complete: { type: "boolean" } },
    allowPositionals: true,
    strict: true,
  });
  if (positionals.length === 0)
    throw new ValueError("validate: give at least one prior file", { field: "FILE" });
  const expected = numberOption(values, "num-classes", "int");
  for (const file of positionals) {
    const prior = loadPriorArgument(file);
    if (expected !== undefined && prior.numClasses !== expected) {
      throw new ValueError(`${file}: num_classes is ${prior.numClasses}, expected ${expected}`, {
        file,
        field: "num_classes",
        value: prior.numClasses,
        expected,
      });
    }
    const missing = prior.classes.flatMap((c, i) => (c === null ? [i] : []));
    if (values.complete && missing.length > 0) {
      throw new ValueError(`${file}: no importances for class ${missing.join(", ")}`, {
        file,
        field: "weights",
        value: missing,
      });
    }
    io.stdout.write(
      `ok ${file}: ${prior.kind} prior, ${prior.numClasses} classes, ${prior.numClasses - missing.length} with importances` +
        `${missing.length > 0 ? ` (missing ${missing.join(", ")})` : ""}\n`,
    );
  }
  return 0;
}

function uniformCommand(args: string[], io: PriorCommandIo): number {
  const { values } = parseArgs({
    args,
    options: {
      out: { type: "string" },
      "num-classes": { type: "string" },
      gamma: { type: "string" },
      classes: { type: "string" },
      dataset: { type: "string" },
      split: { type: "string" },
      splits: { type: "string" },
      candidates: { type: "string" },
    },
    allowPositionals: false,
    strict: true,
  });
  const out = required(values, "out");
  const gamma = numberOption(values, "gamma", "number") ?? 0.5;
  let prior: Prior;
  if (values.classes !== undefined) {
    const selection = selectionFrom(values);
    const classes = selectClasses(selection.names, { candidates: selection.candidates });
    const base = uniformPrior(
      classes.length,
      gamma,
      classes.map((c) => c.name),
    );
    prior = {
      ...base,
      kind: selection.kind,
      ...(selection.split !== undefined ? { split: selection.split } : {}),
      ...(selection.dataset !== undefined ? { dataset: selection.dataset } : {}),
    };
  } else {
    const count = numberOption(values, "num-classes", "int");
    if (count === undefined)
      throw new ValueError("uniform: give --num-classes N or --classes FILE", { field: "--num-classes" });
    prior = { ...uniformPrior(count, gamma), ...(values.split !== undefined ? { split: values.split } : {}) };
  }
  savePrior(out, prior);
  io.stderr.write(`prior: wrote ${out}: uniform prior, ${prior.numClasses} classes, gamma ${gamma}\n`);
  return 0;
}

/** A prior file, or the id of a prior shipped with @skeleton-cache/prior (e.g. ntu60_55_5, utd-mhad). */
function loadPriorArgument(argument: string): Prior {
  if (!fs.existsSync(argument) && (PUBLISHED_PRIORS as readonly string[]).includes(argument)) {
    return loadPublishedPrior(argument);
  }
  return loadPrior(argument);
}

/**
 * Runs one prior command (`generate`, `validate`, `show`, `diff`, `uniform`)
 * with `argv` = the words after `prior` (or after `skc-prior`). Returns the
 * exit code: 0 ok, 2 bad input or configuration (the message names the key,
 * file or value), 1 anything else. Errors go to `io.stderr`.
 */
export async function runPriorCommand(argv: readonly string[], io: PriorCommandIo): Promise<number> {
  const [command, ...args] = argv;
  if (command !== undefined && (args.includes("--help") || args.includes("-h"))) {
    io.stdout.write(PRIOR_USAGE);
    return 0;
  }
  try {
    switch (command) {
      case "generate":
        return await generateCommand(args, io);
      case "validate":
        return validateCommand(args, io);
      case "show": {
        const { positionals } = parseArgs({ args, options: {}, allowPositionals: true, strict: true });
        if (positionals.length !== 1) throw new ValueError("show: give one prior file", { field: "FILE" });
        io.stdout.write(`${formatPrior(loadPriorArgument(positionals[0]!))}\n`);
        return 0;
      }
      case "diff": {
        const { positionals } = parseArgs({ args, options: {}, allowPositionals: true, strict: true });
        if (positionals.length !== 2) throw new ValueError("diff: give two prior files", { field: "FILE" });
        const a = loadPriorArgument(positionals[0]!);
        const b = loadPriorArgument(positionals[1]!);
        io.stdout.write(`${formatDiff(a, b, diffPriors(a, b))}\n`);
        return 0;
      }
      case "uniform":
        return uniformCommand(args, io);
      case undefined:
      case "help":
      case "--help":
      case "-h":
        (command === undefined ? io.stderr : io.stdout).write(PRIOR_USAGE);
        return command === undefined ? 2 : 0;
      default:
        throw new ValueError(
          `unknown command "${command}"; commands: generate, validate, show, diff, uniform`,
          {
            field: "command",
            value: command,
          },
        );
    }
  } catch (error) {
    return reportError(error, io);
  }
}

function reportError(error: unknown, io: PriorCommandIo): number {
  const message = error instanceof Error ? error.message : String(error);
  io.stderr.write(`skc-prior: error: ${message}\n`);
  if (error instanceof SkeletonCacheError) {
    return ["E_VALUE", "E_FORMAT", "E_SHAPE", "E_NON_FINITE"].includes(error.code) ? 2 : 1;
  }
  // node:util parseArgs: unknown option, missing value, unexpected argument.
  const code = (error as { code?: string }).code;
  if (typeof code === "string" && code.startsWith("ERR_PARSE_ARGS")) return 2;
  return 1;
}
