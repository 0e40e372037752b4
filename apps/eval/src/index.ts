export type { CliIo } from "./cli.js";
export { buildProgram, COMMANDS, main } from "./cli.js";
export type { CompareResult, CompareRow } from "./compare.js";
export { compareOutDir, compareText, runCompare } from "./compare.js";
export type { DemoId, EvalConfig, EvalConfigInput, GzslConfig } from "./config.js";
export {
  EvalConfigSchema,
  PARAM_SHORTHANDS,
  parseEvalConfig,
  readConfigFile,
  resolveConfig,
} from "./config.js";
export {
  DEMO_SPEC,
  demoFiles,
  GZSL_DEMO_SPEC,
  gzslDemoFiles,
  syntheticBundleFiles,
  writeSyntheticBundle,
} from "./demo.js";
export type { EvalData, LoadOptions } from "./inputs.js";
export {
  checkBundleSplit,
  checkValidationBundle,
  DEMO_DIR,
  DEMO_PRIOR,
  DEMO_VALIDATION_DIR,
  loadEvalData,
  priorCandidates,
} from "./inputs.js";
export { configMethods, methodGridOf, methodParams } from "./method-config.js";
export { collectParam } from "./method-options.js";
export type { Progress } from "./progress.js";
export { createProgress, progressEnabled } from "./progress.js";
export type { BuildReportHtmlOptions, BuildReportHtmlResult } from "./report-html/index.js";
export { buildReportHtml } from "./report-html/index.js";
export type { RunOutcome } from "./run.js";
export { bundleName, defaultOutDir, runEval } from "./run.js";
export type { SyntheticBundle, SyntheticOptions } from "./synthetic.js";
export { generateSynthetic, SYNTHETIC_DEFAULTS } from "./synthetic.js";
