/**
 * How skc runs `extractBundle` (for `skc extract` and a one-step `skc eval`):
 * the "onnx" adapter registered on this thread and in every worker, the
 * library's progress drawn on the bar, Ctrl-C through `signal` (finished
 * chunks are kept). Loaded only when a command extracts (onnxruntime loads
 * here, not when the CLI starts).
 */
import { currentInterrupt } from "@skeleton-cache/cli";
import type { ExtractOptionsInput, ExtractResult } from "@skeleton-cache/extract";
import type { Progress } from "./progress.js";

export async function runExtraction(
  options: ExtractOptionsInput,
  progress: Progress,
  signal?: AbortSignal,
): Promise<ExtractResult> {
  await import("@skeleton-cache/backbone-onnx"); // registers "onnx" on this thread; the workers import it by URL
  const { extractBundle } = await import("@skeleton-cache/extract");
  let shown: number | undefined;
  try {
    return await extractBundle(options, {
      pluginModules: [import.meta.resolve("@skeleton-cache/backbone-onnx")],
      ...(signal ? { signal } : {}),
      onProgress: ({ total, done, kept }) => {
        if (shown === undefined) progress.start(total, "extract", "samples", { initial: kept, rate: true });
        progress.tick(done - (shown ?? kept));
        shown = done;
        if (done > kept) currentInterrupt().point("after-chunk");
      },
    });
  } finally {
    progress.stop();
  }
}
