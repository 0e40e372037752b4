import { createHash, type Hash } from "node:crypto";
import fs from "node:fs";
import { describeValue, InterruptedError, ValueError } from "@skeleton-cache/errors";
import {
  type ClassImportance,
  type ClassSpread,
  loadPrior,
  type Prior,
  type PriorProvenance,
  priorToJson,
} from "@skeleton-cache/prior";
import pLimit from "p-limit";
import { type ClassAnswer, checkAnswer } from "./answer.js";
import type { ClassSpec } from "./classes.js";
import { GENERATE_DEFAULTS } from "./defaults.js";
import {
  ChatEndpoint,
  type EndpointOptions,
  type FormatFallbackEvent,
  type ResponseFormatMode,
  type RetryEvent,
} from "./endpoint.js";
import { PriorGenerationError } from "./errors.js";
import { loadPromptTemplates, type PromptTemplates, renderMessages } from "./prompt.js";
import { CoalescingWriter } from "./writer.js";

/** Everything `generatePrior` needs. */
export interface GeneratePriorOptions extends EndpointOptions {
  /** The classes to ask about (see `selectClasses`); their `index` is the key in the file. */
  readonly classes: readonly ClassSpec[];
  /** "split": keys are candidate indices; "dataset": keys are dataset class indices. */
  readonly kind: "split" | "dataset";
  /** Number of classes in the file (default: the largest index + 1). */
  readonly numClasses?: number | undefined;
  readonly split?: string | undefined;
  readonly dataset?: string | undefined;
  /** Output file. Each finished class is saved at once (atomic rewrite); an existing file is resumed. */
  readonly out?: string | undefined;
  /** Answers per class for self-consistency (default 1); the mean is kept, the spread recorded. */
  readonly samples?: number | undefined;
  /** Ask for all samples in one request with the `n` parameter (default: one request per sample). */
  readonly useN?: boolean | undefined;
  /** Classes asked at once (default 4). */
  readonly concurrency?: number | undefined;
  /** Schema-violating answers tolerated per class before giving up (default 2). */
  readonly maxInvalidAnswers?: number | undefined;
  /** Prompt templates, or a directory holding system.md and user.md (default: the built-in v1). */
  readonly prompt?: PromptTemplates | string | undefined;
  /** Start afresh when `out` exists instead of resuming it (default false). */
  readonly overwrite?: boolean | undefined;
  /** Date for the provenance (default: today, YYYY-MM-DD). */
  readonly date?: string | undefined;
  /** Aborts the run: no new class starts, requests in flight are cancelled; finished classes stay saved. */
  readonly signal?: AbortSignal | undefined;
}

export { GENERATE_DEFAULTS };

/** Progress after each class. */
export interface GenerateProgress {
  /** Classes with importances now (resumed ones included). */
  readonly done: number;
  readonly total: number;
  /** Classes taken from an existing file instead of asked. */
  readonly resumed: number;
  /** The class just finished (absent in the first report). */
  readonly index?: number;
  readonly name?: string;
}

/** A rejected answer, reported before it is asked again. */
export interface InvalidAnswerEvent {
  readonly index: number;
  readonly name: string;
  readonly field: string;
  readonly value: unknown;
  readonly message: string;
}

export interface GenerateHooks {
  onProgress?(progress: GenerateProgress): void;
  onRetry?(event: RetryEvent): void;
  onFormatFallback?(event: FormatFallbackEvent): void;
  onInvalidAnswer?(event: InvalidAnswerEvent): void;
}

export interface GeneratePriorResult {
  readonly prior: Prior;
  /** Classes asked in this run. */
  readonly asked: number;
  /** Classes taken from the existing file. */
  readonly resumed: number;
  /** Chat-completion requests that returned an answer (valid or not). */
  readonly requests: number;
  /** The response format in use at the end (after any fallback). */
  readonly responseFormat: ResponseFormatMode;
}

