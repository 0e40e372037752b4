import { registerBackbone } from "@skeleton-cache/backbone";
import { loadOnnxBackbone, type OnnxBackboneOptions } from "./adapter.js";

export type { OnnxBackbone, OnnxBackboneOptions } from "./adapter.js";
export { loadOnnxBackbone, OnnxBackboneOptionsSchema, stackSamples } from "./adapter.js";
export type { OnnxBackboneConfig } from "./config.js";
export {
  defaultConfigPath,
  ONNX_BACKBONE_CONFIG_FORMAT,
  OnnxBackboneConfigSchema,
  parseOnnxBackboneConfig,
  readOnnxBackboneConfig,
  ZeroShotHeadSchema,
} from "./config.js";

/** Builds the adapter from `createBackbone("onnx", options)`. */
export function createOnnxBackbone(config: unknown) {
  return loadOnnxBackbone(config as OnnxBackboneOptions);
}

registerBackbone("onnx", createOnnxBackbone);
