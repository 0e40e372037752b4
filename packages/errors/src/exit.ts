import { InterruptedError, SkeletonCacheError } from "./errors.js";

/** The exit codes every `skc*` executable uses. */
export const EXIT = {
  /** Success. */
  ok: 0,
  /** Anything unexpected (a bug, an I/O failure, a crashed model). */
  failure: 1,
  /** Bad input or configuration: the message names the file, field or value. */
  badInput: 2,
  /** Interrupted by the user (128 + SIGINT). */
  interrupted: 130,
} as const;

/** The exit code for an error: typed input errors → 2, interruption → 130, anything else → 1. */
export function exitCodeOf(error: unknown): number {
  if (error instanceof InterruptedError) return EXIT.interrupted;
  if (error instanceof SkeletonCacheError) return EXIT.badInput;
  return EXIT.failure;
}
