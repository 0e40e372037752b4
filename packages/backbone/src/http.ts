/**
 * The "http" adapter: a backbone served by another process (a Python model
 * server, a GPU box) speaking a small protocol — `GET /info` (JSON),
 * `POST /encode` (body: the batch as `.npy`; reply: logits + features as
 * `.npz`). The protocol is specified in this package's README.
 */
import { PreprocessingSchema } from "@skeleton-cache/datasets";
import { FormatError, ShapeError, ValueError } from "@skeleton-cache/errors";
import { encodeNpy, type NpyArray, parseNpz, toFloat32 } from "@skeleton-cache/formats";
import { assertFinite, formatShape, type Tensor } from "@skeleton-cache/tensor";
import { z } from "zod";
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
import { type BackboneAdapter, parseBackboneConfig, registerBackbone } from "./registry.js";

/** The `protocol` tag a server's `/info` must carry. */
export const HTTP_BACKBONE_PROTOCOL = "skeleton-cache.http-backbone/1";

/** Config of `createBackbone("http", config)`. */
export const HttpBackboneConfigSchema = z.strictObject({
  /** Base URL of the server, e.g. "http://127.0.0.1:8765" (endpoints `/info`, `/encode` below it). */
  url: z.url({ protocol: /^https?$/ }),
  /** 0-based class ids, strictly ascending; default every class the server reports. */
  candidateClasses: z.array(z.number().int().nonnegative()).optional(),
  /** Samples per `/encode` request in `encodeAll` (default 16). */
  batchSize: z.number().int().positive().default(16),
  /** Per-request time limit in milliseconds (default 60 000). */
  timeoutMs: z.number().int().positive().default(60_000),
  /** Extra request headers (e.g. an authorization token). */
  headers: z.record(z.string(), z.string()).optional(),
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

/** A server that failed, timed out or could not be reached (exit code 1: not the user's input). */
export class HttpBackboneError extends Error {
  constructor(
    message: string,
    readonly url: string,
    readonly status?: number,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = "HttpBackboneError";
  }
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

/** One request; transport failures and timeouts become HttpBackboneError naming the URL. */
async function request(
  url: string,
  init: RequestInit,
  timeoutMs: number,
): Promise<{ status: number; type: string; body: Uint8Array }> {
  let response: Response;
  try {
    response = await fetch(url, { ...init, signal: AbortSignal.timeout(timeoutMs) });
    const body = new Uint8Array(await response.arrayBuffer());
    return { status: response.status, type: response.headers.get("content-type") ?? "", body };
  } catch (error) {
    const timedOut = (error as Error).name === "TimeoutError";
    const reason = timedOut
      ? `no reply within ${timeoutMs} ms (config timeoutMs)`
      : `${(error as Error).message}${(error as { cause?: Error }).cause ? ` (${(error as { cause: Error }).cause.message})` : ""}`;
    throw new HttpBackboneError(`http backbone ${url}: ${reason}`, url, undefined, { cause: error });
  }
}

/** A non-2xx reply: the server's `{"error": ...}` message in ours. 4xx = the server refused our input. */
function replyError(url: string, status: number, body: Uint8Array): Error {
  const text = new TextDecoder().decode(body).trim();
  let message = text.slice(0, 500);
  try {
    const parsed = JSON.parse(text) as { error?: unknown };
    if (typeof parsed.error === "string") message = parsed.error;
  } catch {
    // not JSON: keep the text
  }
  const full = `http backbone ${url}: the server answered ${status}: ${message || "(empty body)"}`;
  if (status >= 400 && status < 500)
    return new ValueError(full, { file: url, field: "status", value: status });
  return new HttpBackboneError(full, url, status);
}

async function fetchInfo(base: string, config: z.output<typeof HttpBackboneConfigSchema>) {
  const url = endpoint(base, "info");
  const reply = await request(
    url,
    { headers: { accept: "application/json", ...config.headers } },
    config.timeoutMs,
  );
  if (reply.status !== 200) throw replyError(url, reply.status, reply.body);
  let value: unknown;
  try {
    value = JSON.parse(new TextDecoder().decode(reply.body));
  } catch (error) {
    throw new FormatError(`${url}: not JSON (${(error as Error).message})`, { file: url });
  }
  const parsed = HttpBackboneInfoSchema.safeParse(value);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    const field = issue.path.join(".") || "(root)";
    throw new FormatError(`${url}: ${field}: ${issue.message} (protocol ${HTTP_BACKBONE_PROTOCOL})`, {
      file: url,
      field,
    });
  }
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
async function connect(config: z.output<typeof HttpBackboneConfigSchema>): Promise<HttpBackbone> {
  const base = config.url;
  const info = await fetchInfo(base, config);
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
      config.timeoutMs,
    );
    if (reply.status !== 200) throw replyError(encodeUrl, reply.status, reply.body);
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
  create: connect,
};

/** `createBackbone("http", config)` with the config checked and typed. */
export async function createHttpBackbone(config: HttpBackboneConfig): Promise<HttpBackbone> {
  return connect(parseBackboneConfig(httpAdapter, config));
}

registerBackbone(httpAdapter);
