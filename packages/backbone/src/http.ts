/**
 * The "http" adapter: a backbone served by another process (a Python model
 * server, a GPU box) speaking a small protocol — `GET /info` (JSON),
 * `POST /encode` (body: the batch as `.npy`; reply: logits + features as
 * `.npz`). The protocol is specified in this package's README.
 *
 * Rate limits (429), server errors (5xx), timeouts and dropped or refused
 * connections are retried with capped exponential backoff and full jitter,
 * honouring a `Retry-After`, up to `retry.attempts` tries in all; other 4xx
 * are the server refusing our input and are never retried. `/encode` is a
 * pure function of its body, so repeating a POST is safe.
 */
import { PreprocessingSchema } from "@skeleton-cache/datasets";
import { FormatError, ShapeError, ValueError, zodIssueError } from "@skeleton-cache/errors";
import { encodeNpy, type NpyArray, parseNpz, toFloat32 } from "@skeleton-cache/formats";
import { backoffDelay, parseRetryAfter, sleep } from "@skeleton-cache/retry";
import { assertFinite, formatShape, type Random, type Tensor } from "@skeleton-cache/tensor";
import { z } from "zod";
import { type BackboneAdapter, parseBackboneConfig } from "./adapter.js";
import {
  allClasses,
  type Backbone,
  type BackboneBatch,
  type BackboneOutput,
  checkCandidateClasses,
  encodeDataset,
  selectColumns,
  stackSamples,
} from "./backbone.js";

/** The `protocol` tag a server's `/info` must carry. */
export const HTTP_BACKBONE_PROTOCOL = "skeleton-cache.http-backbone/1";

/** `retry` of the http adapter's config: how 429, 5xx, timeouts and connection errors are retried. */
export const HttpRetrySchema = z
  .strictObject({
    /** Tries in all, the first included (default 7); 1 turns retrying off. */
    attempts: z.number().int().min(1).default(7),
    /** Backoff bound of the first retry in ms (default 500); it doubles on each retry. */
    baseDelayMs: z.number().int().nonnegative().default(500),
    /** Upper bound of a backoff delay in ms (default 30 000). */
    maxDelayMs: z.number().int().nonnegative().default(30_000),
    /** Upper bound of a server's `Retry-After` that is honoured, in ms (default 120 000). */
    maxRetryAfterMs: z.number().int().nonnegative().default(120_000),
  })
  .refine((retry) => retry.maxDelayMs >= retry.baseDelayMs, {
    path: ["maxDelayMs"],
    message: "must be at least retry.baseDelayMs",
  })
  .prefault({});

export type HttpRetryConfig = z.input<typeof HttpRetrySchema>;

/** Config of `createBackbone("http", config)`. */
export const HttpBackboneConfigSchema = z.strictObject({
  /** Base URL of the server, e.g. "http://127.0.0.1:8765" (endpoints `/info`, `/encode` below it). */
  url: z.url({ protocol: /^https?$/ }),
  /** 0-based class ids, strictly ascending; default every class the server reports. */
  candidateClasses: z.array(z.number().int().nonnegative()).optional(),
  /** Samples per `/encode` request in `encodeAll` (default 16). */
  batchSize: z.number().int().positive().default(16),
  /** Per-request time limit in milliseconds (default 60 000); each try gets its own. */
  timeoutMs: z.number().int().positive().default(60_000),
  /** Extra request headers (e.g. an authorization token). */
  headers: z.record(z.string(), z.string()).optional(),
  /** Retries of 429, 5xx, timeouts and connection errors. */
  retry: HttpRetrySchema,
});

export type HttpBackboneConfig = z.input<typeof HttpBackboneConfigSchema>;

/** What `GET /info` answers. */
export const HttpBackboneInfoSchema = z.looseObject({
  protocol: z.literal(HTTP_BACKBONE_PROTOCOL),
  /** The model's name, recorded in bundles. */
  name: z.string().min(1),
  /** K: columns of the logits `/encode` returns. */
  classes: z.number().int().positive(),
  /** The input the model takes (N, 3, T, V, M), where fixed. */
  input: z
    .strictObject({
      frames: z.number().int().positive().optional(),
      joints: z.number().int().positive().optional(),
      persons: z.number().int().positive().optional(),
    })
    .optional(),
  /** The preprocessing the model expects (same fields as an ONNX adapter config's). */
  preprocessing: PreprocessingSchema.optional(),
  /** sha256 of the model's weights, for provenance. */
  sha256: z.string().optional(),
});

