export type { ErrorDetails } from "./errors.js";
export {
  describeValue,
  FormatError,
  InterruptedError,
  NonFiniteError,
  ShapeError,
  SkeletonCacheError,
  ValueError,
} from "./errors.js";
export { EXIT, exitCodeOf } from "./exit.js";
export type { ZodErrorLike, ZodIssueErrorOptions, ZodIssueLike, ZodIssueSummary } from "./zod.js";
export { summarizeZodIssue, zodIssueError } from "./zod.js";
