/**
 * `@skeleton-cache/backbone-onnx`: registers the "onnx" adapter with
 * @skeleton-cache/backbone when imported (its one side effect); everything it
 * exports comes from `./base`, which registers nothing.
 */
import { registerBackbone } from "@skeleton-cache/backbone";
import { onnxAdapter } from "./base.js";

export * from "./base.js";

registerBackbone(onnxAdapter);