function today(): string {
  return new Date().toISOString().slice(0, 10);
}

const round6 = (v: number): number => Math.round(v * 1e6) / 1e6;

/**
 * Rounds importances to 6 decimals so that they still sum to exactly 1 in
 * units of 1e-6 (the residual goes to the largest component). Saving,
 * loading (which ℓ1-normalises) and saving again then gives the same bytes.
 */
export function roundToSimplex(values: readonly number[]): number[] {
  const units = values.map((v) => Math.round(v * 1e6));
  let total = 0;
  let largest = 0;
  for (let component = 0; component < units.length; component++) {
    total += units[component]!;
    if (units[component]! > units[largest]!) largest = component;
  }
  units[largest]! += 1e6 - total;
  return units.map((u) => u / 1e6);
}

/**
 * Self-consistency: the mean of the n normalised answers per component and
 * the sample standard deviation (n − 1 in the denominator; 0 for n = 1).
 */
export function aggregateAnswers(answers: readonly ClassAnswer[]): {
  importance: ClassImportance;
  spread: ClassSpread;
} {
  const n = answers.length;
  if (n === 0) throw new ValueError("aggregateAnswers: no answers", { field: "answers", value: 0 });
  const stats = (
    pick: (a: ClassAnswer) => readonly number[],
    width: number,
  ): { mean: number[]; sd: number[] } => {
    const mean = new Array<number>(width).fill(0);
    const sd = new Array<number>(width).fill(0);
    for (let component = 0; component < width; component++) {
      let sum = 0;
      for (let sample = 0; sample < n; sample++) sum += pick(answers[sample]!)[component]!;
      const m = sum / n;
      let squares = 0;
      for (let sample = 0; sample < n; sample++) squares += (pick(answers[sample]!)[component]! - m) ** 2;
      mean[component] = m;
      sd[component] = n > 1 ? Math.sqrt(squares / (n - 1)) : 0;
    }
    return { mean, sd };
  };
  const spatial = stats((a) => a.spatial, 4);
  const temporal = stats((a) => a.temporal, 3);
  const gamma = stats((a) => [a.gamma], 1);
  return {
    importance: {
      spatial: roundToSimplex(spatial.mean) as unknown as [number, number, number, number],
      temporal: roundToSimplex(temporal.mean) as unknown as [number, number, number],
      gamma: round6(gamma.mean[0]!),
      given: { spatial: true, temporal: true },
    },
    spread: {
      spatial: spatial.sd.map(round6),
      temporal: temporal.sd.map(round6),
      gamma: round6(gamma.sd[0]!),
      samples: n,
    },
  };
}

function checkPositiveInteger(value: number, field: string): void {
  if (!(Number.isInteger(value) && value > 0)) {
    throw new ValueError(`${field} must be a positive integer, got ${describeValue(value)}`, {
      field,
      value,
    });
  }
}

/** Throws unless an existing file was made by the same request (model, prompt, classes, samples, temperature). */
function checkResumable(existing: Prior, wanted: Prior, file: string): void {
  const mismatch = (field: string, found: unknown, expected: unknown): never => {
    throw new ValueError(
      `${file}: exists but was made with ${field} = ${describeValue(found)}, not ${describeValue(expected)}; ` +
        "resume with the same settings, pass --overwrite to start afresh, or choose another --out",
      { file, field, value: found, expected },
    );
  };
  if (existing.kind !== wanted.kind) mismatch("kind", existing.kind, wanted.kind);
  if (existing.numClasses !== wanted.numClasses)
    mismatch("num_classes", existing.numClasses, wanted.numClasses);
  const a = existing.provenance ?? {};
  const b = wanted.provenance ?? {};
  for (const field of [
    "kind",
    "model",
    "prompt_sha256",
    "rendered_sha256",
    "samples_per_class",
    "temperature",
  ]) {
    if (a[field] !== b[field]) mismatch(`provenance.${field}`, a[field], b[field]);
  }
}

