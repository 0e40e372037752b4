/** What the extraction pool and its workers say to each other (structured clone; buffers transferred). */
import type { BundleChunk } from "@skeleton-cache/bundle";
import type { ResolvedPreprocessing } from "@skeleton-cache/datasets";
import { FormatError, NonFiniteError, ShapeError, ValueError } from "@skeleton-cache/errors";
import type { EncodeOutput, PreparedChunk } from "./encode.js";
import type { DatasetSpec } from "./plan.js";

export interface InitMessage {
  readonly type: "init";
  readonly dataset: DatasetSpec;
  readonly preprocessing: ResolvedPreprocessing;
  readonly output: EncodeOutput;
  /** Modules (URLs or package names) to import first: they register backbone adapters in the worker. */
  readonly modules: readonly string[];
  /** The backbone each worker opens (sessions mode); absent when workers only preprocess. */
  readonly backbone?: { readonly name: string; readonly config: Record<string, unknown> };
}

export interface ChunkMessage {
  readonly type: "chunk";
  readonly k: number;
  readonly names: readonly string[];
}

/** Ends a worker once its current chunk is done (its reply is then ignored). */
export interface StopMessage {
  readonly type: "stop";
}

export type WorkerReply =
  | { readonly type: "ready" }
  | { readonly type: "encoded"; readonly k: number; readonly chunk: BundleChunk }
  | { readonly type: "prepared"; readonly k: number; readonly prepared: PreparedChunk }
  | { readonly type: "error"; readonly error: SerializedError };

/** An error as it crosses a thread: enough to rebuild the typed error (its exit code depends on the class). */
export interface SerializedError {
  readonly name: string;
  readonly message: string;
  readonly details?: Record<string, unknown>;
}

export function serializeError(error: unknown): SerializedError {
  const e = error as Error & { details?: Record<string, unknown> };
  return {
    name: e?.name ?? "Error",
    message: e?.message ?? String(error),
    ...(e?.details ? { details: JSON.parse(JSON.stringify(e.details)) } : {}),
  };
}

const TYPED = { ValueError, FormatError, ShapeError, NonFiniteError } as const;

export function rebuildError(error: SerializedError): Error {
  const Typed = TYPED[error.name as keyof typeof TYPED];
  if (Typed) return new Typed(error.message, error.details ?? {});
  const plain = new Error(error.message);
  plain.name = error.name;
  return plain;
}
