import { InterruptedError } from "@skeleton-cache/errors";
import type { CliIo } from "./program.js";

/** What `interruptible` gives a command: the signal to pass down, and the cleanup. */
export interface Interrupt {
  /** Aborted (with an InterruptedError as its reason) on the first Ctrl-C. */
  readonly signal: AbortSignal;
  /** Removes the SIGINT handler. */
  dispose(): void;
}

/**
 * Ctrl-C for long commands: the first SIGINT aborts `signal` (its reason an
 * `InterruptedError`) so the work can stop, keep what it finished and throw
 * an InterruptedError saying what was kept (exit 130); `what` tells the user
 * what is finishing. A second Ctrl-C exits at once with 130.
 */
export function interruptible(io: CliIo, bin: string, what = "finishing what is running"): Interrupt {
  const controller = new AbortController();
  const onSigint = (): void => {
    if (controller.signal.aborted) {
      io.stderr.write(`${bin}: interrupted again; quitting now\n`);
      process.exit(130);
    }
    io.stderr.write(`\n${bin}: interrupted; ${what} (Ctrl-C again to quit now)\n`);
    controller.abort(new InterruptedError("interrupted by Ctrl-C (SIGINT)"));
  };
  process.on("SIGINT", onSigint);
  return {
    signal: controller.signal,
    dispose: () => {
      process.removeListener("SIGINT", onSigint);
    },
  };
}
