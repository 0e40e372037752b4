export type { CliIo } from "./cli.js";
export { buildProgram, COMMANDS, main } from "./cli.js";
export type { EvalConfig, EvalConfigInput, GzslConfig, Protocol } from "./config.js";
export {
  EvalConfigSchema,
  PROTOCOL_DESCRIPTIONS,
  PROTOCOLS,
  parseEvalConfig,
  REFERENCE_GRID,
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
export type { ExtractOptions, ExtractResult } from "./extract.js";
export { ExtractOptionsSchema, parseExtractOptions, runExtract } from "./extract.js";
export type { EvalData, ResolvedPrior } from "./inputs.js";
export {
  checkBundleSplit,
  checkValidationBundle,
  DEMO_DIR,
  DEMO_PRIOR,
  DEMO_VALIDATION_DIR,
  loadEvalData,
  resolvePrior,
} from "./inputs.js";
export type { RenderedPlot } from "./plots.js";
export { confusionSpec, gridSpec, perClassSpec, renderPlot, runningAccuracySpec } from "./plots.js";
export type { Progress } from "./progress.js";
export { createProgress, progressEnabled } from "./progress.js";
export type { AblationRow, GridPoint, OrdersResult, PassParams, ReferencePoint } from "./protocols.js";
export {
  ABLATION_SLOTS,
  ablations,
  baselinePredictions,
  gridSearch,
  meanMaxBaseLogit,
  onlinePass,
  ordersProtocol,
  referencePoint,
  SECOND_PASS_THRESHOLD,
} from "./protocols.js";
export type { RunFiles } from "./report.js";
export { fmt, predictionsCsv, reportMarkdown, SYNTHETIC_TAG, writeRunDirectory } from "./report.js";
export type { EvalReport, GzslSection, PredictionSummary, RunOutcome } from "./run.js";
export { defaultOutDir, gzslPredictions, runEval } from "./run.js";
export type { BundleMeta, EvalReportFile } from "./schemas.js";
export {
  BUNDLE_META_FORMAT,
  BundleMetaSchema,
  EVAL_REPORT_FORMAT,
  EvalReportSchema,
  jsonSchemaFiles,
  parseBundleMeta,
  readEvalReport,
} from "./schemas.js";
export { summaryText } from "./summary.js";
export type { SyntheticBundle, SyntheticOptions } from "./synthetic.js";
export { generateSynthetic, SYNTHETIC_DEFAULTS } from "./synthetic.js";
