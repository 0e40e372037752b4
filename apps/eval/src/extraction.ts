/**
 * How skc runs `extractBundle` (for `skc extract` and a one-step `skc eval`):
 * the "onnx" adapter registered on this thread and in every worker, the
 * library's progress drawn on the bar. Loaded only when a command extracts
 * (onnxruntime loads here, not when the CLI starts).
 */
import type { ExtractOptionsInput, ExtractResult } from "@skeleton-cache/extract";
import type { Progress } from "./progress.js";

export async function runExtraction(
  options: ExtractOptionsInput,
  progress: Progress,
  control: { readonly signal?: AbortSignal } = {},
): Promise<ExtractResult> {
  await import("@skeleton-cache/backbone-onnx"); // registers "onnx" on this thread; the workers import it by URL
  const { extractBundle } = await import("@skeleton-cache/extract");
  let started = false;
  let shown = 0;
  try {
    return await extractBundle(options, {
      pluginModules: [import.meta.resolve("@skeleton-cache/backbone-onnx")],
      ...(control.signal ? { signal: control.signal } : {}),
      onProgress: ({ total, done, kept }) => {
        if (!started) {
          started = true;
          shown = kept;
          progress.start(total, "extract", "samples", { initial: kept, rate: true });
        }
        progress.tick(done - shown);
        shown = done;
      },
    });
  } finally {
    progress.stop();
  }
}
