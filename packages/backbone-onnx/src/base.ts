import { registerBackbone } from "@skeleton-cache/backbone";
import { onnxAdapter } from "./adapter.js";

export type { OnnxBackbone, OnnxBackboneOptions } from "./adapter.js";
export { loadOnnxBackbone, OnnxBackboneOptionsSchema, onnxAdapter } from "./adapter.js";
export type { OnnxBackboneConfig } from "./config.js";
export {
  defaultConfigPath,
  modelNameOf,
  modelPreprocessing,
  ONNX_BACKBONE_CONFIG_FORMAT,
  OnnxBackboneConfigSchema,
  parseOnnxBackboneConfig,
  readOnnxBackboneConfig,
  ZeroShotHeadSchema,
} from "./config.js";
export type { ExecutionProvider, ProviderStatus } from "./providers.js";
export {
  checkExecutionProviders,
  EXECUTION_PROVIDERS,
  executionProviderStatus,
  onnxruntimeBinaryDir,
} from "./providers.js";

registerBackbone(onnxAdapter);