export type HttpBackboneInfo = z.infer<typeof HttpBackboneInfoSchema>;

/**
 * A server that failed, timed out or could not be reached (exit code 1: not
 * the user's input): `status` is the last reply's (undefined after a timeout
 * or a connection error), `attempts` the tries made.
 */
export class HttpBackboneError extends Error {
  readonly attempts: number;

  constructor(
    message: string,
    readonly url: string,
    readonly status?: number,
    options?: { cause?: unknown; attempts?: number },
  ) {
    super(message, options);
    this.name = "HttpBackboneError";
    this.attempts = options?.attempts ?? 1;
  }
}

/** Reported before each retry. */
export interface HttpRetryEvent {
  readonly url: string;
  /** The try that failed (1-based). */
  readonly attempt: number;
  /** The wait before the next try, in ms. */
  readonly delayMs: number;
  /** What failed: the status and the server's message, the timeout, or the connection error. */
  readonly reason: string;
  /** The reply's status (undefined after a timeout or a connection error). */
  readonly status?: number;
}

/** What `createHttpBackbone` takes besides the config: the retry loop's clock, waits, randomness and report. */
export interface HttpBackboneHooks {
  /** The wait before a retry (default: a timer). */
  sleep?(ms: number): Promise<void>;
  /** Milliseconds since the epoch, to read a `Retry-After` HTTP date (default Date.now). */
  now?(): number;
  /** The backoff jitter's uniform draws in [0, 1) (default Math.random: it spreads workers apart and never changes an output). */
  random?: Pick<Random, "next">;
  /** Called before each retry. */
  onRetry?(event: HttpRetryEvent): void;
}

/** The http adapter: a Backbone over skeleton samples (3, T, V, M). */
export interface HttpBackbone extends Backbone<Tensor> {
  readonly url: string;
  readonly info: HttpBackboneInfo;
  /** Encodes a stacked batch x (N, 3, T, V, M) with one request. */
  run(x: Tensor): Promise<BackboneOutput>;
}

function endpoint(base: string, name: string): string {
  return `${base.replace(/\/+$/, "")}/${name}`;
}

type HttpConfig = z.output<typeof HttpBackboneConfigSchema>;

interface Reply {
  status: number;
  headers: Headers;
  body: Uint8Array;
}

/** Error codes of a connection that was refused, reset, dropped or timed out (node:net and undici). */
const TRANSIENT_CODES = new Set([
  "ECONNREFUSED",
  "ECONNRESET",
  "ECONNABORTED",
  "EPIPE",
  "ETIMEDOUT",
  "EHOSTUNREACH",
  "ENETUNREACH",
  "ENETDOWN",
  "EAI_AGAIN",
  "UND_ERR_SOCKET",
  "UND_ERR_CLOSED",
  "UND_ERR_CONNECT_TIMEOUT",
  "UND_ERR_HEADERS_TIMEOUT",
  "UND_ERR_BODY_TIMEOUT",
]);

/** The first error code along a fetch error's cause chain. */
function errorCode(error: unknown): string | undefined {
  for (let e = error as { code?: unknown; cause?: unknown } | undefined, depth = 0; e && depth < 4; depth++) {
    if (typeof e.code === "string") return e.code;
    e = e.cause as typeof e;
  }
  return undefined;
}

/** One try: a reply of any status, or why there was none (and whether trying again may help). */
async function attempt(
  url: string,
  init: RequestInit,
  timeoutMs: number,
): Promise<{ reply: Reply } | { reason: string; transient: boolean; error: unknown }> {
  try {
    const response = await fetch(url, { ...init, signal: AbortSignal.timeout(timeoutMs) });
    const body = new Uint8Array(await response.arrayBuffer());
    return {
      reply: { status: response.status, headers: response.headers, body },
    };
  } catch (error) {
    if ((error as Error).name === "TimeoutError") {
      return { reason: `no reply within ${timeoutMs} ms (config timeoutMs)`, transient: true, error };
    }
    const cause = (error as { cause?: Error }).cause;
    const code = errorCode(error);
    const detail = cause ? cause.message || code || String(cause) : undefined;
    return {
      reason: `${(error as Error).message}${detail ? ` (${detail})` : ""}`,
      transient: code !== undefined && TRANSIENT_CODES.has(code),
      error,
    };
  }
}