/**
 * Asks an OpenAI-compatible endpoint for the part / phase / γ importances of
 * each class and writes a prior file (the published schema plus
 * provenance and spread). Every finished class is saved at once (an atomic
 * rewrite of the whole file; progress reports a class once it is on disk), so an
 * interrupted run resumes where it stopped and never asks twice for a class
 * the file has. Throws PriorGenerationError when a class cannot be answered
 * (the classes finished before stay saved), ValueError for bad options, and
 * InterruptedError — saying how many classes are saved and how to resume —
 * when `signal` aborts.
 */
export async function generatePrior(
  options: GeneratePriorOptions,
  hooks: GenerateHooks = {},
): Promise<GeneratePriorResult> {
  const run = new PriorRun(options, hooks, checkGenerateOptions(options));
  run.resume();
  const unanswered = run.ordered.filter((spec) => run.importances[spec.index] === null);
  run.reportProgress();
  await run.openWriter(unanswered.length);
  const errors = await askClasses(unanswered, run.settings.concurrency, options.signal, (spec) =>
    run.askClass(spec),
  );
  if (options.signal?.aborted) throw interrupted(run.done, run.ordered.length, options.out);
  if (errors.length > 0) throw errors[0];
  return {
    prior: run.current(),
    asked: unanswered.length,
    resumed: run.resumed,
    requests: run.requests,
    responseFormat: run.endpoint.responseFormat,
  };
}

/** The checked numeric options of a run. */
interface GenerateSettings {
  readonly numClasses: number;
  readonly samples: number;
  readonly concurrency: number;
  readonly maxInvalid: number;
}

function checkGenerateOptions(options: GeneratePriorOptions): GenerateSettings {
  const classes = options.classes;
  if (classes.length === 0) throw new ValueError("no classes to ask about", { field: "classes", value: 0 });
  const numClasses = options.numClasses ?? Math.max(...classes.map((c) => c.index)) + 1;
  checkPositiveInteger(numClasses, "numClasses");
  checkClassIndices(classes, numClasses);
  const samples = options.samples ?? GENERATE_DEFAULTS.samples;
  checkPositiveInteger(samples, "samples");
  const concurrency = options.concurrency ?? GENERATE_DEFAULTS.concurrency;
  checkPositiveInteger(concurrency, "concurrency");
  const maxInvalid = options.maxInvalidAnswers ?? GENERATE_DEFAULTS.maxInvalidAnswers;
  if (!(Number.isInteger(maxInvalid) && maxInvalid >= 0)) {
    throw new ValueError(`maxInvalidAnswers must be a non-negative integer, got ${maxInvalid}`, {
      field: "maxInvalidAnswers",
      value: maxInvalid,
    });
  }
  return { numClasses, samples, concurrency, maxInvalid };
}

/** Class indices are distinct and in 0..numClasses − 1. */
function checkClassIndices(classes: readonly ClassSpec[], numClasses: number): void {
  const seen = new Set<number>();
  for (const spec of classes) {
    if (
      !(Number.isInteger(spec.index) && spec.index >= 0 && spec.index < numClasses) ||
      seen.has(spec.index)
    ) {
      throw new ValueError(
        `class "${spec.name}" has index ${spec.index}: duplicate or outside 0..${numClasses - 1}`,
        {
          field: "classes.index",
          value: spec.index,
        },
      );
    }
    seen.add(spec.index);
  }
}

type Messages = ReturnType<typeof renderMessages>;

/**
 * Renders every prompt up front: a bad template fails before any request, and
 * the hash of all rendered prompts pins what the file was made from.
 */
