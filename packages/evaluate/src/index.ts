export type { CompareResult, CompareRow } from "./compare.js";
export { compare, compareText, comparison } from "./compare.js";
export type { EvalProgress, EvaluateOptions, Evaluation } from "./evaluate.js";
export { evaluate } from "./evaluate.js";
export type { EvalSetup, EvalSetupInput, GzslSetup } from "./setup.js";
export {
  EvalSetupSchema,
  GzslSchema,
  methodGridOf,
  methodParams,
  PARAM_SHORTHANDS,
  parseSetup,
  SETUP_CONFIG_KEYS,
  setupMethods,
} from "./setup.js";
export { checkStreamSplit, checkValidationStream, describedStream, priorCandidates } from "./stream.js";
export type { SyntheticOptions } from "./synthetic.js";
export { generateSynthetic, SYNTHETIC_DEFAULTS } from "./synthetic.js";
export type { TracedPass } from "./trace.js";
export { chooseTraced, MATCHES, TIMELINE_POINTS, TRACE_CAP, TRACEABLE, traceSamples } from "./trace.js";