/** The server's message of a non-2xx reply: its `{"error": ...}`, or its text. */
function replyMessage(status: number, body: Uint8Array): string {
  const text = new TextDecoder().decode(body).trim();
  let message = text.slice(0, 500);
  try {
    const parsed = JSON.parse(text) as { error?: unknown };
    if (typeof parsed.error === "string") message = parsed.error;
  } catch {
    // not JSON: keep the text
  }
  return `the server answered ${status}: ${message || "(empty body)"}`;
}

/** Rate limits and server errors may pass; any other 4xx is the server refusing our input. */
function transientStatus(status: number): boolean {
  return status === 429 || status >= 500;
}

/**
 * A request with retries: returns the first 200 reply. 429, 5xx, timeouts
 * and connection errors are tried again, up to `retry.attempts` tries, after
 * the server's `Retry-After` (at most `retry.maxRetryAfterMs`) or else a
 * full-jitter backoff: uniform over [0, min(maxDelayMs, baseDelayMs · 2^r)]
 * before retry r. Another 4xx is a ValueError at once; the last failure is an
 * HttpBackboneError naming the URL, the tries and the last status or error.
 */
async function request(url: string, init: RequestInit, config: HttpConfig, hooks: HttpBackboneHooks) {
  const { retry } = config;
  const backoff = { baseDelayMs: retry.baseDelayMs, maxDelayMs: retry.maxDelayMs, jitter: "full" } as const;
  const random = hooks.random ?? { next: Math.random };
  for (let tries = 1; ; tries++) {
    const outcome = await attempt(url, init, config.timeoutMs);
    let reason: string;
    let status: number | undefined;
    let retryAfterMs: number | undefined;
    let transient: boolean;
    let cause: unknown;
    if ("reply" in outcome) {
      const { reply } = outcome;
      if (reply.status === 200) return reply;
      status = reply.status;
      reason = replyMessage(status, reply.body);
      if (status >= 400 && status < 500 && status !== 429) {
        throw new ValueError(`http backbone ${url}: ${reason}`, {
          file: url,
          field: "status",
          value: status,
        });
      }
      transient = transientStatus(status);
      retryAfterMs = parseRetryAfter(reply.headers, (hooks.now ?? Date.now)());
    } else {
      ({ reason, transient, error: cause } = outcome);
    }
    if (!transient || tries >= retry.attempts) {
      const message = `http backbone ${url}: ${reason}${transient ? gaveUp(tries) : ""}`;
      throw new HttpBackboneError(message, url, status, {
        ...(cause !== undefined ? { cause } : {}),
        attempts: tries,
      });
    }
    const delayMs =
      retryAfterMs !== undefined
        ? Math.min(retryAfterMs, retry.maxRetryAfterMs)
        : backoffDelay(tries - 1, backoff, random);
    hooks.onRetry?.({ url, attempt: tries, delayMs, reason, ...(status !== undefined ? { status } : {}) });
    await (hooks.sleep ?? sleep)(delayMs);
  }
}

/** How a final error counts the tries (nothing to add after a single one). */
function gaveUp(tries: number): string {
  return tries > 1 ? ` — gave up after ${tries} attempts (config retry.attempts)` : "";
}

async function fetchInfo(base: string, config: HttpConfig, hooks: HttpBackboneHooks) {
  const url = endpoint(base, "info");
  const reply = await request(
    url,
    { headers: { accept: "application/json", ...config.headers } },
    config,
    hooks,
  );
  let value: unknown;
  try {
    value = JSON.parse(new TextDecoder().decode(reply.body));
  } catch (error) {
    throw new FormatError(`${url}: not JSON (${(error as Error).message})`, { file: url });
  }
  const parsed = HttpBackboneInfoSchema.safeParse(value);
  if (!parsed.success)
    throw zodIssueError(parsed.error, {
      input: value,
      file: url,
      kind: "format",
      message: (issue) => `${url}: ${issue.field}: ${issue.reason} (protocol ${HTTP_BACKBONE_PROTOCOL})`,
    });
  return parsed.data;
}