function renderPrompts(
  ordered: readonly ClassSpec[],
  templates: PromptTemplates,
  dataset: string | undefined,
): { rendered: Map<number, Messages>; renderedHash: Hash } {
  const rendered = new Map<number, Messages>();
  const renderedHash = createHash("sha256");
  for (const spec of ordered) {
    const messages = renderMessages(templates, {
      class_name: spec.name,
      dataset,
      description: spec.description,
    });
    rendered.set(spec.index, messages);
    renderedHash.update(`${spec.index}\0${messages.map((m) => m.content).join("\0")}\0`);
  }
  return { rendered, renderedHash };
}

/**
 * At most `concurrency` classes in flight, started in class order; after a
 * failure or an abort no new class starts and those running finish. Returns
 * the errors, first failure first.
 */
async function askClasses(
  unanswered: readonly ClassSpec[],
  concurrency: number,
  signal: AbortSignal | undefined,
  ask: (spec: ClassSpec) => Promise<void>,
): Promise<unknown[]> {
  const limit = pLimit(concurrency);
  const errors: unknown[] = [];
  let failed = false;
  await Promise.all(
    unanswered.map((spec) =>
      limit(async () => {
        if (failed || signal?.aborted) return;
        try {
          await ask(spec);
        } catch (error) {
          failed = true;
          errors.push(error);
        }
      }),
    ),
  );
  return errors;
}

/** The abort report: how many classes are saved, and how to resume. */
function interrupted(done: number, total: number, out: string | undefined): InterruptedError {
  const where = out === undefined ? "(no output file: nothing saved)" : `saved in ${out}`;
  return new InterruptedError(
    `${done} of ${total} classes ${where}` +
      (out === undefined
        ? ""
        : `; run the same command again to resume (it asks only the ${total - done} missing)`),
    { file: out, field: "classes", value: done, expected: total },
  );
}

/** One generation run: the endpoint, the rendered prompts, and the prior as it fills up. */
class PriorRun {
  readonly endpoint: ChatEndpoint;
  /** The classes in index order. */
  readonly ordered: readonly ClassSpec[];
  readonly importances: (ClassImportance | null)[];
  private readonly spreads: (ClassSpread | null)[];
  private readonly templates: PromptTemplates;
  private readonly temperature: number;
  private readonly rendered: Map<number, Messages>;
  private readonly renderedHash: Hash;
  private readonly classNames: string[] | undefined;
  private date: string;
  private writer: CoalescingWriter | undefined;
  /** Classes taken from an existing file. */
  resumed = 0;
  /** Classes with importances (resumed ones included). */
  done = 0;
  /** Chat-completion requests that returned an answer (valid or not). */
  requests = 0;

  constructor(
    private readonly options: GeneratePriorOptions,
    private readonly hooks: GenerateHooks,
    readonly settings: GenerateSettings,
  ) {
    const { numClasses, samples } = settings;
    this.templates =
      typeof options.prompt === "object" ? options.prompt : loadPromptTemplates(options.prompt ?? undefined);
    this.temperature = options.temperature ?? (samples > 1 ? 0.7 : 0);
    this.endpoint = new ChatEndpoint({ ...options, temperature: this.temperature });
    this.endpoint.onRetry = hooks.onRetry;
    this.endpoint.onFormatFallback = hooks.onFormatFallback;
    this.ordered = [...options.classes].sort((x, y) => x.index - y.index);
    ({ rendered: this.rendered, renderedHash: this.renderedHash } = renderPrompts(
      this.ordered,
      this.templates,
      options.dataset,
    ));
    this.classNames = this.ordered.length === numClasses ? this.ordered.map((spec) => spec.name) : undefined;
    this.importances = new Array(numClasses).fill(null);
    this.spreads = new Array(numClasses).fill(null);
    this.date = options.date ?? today();
  }

  provenance(): PriorProvenance {
    return {
      kind: "llm",
      model: this.endpoint.model,
      endpoint_host: this.endpoint.host,
      prompt_id: this.templates.id,
      prompt_sha256: this.templates.sha256,
      rendered_sha256: this.renderedHash.copy().digest("hex"),
      response_format: this.endpoint.responseFormat,
      temperature: this.temperature,
      samples_per_class: this.settings.samples,
      date: this.date,
      note: "generated by @skeleton-cache/llm-prior",
    };
  }

