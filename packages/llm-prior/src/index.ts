export type { AnswerCheck, AnswerIssue, ClassAnswer } from "./answer.js";
export {
  AnswerWireSchema,
  answerJsonSchema,
  checkAnswer,
  extractJsonObject,
  SPATIAL_KEYS,
  TEMPORAL_KEYS,
} from "./answer.js";
export type { ClassSelection, ClassSelectionOptions, ClassSpec, SplitSpec } from "./classes.js";
export {
  loadClassNames,
  loadDescriptions,
  loadSplit,
  parseIdList,
  resolveClassSelection,
  selectClasses,
} from "./classes.js";
export type {
  CompletionRequest,
  EndpointOptions,
  FormatFallbackEvent,
  ResponseFormatMode,
  RetryEvent,
} from "./endpoint.js";
export { ChatEndpoint, ENDPOINT_DEFAULTS, endpointHost, OPENAI_BASE_URL } from "./endpoint.js";
export { PriorGenerationError } from "./errors.js";
export type {
  GenerateFlags,
  GenerateRun,
  ProgressStream,
  SelectionFlags,
  UniformFlags,
  ValidateFlags,
} from "./flags.js";
export {
  generatePriorOptionsFromFlags,
  generateProgressHooks,
  selectionFromFlags,
  uniformPriorFromFlags,
  validatePriorFile,
} from "./flags.js";
export type {
  GenerateHooks,
  GeneratePriorOptions,
  GeneratePriorResult,
  GenerateProgress,
  InvalidAnswerEvent,
} from "./generate.js";
export { aggregateAnswers, GENERATE_DEFAULTS, generatePrior, roundToSimplex } from "./generate.js";
export type { PriorCheck } from "./priors.js";
export { checkPrior, uniformPriorFor } from "./priors.js";
export type { PromptTemplates, PromptVariables } from "./prompt.js";
export {
  builtinPromptDir,
  DEFAULT_PROMPT_ID,
  loadPromptTemplates,
  renderMessages,
  renderTemplate,
} from "./prompt.js";
export type { ClassDiff, PriorDiff } from "./report.js";
export { diffPriors, formatDiff, formatPrior, formatTable } from "./report.js";
export type { RetryPolicy } from "./retry.js";
export { DEFAULT_RETRY_POLICY } from "./retry.js";
