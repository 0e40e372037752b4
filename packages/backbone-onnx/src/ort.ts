import { createRequire } from "node:module";
import type * as Ort from "onnxruntime-node";

let loaded: typeof Ort | undefined;

/**
 * onnxruntime-node, loaded when a model is first opened or the providers are
 * first asked for: importing this package (or its `/base` entry) loads no
 * native code. (A synchronous require: `executionProviderStatus` is synchronous.)
 */
export function onnxruntime(): typeof Ort {
  loaded ??= createRequire(import.meta.url)("onnxruntime-node") as typeof Ort;
  return loaded;
}
