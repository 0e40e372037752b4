export type { AnswerCheck, AnswerIssue, ClassAnswer } from "./answer.js";
export {
  AnswerWireSchema,
  answerJsonSchema,
  checkAnswer,
  extractJsonObject,
  SPATIAL_KEYS,
  TEMPORAL_KEYS,
} from "./answer.js";
export type { ClassSpec, SplitSpec } from "./classes.js";
export { loadClassNames, loadDescriptions, loadSplit, parseIdList, selectClasses } from "./classes.js";
export type { PriorCommandIo } from "./cli.js";
export { PRIOR_USAGE, runPriorCommand } from "./cli.js";
export type {
  CompletionRequest,
  EndpointOptions,
  FormatFallbackEvent,
  ResponseFormatMode,
  RetryEvent,
} from "./endpoint.js";
export { ChatEndpoint, endpointHost, OPENAI_BASE_URL } from "./endpoint.js";
export { PriorGenerationError } from "./errors.js";
export type {
  GenerateHooks,
  GeneratePriorOptions,
  GeneratePriorResult,
  GenerateProgress,
  InvalidAnswerEvent,
} from "./generate.js";
export { aggregateAnswers, generatePrior, roundToSimplex } from "./generate.js";
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
export { backoffDelay, DEFAULT_RETRY_POLICY, parseRetryAfter, runPool, sleep } from "./retry.js";
