import { ValueError } from "@skeleton-cache/errors";
import { backoffDelay, parseRetryAfter, sleep } from "@skeleton-cache/retry";
import { type Random, seededRandom } from "@skeleton-cache/tensor";
import OpenAI, { APIConnectionError, APIError, APIUserAbortError } from "openai";
import { answerJsonSchema } from "./answer.js";
import { ENDPOINT_DEFAULTS, OPENAI_BASE_URL } from "./defaults.js";
import { PriorGenerationError } from "./errors.js";
import { DEFAULT_RETRY_POLICY, type RetryPolicy } from "./retry.js";

/** How the answer format is requested: a strict JSON schema, JSON mode, or plain text (JSON extracted). */
export type ResponseFormatMode = "json_schema" | "json_object" | "text";

/** Where and how to ask. */
export interface EndpointOptions {
  /** Model name as the server knows it (required). */
  readonly model: string;
  /** OpenAI-compatible base URL, e.g. http://127.0.0.1:8000/v1 (default: the OpenAI API). */
  readonly baseURL?: string | undefined;
  /** API key (default: env OPENAI_API_KEY; local servers need none). Never written anywhere. */
  readonly apiKey?: string | undefined;
  /** Sampling temperature (default 0.7 when samples > 1, else 0). */
  readonly temperature?: number | undefined;
  /** Per-request timeout in ms (default 60 000). */
  readonly timeoutMs?: number | undefined;
  /** Upper bound on answer tokens (default 400). */
  readonly maxTokens?: number | undefined;
  /** "auto" (default) starts with json_schema and falls back to json_object, then text, on a 400 about response_format. */
  readonly responseFormat?: "auto" | ResponseFormatMode | undefined;
  /** Retry policy for 429 / 5xx / timeouts / connection errors. */
  readonly retry?: Partial<RetryPolicy> | undefined;
  /** Seed of the backoff jitter (default 0). */
  readonly seed?: number | undefined;
  /** Environment to read OPENAI_API_KEY from (default process.env). */
  readonly env?: Readonly<Record<string, string | undefined>> | undefined;
}

/** Reported before each retry. */
export interface RetryEvent {
  readonly label: string;
  readonly attempt: number;
  readonly delayMs: number;
  readonly reason: string;
}

/** Reported when the endpoint rejects a response format and the next one is tried. */
export interface FormatFallbackEvent {
  readonly from: ResponseFormatMode;
  readonly to: ResponseFormatMode;
  readonly reason: string;
}

export interface CompletionRequest {
  readonly messages: readonly { role: "system" | "user"; content: string }[];
  /** Choices to ask for in one request (the `n` parameter; default 1). */
  readonly n?: number | undefined;
  /** What is asked, for messages (e.g. `class 3 "clapping"`). */
  readonly label: string;
  readonly signal?: AbortSignal | undefined;
}

export { ENDPOINT_DEFAULTS, OPENAI_BASE_URL };

const FORMAT_ORDER: readonly ResponseFormatMode[] = ["json_schema", "json_object", "text"];

/** Host (and port) of a base URL, without credentials: what provenance records. */
export function endpointHost(baseURL: string): string {
  try {
    return new URL(baseURL).host;
  } catch {
    throw new ValueError(`base URL ${JSON.stringify(baseURL)} is not a URL`, {
      field: "baseURL",
      value: baseURL,
    });
  }
}

function errorText(error: unknown): string {
  if (error instanceof Error) return error.message;
  return String(error);
}

/**
 * One OpenAI-compatible chat-completions endpoint with retries, a
 * per-request timeout and response-format fallback. The SDK's own retries
 * are off: this class owns them (seeded jitter, `retry-after` honoured up to
 * a bound, waits that an abort cuts short, each retry reported); retry.ts
 * says why the SDK's cannot do this.
 */
export class ChatEndpoint {
  readonly model: string;
  readonly baseURL: string;
  readonly host: string;
  readonly temperature: number | undefined;
  readonly timeoutMs: number;
  readonly maxTokens: number;
  readonly policy: RetryPolicy;
  private readonly client: OpenAI;
  private readonly random: Random;
  private readonly fixedFormat: boolean;
  private formatMode: ResponseFormatMode;
  onRetry: ((event: RetryEvent) => void) | undefined;
  onFormatFallback: ((event: FormatFallbackEvent) => void) | undefined;

