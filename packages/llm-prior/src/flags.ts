/**
 * The prior commands' flags (`skc-prior` and `skc prior`) as this package's
 * calls: plain option objects in, library options or results out. The bin
 * files only declare the flags and hand their values here, so everything a
 * flag means is tested without commander.
 */
import { ValueError } from "@skeleton-cache/errors";
import { type Prior, resolvePrior, uniformPrior } from "@skeleton-cache/prior";
import { type ClassSelection, loadDescriptions, resolveClassSelection, selectClasses } from "./classes.js";
import type { ResponseFormatMode } from "./endpoint.js";
import type { GenerateHooks, GeneratePriorOptions } from "./generate.js";
import { checkPrior, uniformPriorFor } from "./priors.js";

/** The flags that narrow a class-names file to a dataset or a split (generate, uniform). */
export interface SelectionFlags {
  readonly dataset?: string | undefined;
  readonly split?: string | undefined;
  /** The splits file (`--splits`). */
  readonly splits?: string | undefined;
  readonly candidates?: number[] | undefined;
}

/** The flags of `generate`, camel-cased as the command line's parser hands them over. */
export interface GenerateFlags extends SelectionFlags {
  readonly model: string;
  readonly baseUrl?: string | undefined;
  readonly apiKey?: string | undefined;
  /** The class-names file. */
  readonly classes: string;
  readonly descriptions?: string | undefined;
  readonly descriptionsKey?: string | undefined;
  readonly out: string;
  readonly overwrite?: boolean | undefined;
  readonly samples: number;
  readonly useN?: boolean | undefined;
  readonly temperature?: number | undefined;
  readonly concurrency: number;
  /** Per-request timeout in ms (`--timeout`). */
  readonly timeout: number;
  readonly maxRetries: number;
  /** First backoff delay in ms (`--retry-base`). */
  readonly retryBase: number;
  /** Longest backoff delay in ms (`--retry-max`). */
  readonly retryMax: number;
  /** Schema-violating answers tolerated per class (`--max-invalid`). */
  readonly maxInvalid: number;
  readonly maxTokens: number;
  readonly responseFormat: "auto" | ResponseFormatMode;
  readonly prompt?: string | undefined;
  readonly seed: number;
  readonly date?: string | undefined;
}

/** What a generate run takes besides its flags. */
export interface GenerateRun {
  /** OPENAI_API_KEY, OPENAI_BASE_URL. */
  readonly env: Readonly<Record<string, string | undefined>>;
  /** Stops the run (Ctrl-C); finished classes stay saved. */
  readonly signal?: AbortSignal | undefined;
}

/** The class selection a classes file and the selection flags name. */
export function selectionFromFlags(classesFile: string, flags: SelectionFlags): ClassSelection {
  return resolveClassSelection({
    classesFile,
    dataset: flags.dataset,
    split: flags.split,
    splitsFile: flags.splits,
    candidates: flags.candidates,
  });
}

/**
 * `generatePrior`'s options from the flags of `generate`: reads the classes
 * file (and the descriptions file), picks the classes the selection flags
 * name, and maps every other flag onto its option.
 */
export function generatePriorOptionsFromFlags(flags: GenerateFlags, run: GenerateRun): GeneratePriorOptions {
  const selection = selectionFromFlags(flags.classes, flags);
  const descriptions =
    flags.descriptions === undefined
      ? undefined
      : loadDescriptions(flags.descriptions, selection.names, flags.descriptionsKey);
  const classes = selectClasses(selection.names, { candidates: selection.candidates, descriptions });
  return {
    model: flags.model,
    baseURL: flags.baseUrl,
    apiKey: flags.apiKey,
    env: run.env,
    classes,
    kind: selection.kind,
    numClasses: classes.length,
    split: selection.split,
    dataset: selection.dataset,
    out: flags.out,
    overwrite: flags.overwrite,
    samples: flags.samples,
    useN: flags.useN,
    temperature: flags.temperature,
    concurrency: flags.concurrency,
    timeoutMs: flags.timeout,
    maxInvalidAnswers: flags.maxInvalid,
    maxTokens: flags.maxTokens,
    responseFormat: flags.responseFormat,
    prompt: flags.prompt,
    seed: flags.seed,
    date: flags.date,
    retry: { maxRetries: flags.maxRetries, baseDelayMs: flags.retryBase, maxDelayMs: flags.retryMax },
    signal: run.signal,
  };
}

