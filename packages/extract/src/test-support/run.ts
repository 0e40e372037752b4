/** What the extraction tests share: the tiny ST-GCN fixture, the "onnx" adapter in every thread, an error helper. */
import { repoPath } from "@skeleton-cache/test-support";
import type { ExtractRun } from "../extract.js";

/** The tiny ST-GCN ONNX fixture of @skeleton-cache/backbone-onnx (NTU-25, 60 classes, 64 frames). */
export const MODEL = repoPath("packages/backbone-onnx/fixtures/stgcn-tiny/model.onnx");

/** Registers "onnx" on this thread and in every worker thread (a worker has its own registry). */
export const ONNX: ExtractRun = { pluginModules: [import.meta.resolve("@skeleton-cache/backbone-onnx")] };

/** The error `promise` rejects with (the test fails when it resolves). */
export async function rejection(
  promise: Promise<unknown>,
): Promise<Error & { details?: Record<string, unknown> }> {
  try {
    await promise;
  } catch (error) {
    return error as Error & { details?: Record<string, unknown> };
  }
  throw new Error("expected a rejection, got a result");
}
