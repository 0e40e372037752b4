import { FormatError, InterruptedError, NonFiniteError, ShapeError, ValueError } from "./errors.js";

/** The exit codes every `skc*` executable uses. */
export const EXIT = {
  /** Success. */
  ok: 0,
  /** Anything unexpected (a bug, an I/O failure, a crashed model, an endpoint that keeps failing). */
  failure: 1,
  /** Bad input or configuration: the message names the file, field or value. */
  badInput: 2,
  /** Interrupted by the user (128 + SIGINT). */
  interrupted: 130,
} as const;

/**
 * The exit code for an error: the typed input errors (value, format, shape,
 * non-finite) → 2, interruption → 130, anything else — other
 * `SkeletonCacheError`s such as a failing endpoint included — → 1.
 */
export function exitCodeOf(error: unknown): number {
  if (error instanceof InterruptedError) return EXIT.interrupted;
  if (
    error instanceof ValueError ||
    error instanceof FormatError ||
    error instanceof ShapeError ||
    error instanceof NonFiniteError
  )
    return EXIT.badInput;
  return EXIT.failure;
}
