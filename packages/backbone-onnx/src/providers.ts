/**
 * onnxruntime execution providers: which ones this onnxruntime-node build can
 * run, checked before a session is created so that asking for a missing one
 * is a ValueError naming what is missing instead of a native crash.
 */
import fs from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";
import { ValueError } from "@skeleton-cache/errors";
import { onnxruntime } from "./ort.js";

/** The execution providers the ONNX adapter config accepts. */
export const EXECUTION_PROVIDERS = ["cpu", "cuda", "tensorrt", "webgpu"] as const;
export type ExecutionProvider = (typeof EXECUTION_PROVIDERS)[number];

/** Shared libraries a provider that is not bundled in the binding needs beside it. */
const PROVIDER_LIBRARIES: Partial<Record<ExecutionProvider, readonly string[]>> = {
  cuda: ["libonnxruntime_providers_shared.so", "libonnxruntime_providers_cuda.so"],
  tensorrt: [
    "libonnxruntime_providers_shared.so",
    "libonnxruntime_providers_cuda.so",
    "libonnxruntime_providers_tensorrt.so",
  ],
};

/** Where onnxruntime-node keeps its native binding and provider libraries. */
export function onnxruntimeBinaryDir(): string {
  const require = createRequire(import.meta.url);
  const root = path.dirname(path.dirname(require.resolve("onnxruntime-node")));
  return path.join(root, "bin", "napi-v6", process.platform, process.arch);
}

/** What this build says about a provider: available, or why not. */
export interface ProviderStatus {
  readonly name: string;
  readonly available: boolean;
  /** Why it is not available (missing libraries, not in this build). */
  readonly missing?: string;
}

/** The status of every provider the adapter knows, for this machine's onnxruntime-node. */
export function executionProviderStatus(dir = onnxruntimeBinaryDir()): ProviderStatus[] {
  const supported = new Map(
    onnxruntime()
      .listSupportedBackends()
      .map((b) => [b.name, b.bundled]),
  );
  return EXECUTION_PROVIDERS.map((name): ProviderStatus => {
    if (!supported.has(name))
      return {
        name,
        available: false,
        missing: `this onnxruntime-node build (${process.platform}/${process.arch}) has no ${name} support`,
      };
    if (supported.get(name)) return { name, available: true };
    const absent = (PROVIDER_LIBRARIES[name] ?? []).filter((lib) => !fs.existsSync(path.join(dir, lib)));
    if (absent.length === 0) return { name, available: true };
    return {
      name,
      available: false,
      missing: `${absent.join(" and ")} ${absent.length === 1 ? "is" : "are"} not in ${dir} (onnxruntime-node's install script downloads them; it was skipped or offline)`,
    };
  });
}

/**
 * Checks the requested providers against this build; a missing one is a
 * ValueError naming the provider, what is missing and what is available.
 */
export function checkExecutionProviders(
  requested: readonly ExecutionProvider[],
  model: string,
  dir?: string,
): ExecutionProvider[] {
  const status = executionProviderStatus(dir);
  const available = status.filter((s) => s.available).map((s) => s.name);
  for (const name of requested) {
    const entry = status.find((s) => s.name === name)!;
    if (!entry.available) {
      throw new ValueError(
        `${model}: execution provider "${name}" is not available: ${entry.missing}. Available here: ${available.join(", ")}; set executionProviders to one of them (e.g. ["cpu"])`,
        { field: "executionProviders", value: name, expected: available },
      );
    }
  }
  return [...requested];
}

/** A session that failed to start on a non-CPU provider (no device, driver mismatch). */
export function providerFailure(providers: readonly string[], model: string, error: unknown): ValueError {
  return new ValueError(
    `${model}: onnxruntime could not start a session on execution providers ${JSON.stringify(providers)}: ${(error as Error).message.split("\n")[0]}; use executionProviders ["cpu"] on a machine without that device`,
    { field: "executionProviders", value: [...providers] },
  );
}