  /** The prior as it stands: finished classes filled in, the others null. */
  current(): Prior {
    const { options } = this;
    return {
      kind: options.kind,
      numClasses: this.settings.numClasses,
      classes: this.importances,
      ...(this.classNames ? { classNames: this.classNames } : {}),
      ...(options.split !== undefined ? { split: options.split } : {}),
      ...(options.dataset !== undefined ? { dataset: options.dataset } : {}),
      provenance: this.provenance(),
      ...(this.settings.samples > 1 ? { spread: this.spreads } : {}),
    };
  }

  /** Takes the classes an earlier run finished from `out`, unless overwriting. */
  resume(): void {
    const out = this.options.out;
    if (out !== undefined && fs.existsSync(out) && !this.options.overwrite) {
      const existing = loadPrior(out);
      checkResumable(existing, this.current(), out);
      if (typeof existing.provenance?.date === "string" && this.options.date === undefined)
        this.date = existing.provenance.date;
      for (const spec of this.ordered) {
        const entry = existing.classes[spec.index];
        if (entry) {
          this.importances[spec.index] = entry;
          this.spreads[spec.index] = existing.spread?.[spec.index] ?? null;
          this.resumed++;
        }
      }
    }
    this.done = this.resumed;
  }

  reportProgress(spec?: ClassSpec): void {
    const { done, resumed } = this;
    const total = this.ordered.length;
    if (spec === undefined) this.hooks.onProgress?.({ done, total, resumed });
    else this.hooks.onProgress?.({ done, total, resumed, index: spec.index, name: spec.name });
  }

  /** The file format of `savePrior`, written without blocking and coalesced; saved now unless resuming mid-way. */
  async openWriter(unanswered: number): Promise<void> {
    const out = this.options.out;
    if (out === undefined) return;
    this.writer = new CoalescingWriter(
      out,
      () => `${JSON.stringify(priorToJson(this.current()), null, 1)}\n`,
    );
    if (unanswered === 0 || this.resumed === 0) await this.writer.save();
  }

  /** Asks for one class until it has `samples` valid answers, then saves their aggregate. */
  async askClass(spec: ClassSpec): Promise<void> {
    const answers = await this.collectAnswers(spec);
    const { importance, spread } = aggregateAnswers(answers);
    this.importances[spec.index] = importance;
    this.spreads[spec.index] = spread;
    await this.writer?.save();
    this.done++;
    this.reportProgress(spec);
  }

  private async collectAnswers(spec: ClassSpec): Promise<ClassAnswer[]> {
    const { samples } = this.settings;
    const label = `class ${spec.index} "${spec.name}"`;
    const messages = this.rendered.get(spec.index)!;
    const answers: ClassAnswer[] = [];
    let invalid = 0;
    while (answers.length < samples) {
      const want = this.options.useN ? samples - answers.length : 1;
      const texts = await this.endpoint.complete({ messages, n: want, label, signal: this.options.signal });
      this.requests++;
      const got = texts.length === 0 ? [null] : texts.slice(0, want);
      for (const text of got) {
        const check = checkAnswer(text);
        if (check.ok) {
          answers.push(check.answer);
          continue;
        }
        invalid++;
        const { field, value, message } = check.issue;
        if (invalid > this.settings.maxInvalid) {
          throw new PriorGenerationError(
            "E_LLM_ANSWER",
            `${label}: ${invalid} answers broke the answer schema; last: ${field}: ${message}`,
            { field: `${spec.name}.${field}`, value },
          );
        }
        this.hooks.onInvalidAnswer?.({ index: spec.index, name: spec.name, field, value, message });
      }
    }
    return answers;
  }
}
