import { type ErrorDetails, SkeletonCacheError } from "@skeleton-cache/errors";

/**
 * The model endpoint could not give a usable answer for a class: every retry
 * failed (rate limits, server errors, timeouts), or the answers kept breaking
 * the answer schema. `details.field` names the class and, for a bad answer,
 * the field at fault; `details.value` holds the bad value.
 */
export class PriorGenerationError extends SkeletonCacheError {
  constructor(
    code: "E_LLM_REQUEST" | "E_LLM_ANSWER",
    message: string,
    details: ErrorDetails = {},
    cause?: unknown,
  ) {
    super(code, message, details, cause === undefined ? undefined : { cause });
  }
}