function replyArray(arrays: Map<string, NpyArray>, name: string, rank: number, url: string): Tensor {
  const array = arrays.get(name);
  if (!array) {
    throw new FormatError(
      `${url}: the reply has no "${name}" array (it has ${[...arrays.keys()].join(", ")})`,
      {
        file: url,
        field: name,
      },
    );
  }
  if (array.shape.length !== rank) {
    throw new ShapeError(`${url}: "${name}" has shape ${formatShape(array.shape)}; expected rank ${rank}`, {
      file: url,
      field: name,
      value: [...array.shape],
    });
  }
  const tensor = { data: toFloat32(array, url), shape: [...array.shape] };
  assertFinite(tensor.data, name, tensor.shape, url);
  return tensor;
}

/** Connects to a server (its `/info` is read and checked now) and returns the backbone. */
async function connect(config: HttpConfig, hooks: HttpBackboneHooks = {}): Promise<HttpBackbone> {
  const base = config.url;
  const info = await fetchInfo(base, config, hooks);
  const candidateClasses = checkCandidateClasses(
    config.candidateClasses ?? allClasses(info.classes),
    info.classes,
    `candidate classes for ${base}`,
  );
  const encodeUrl = endpoint(base, "encode");
  let closed = false;

  async function run(x: Tensor): Promise<BackboneOutput> {
    if (closed) throw new ValueError(`http backbone ${base} is closed`, { file: base });
    const samples = x.shape[0]!;
    const reply = await request(
      encodeUrl,
      {
        method: "POST",
        headers: { "content-type": "application/x-npy", accept: "application/x-npz", ...config.headers },
        body: encodeNpy(x.data, x.shape, "f4"),
      },
      config,
      hooks,
    );
    const arrays = parseNpz(reply.body, encodeUrl);
    const logits = replyArray(arrays, "logits", 2, encodeUrl);
    const features = replyArray(arrays, "features", 4, encodeUrl);
    if (logits.shape[0] !== samples || logits.shape[1] !== info.classes || features.shape[0] !== samples) {
      throw new ShapeError(
        `${encodeUrl}: logits ${formatShape(logits.shape)} and features ${formatShape(features.shape)} for a batch of ${samples}; expected (${samples}, ${info.classes}) and (${samples}, C, T, V)`,
        { file: encodeUrl, field: "logits", value: [...logits.shape], expected: [samples, info.classes] },
      );
    }
    return { logits: selectColumns(logits, candidateClasses), features };
  }

  const backbone: HttpBackbone = {
    name: "http",
    url: base,
    info,
    candidateClasses,
    batchSize: config.batchSize,
    preprocessing: {
      ...(info.input?.frames !== undefined ? { frames: info.input.frames } : {}),
      ...(info.input?.persons !== undefined ? { bodies: info.input.persons } : {}),
      ...info.preprocessing,
    },
    model: { name: info.name, location: base, ...(info.sha256 ? { sha256: info.sha256 } : {}) },
    run,
    encode: (batch) => run(stackSamples(batch, `http backbone ${base}`)),
    encodeAll: (samples): AsyncGenerator<BackboneBatch> => encodeDataset(backbone, samples),
    async close() {
      closed = true;
    },
  };
  return backbone;
}

/** The "http" adapter. */
export const httpAdapter: BackboneAdapter<typeof HttpBackboneConfigSchema, Tensor> = {
  name: "http",
  description: "a backbone served over HTTP (GET /info, POST /encode: .npy in, .npz out)",
  configSchema: HttpBackboneConfigSchema,
  origin: "@skeleton-cache/backbone",
  create: (config) => connect(config),
};

/**
 * `createBackbone("http", config)` with the config checked and typed; `hooks`
 * replace the retry loop's timer, clock and randomness (tests) and report
 * each retry.
 */
export async function createHttpBackbone(
  config: HttpBackboneConfig,
  hooks: HttpBackboneHooks = {},
): Promise<HttpBackbone> {
  return connect(parseBackboneConfig(httpAdapter, config), hooks);
}