/** Where progress lines go: a stream's `write` and whether it is a terminal. */
export interface ProgressStream {
  write(text: string): unknown;
  readonly isTTY?: boolean | undefined;
}

/**
 * A generate run's hooks, reporting on `stream` (stderr): progress on one
 * rewritten line on a terminal, else a line per class; retries, response
 * format fallbacks and bad answers on lines of their own. `out` is the
 * prior file, named where classes are resumed from it.
 */
export function generateProgressHooks(stream: ProgressStream, out: string): GenerateHooks {
  const tty = stream.isTTY === true;
  const say = (line: string) => stream.write(`${tty ? "\n" : ""}prior: ${line}\n`);
  return {
    onProgress: (p) => {
      const what =
        p.name === undefined ? (p.resumed > 0 ? ` (${p.resumed} from ${out})` : "") : ` — ${p.name}`;
      stream.write(
        `${tty ? "\r\x1b[K" : ""}prior: ${p.done}/${p.total} classes done${what}${tty ? "" : "\n"}`,
      );
    },
    onRetry: (e) => say(`${e.label}: retry ${e.attempt} in ${Math.round(e.delayMs)} ms (${e.reason})`),
    onFormatFallback: (e) => say(`the server refused response_format ${e.from}; using ${e.to}`),
    onInvalidAnswer: (e) =>
      say(`class ${e.index} "${e.name}": bad answer (${e.field}: ${e.message}); asking again`),
  };
}

/** The flags of `validate`. */
export interface ValidateFlags {
  readonly numClasses?: number | undefined;
  readonly complete?: boolean | undefined;
}

/** What `validate` found in one prior (it throws at the first problem), as `--json` prints it. */
export interface PriorValidation {
  readonly file: string;
  readonly kind: Prior["kind"];
  readonly numClasses: number;
  /** Classes with importances. */
  readonly present: number;
  /** Classes without. */
  readonly missing: readonly number[];
}

/** `validate` for one argument (a prior file or a shipped id): loads and checks it (`checkPrior`). */
export function priorValidation(file: string, flags: ValidateFlags): PriorValidation {
  const { prior, present, missing } = checkPrior(resolvePrior(file).prior, file, flags);
  return { file, kind: prior.kind, numClasses: prior.numClasses, present, missing };
}

/**
 * `validate` for one argument, as the line that says it is fine; a bad
 * prior throws the typed error naming the file.
 */
export function validatePriorFile(file: string, flags: ValidateFlags): string {
  return priorValidationText(priorValidation(file, flags));
}

/** The line `validate` prints for a prior that passed. */
export function priorValidationText(found: PriorValidation): string {
  const { file, kind, numClasses, present, missing } = found;
  return (
    `ok ${file}: ${kind} prior, ${numClasses} classes, ${present} with importances` +
    `${missing.length > 0 ? ` (missing ${missing.join(", ")})` : ""}`
  );
}

/** The flags of `uniform`. */
export interface UniformFlags extends SelectionFlags {
  /** The class-names file (instead of `numClasses`). */
  readonly classes?: string | undefined;
  readonly numClasses?: number | undefined;
  /** γ of every class. */
  readonly gamma: number;
}

/**
 * The no-LLM baseline `uniform` writes: for the classes a classes file and
 * the selection flags name (names, split and dataset kept), else for
 * `numClasses` classes (with `split` recorded when given). Neither is a
 * ValueError naming `--num-classes`.
 */
export function uniformPriorFromFlags(flags: UniformFlags): Prior {
  if (flags.classes !== undefined)
    return uniformPriorFor(selectionFromFlags(flags.classes, flags), flags.gamma);
  if (flags.numClasses !== undefined)
    return {
      ...uniformPrior(flags.numClasses, flags.gamma),
      ...(flags.split !== undefined ? { split: flags.split } : {}),
    };
  throw new ValueError("give --num-classes N or --classes FILE", { field: "--num-classes" });
}