  constructor(options: EndpointOptions) {
    if (typeof options.model !== "string" || options.model.trim() === "") {
      throw new ValueError("no model given: set the model (--model NAME)", {
        field: "model",
        value: options.model,
      });
    }
    const env = options.env ?? process.env;
    this.baseURL = options.baseURL ?? env.OPENAI_BASE_URL ?? OPENAI_BASE_URL;
    this.host = endpointHost(this.baseURL);
    const apiKey = options.apiKey ?? env.OPENAI_API_KEY;
    if (!apiKey && this.host === "api.openai.com") {
      throw new ValueError("no API key for api.openai.com: set OPENAI_API_KEY (or --api-key)", {
        field: "OPENAI_API_KEY",
      });
    }
    if (options.temperature !== undefined && !(options.temperature >= 0 && options.temperature <= 2)) {
      throw new ValueError(`temperature must be in [0, 2], got ${options.temperature}`, {
        field: "temperature",
        value: options.temperature,
      });
    }
    this.model = options.model;
    this.temperature = options.temperature;
    this.timeoutMs = options.timeoutMs ?? ENDPOINT_DEFAULTS.timeoutMs;
    this.maxTokens = options.maxTokens ?? ENDPOINT_DEFAULTS.maxTokens;
    for (const [field, value] of [
      ["timeoutMs", this.timeoutMs],
      ["maxTokens", this.maxTokens],
    ] as const) {
      if (!(Number.isFinite(value) && value > 0)) {
        throw new ValueError(`${field} must be a positive number, got ${value}`, { field, value });
      }
    }
    this.policy = { ...DEFAULT_RETRY_POLICY, ...options.retry };
    if (!(Number.isInteger(this.policy.maxRetries) && this.policy.maxRetries >= 0)) {
      throw new ValueError(`maxRetries must be a non-negative integer, got ${this.policy.maxRetries}`, {
        field: "maxRetries",
        value: this.policy.maxRetries,
      });
    }
    const format = options.responseFormat ?? ENDPOINT_DEFAULTS.responseFormat;
    if (format !== "auto" && !FORMAT_ORDER.includes(format)) {
      throw new ValueError(`response format must be auto, json_schema, json_object or text, got ${format}`, {
        field: "responseFormat",
        value: format,
      });
    }
    this.fixedFormat = format !== "auto";
    this.formatMode = format === "auto" ? "json_schema" : format;
    this.random = seededRandom(options.seed ?? ENDPOINT_DEFAULTS.seed);
    // Local servers ignore the key, but the SDK insists on one.
    this.client = new OpenAI({ baseURL: this.baseURL, apiKey: apiKey || "unused", maxRetries: 0 });
  }

  /** The response format now in use (after any fallback). */
  get responseFormat(): ResponseFormatMode {
    return this.formatMode;
  }

  private responseFormatParam(): OpenAI.Chat.Completions.ChatCompletionCreateParams["response_format"] {
    if (this.formatMode === "json_schema") {
      return {
        type: "json_schema",
        json_schema: { name: "class_prior", strict: true, schema: answerJsonSchema() },
      };
    }
    if (this.formatMode === "json_object") return { type: "json_object" };
    return undefined;
  }

  /**
   * Sends one chat completion and returns the text of each choice (null for
   * a choice without text, e.g. a refusal). Retries 429 / 408 / 409 / 5xx,
   * timeouts and connection errors with backoff; falls back to a simpler
   * response format on a 400 about it. Throws PriorGenerationError when the
   * retries are spent, ValueError for a configuration error (401, 403, 404,
   * other 4xx), and the signal's reason when aborted.
   */
  async complete(request: CompletionRequest): Promise<(string | null)[]> {
    for (let attempt = 0; ; attempt++) {
      const mode = this.formatMode;
      const timeout = AbortSignal.timeout(this.timeoutMs);
      const signal = request.signal ? AbortSignal.any([request.signal, timeout]) : timeout;
      const responseFormat = this.responseFormatParam();
      let failure: string;
      let retryAfterMs: number | undefined;
      try {
        const completion = await this.client.chat.completions.create(
          {
            model: this.model,
            messages: request.messages.map((m) => ({ role: m.role, content: m.content })),
            ...(this.temperature !== undefined ? { temperature: this.temperature } : {}),
            ...(request.n !== undefined && request.n !== 1 ? { n: request.n } : {}),
            max_tokens: this.maxTokens,
            ...(responseFormat ? { response_format: responseFormat } : {}),
          },
          { signal, maxRetries: 0 },
        );
        return (completion.choices ?? []).map((choice) => choice.message?.content ?? null);
      } catch (error) {
        if (request.signal?.aborted) throw request.signal.reason;
        if (timeout.aborted || (error instanceof APIUserAbortError && timeout.aborted)) {
          failure = `no answer within ${this.timeoutMs} ms`;
        } else if (error instanceof APIError && error.status !== undefined) {
          const status = error.status;
          const text = errorText(error);
          if (
            (status === 400 || status === 422) &&
            /response_format|json_schema|json_object|structured|grammar/i.test(text) &&
            !this.fixedFormat
          ) {
            const next = FORMAT_ORDER[FORMAT_ORDER.indexOf(mode) + 1];
            if (next !== undefined) {
              if (this.formatMode === mode) {
                this.formatMode = next;
                this.onFormatFallback?.({ from: mode, to: next, reason: text });
              }
              attempt--; // a format fallback is not a failed try
              continue;
            }
          }
          if (status === 429 || status === 408 || status === 409 || status >= 500) {
            failure = `HTTP ${status}: ${text}`;
            retryAfterMs = parseRetryAfter(error.headers);
          } else {
            const field =
              status === 401 || status === 403 ? "apiKey" : status === 404 ? "model / baseURL" : "request";
            throw new ValueError(
              `${this.host} refused the request for ${request.label} (HTTP ${status}): ${text}` +
                (status === 404
                  ? ` — check the model name "${this.model}" and the base URL ${this.baseURL}`
                  : ""),
              { field, value: status },
            );
          }
        } else if (error instanceof APIConnectionError) {
          failure = `cannot reach ${this.baseURL}: ${errorText(error.cause ?? error)}`;
        } else {
          throw error;
        }
      }
      if (attempt >= this.policy.maxRetries) {
        throw new PriorGenerationError(
          "E_LLM_REQUEST",
          `${request.label}: request failed after ${attempt + 1} tries; last: ${failure}`,
          { field: request.label, value: failure },
        );
      }
      const delayMs =
        retryAfterMs !== undefined
          ? Math.min(retryAfterMs, this.policy.maxRetryAfterMs)
          : backoffDelay(attempt, this.policy, this.random);
      this.onRetry?.({ label: request.label, attempt: attempt + 1, delayMs, reason: failure });
      await sleep(delayMs, request.signal);
    }
  }
}
