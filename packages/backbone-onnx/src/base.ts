/**
 * `@skeleton-cache/backbone-onnx/base`: everything this package exports, with
 * no side effect — importing it registers nothing and loads no onnxruntime
 * (the config reader, the types, the "onnx" adapter object unregistered).
 * The main entry is this plus the registration.
 */
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
