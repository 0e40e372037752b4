/**
 * Ctrl-C, the same for every command: `runProgram` gives each run one
 * `Interrupt` (`currentInterrupt()` inside an action). The command says, as
 * it goes, what an interruption would leave (`keeping`): "nothing was
 * written", "the run folder X is complete", "3 of 6 classes are saved in X;
 * rerun ...". On Ctrl-C the command stops and exits 130 with that one line.
 *
 * - Asynchronous work sees the first Ctrl-C through `signal` (aborted with an
 *   InterruptedError) and at `checkpoint`s.
 * - A synchronous step (an evaluation, a streamed bundle copy) cannot see a
 *   signal until it returns, so `runSync` runs it where Ctrl-C ends it at
 *   once — Node's `vm` `breakOnSigint`, the mechanism of its own REPL: the
 *   step's code stops mid-way without running its own `finally` blocks, so it
 *   writes only into staged outputs and temporary files, which the caller
 *   discards (and @skeleton-cache/formats removes at exit).
 * - A second Ctrl-C quits at once (exit 130, the same one line).
 *
 * A Ctrl-C in the microseconds in which a breakable step starts or ends may
 * be missed (Node hands SIGINT between its watchdog and the listeners then);
 * pressed again, it is seen.
 *
 * Tests stop a command at a named point: with `SKC_TEST_INTERRUPT_AT=<point>`
 * in the environment (test-only), the process raises SIGINT on itself the
 * first time it reaches that checkpoint (or `point`), or, for
 * `during-<step>`, as the synchronous step `<step>` starts.
 */
import vm from "node:vm";
import { InterruptedError } from "@skeleton-cache/errors";

/** What an interruption leaves: said now, or worked out when it happens. */
export type Keeping = string | (() => string);

/** The Ctrl-C handling of one command run. */
export interface Interrupt {
  /** Aborted on the first Ctrl-C; its reason an InterruptedError saying what is kept. */
  readonly signal: AbortSignal;
  /** Says what an interruption from now on leaves, and how to continue (default `nothingWritten()`). */
  keeping(what: Keeping): void;
  /** A place to stop: yields to the event loop, then throws the InterruptedError if Ctrl-C came. */
  checkpoint(point: string): Promise<void>;
  /** Runs a synchronous step that Ctrl-C ends at once (then throws the InterruptedError). */
  runSync<T>(step: () => T, name?: string): T;
  /** The test hook alone (inside a synchronous step): raises SIGINT at this named point. */
  point(point: string): void;
  /**
   * Writes an output where no reader looks, then publishes it: `write(stage.path)`
   * runs as a breakable step, then comes the checkpoint "after-temp-written",
   * then `stage.commit()`. A failure or a stop discards the staged output.
   */
  publish<T>(stage: StagedWrite, write: (path: string) => T): Promise<T>;
  /** The InterruptedError an interruption now throws. */
  error(): InterruptedError;
}

/** An output built where no reader looks (e.g. @skeleton-cache/formats' `stageOutput`). */
export interface StagedWrite {
  /** Where to write. */
  readonly path: string;
  /** Puts the output in place, whole. */
  commit(): void;
  /** Removes what was written. */
  discard(): void;
}

const STEP = Symbol.for("@skeleton-cache/cli.step");
const stepScript = new vm.Script(`globalThis[Symbol.for("@skeleton-cache/cli.step")]()`, {
  filename: "@skeleton-cache/cli/step",
});

/**
 * Runs `step` so that a SIGINT ends it at once; "stopped" when one did.
 * (The step is called from a one-line script: `breakOnSigint` applies to a
 * script's execution, and that of everything it calls.)
 */
function runBreakable<T>(step: () => T): { readonly value: T } | "stopped" {
  const global = globalThis as Record<symbol, unknown>;
  const outer = global[STEP];
  global[STEP] = step;
  breakable++;
  try {
    return { value: stepScript.runInThisContext({ breakOnSigint: true }) as T };
  } catch (error) {
    if ((error as { code?: unknown }).code === "ERR_SCRIPT_EXECUTION_INTERRUPTED") return "stopped";
    throw error;
  } finally {
    global[STEP] = outer;
    breakable--;
  }
}

/** How many breakable steps run now (nested steps count each). */
let breakable = 0;

/** One turn of the event loop, in which a SIGINT that came is handled. */
function turn(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

/** The Interrupt of one command run; `runProgram` starts and stops it. */
export class CommandInterrupt implements Interrupt {
  readonly #controller = new AbortController();
  readonly #raised = new Set<string>();
  #keeping: Keeping = nothingWritten();
  #listening = false;

  /**
   * @param quit Called on a second Ctrl-C with the line to print; ends the process.
   * @param env Where the test hook is read (SKC_TEST_INTERRUPT_AT).
   */
  constructor(
    private readonly quit: (line: string) => void = () => {},
    private readonly env: Readonly<Record<string, string | undefined>> = process.env,
  ) {}

  get signal(): AbortSignal {
    return this.#controller.signal;
  }

  readonly #onSigint = (): void => {
    if (this.signal.aborted) this.quit(this.error().message);
    else this.#controller.abort(this.error());
  };

  /** Listens for Ctrl-C (SIGINT) until `stop()`. */
  start(): this {
    if (!this.#listening) process.on("SIGINT", this.#onSigint);
    this.#listening = true;
    return this;
  }

  stop(): void {
    process.removeListener("SIGINT", this.#onSigint);
    this.#listening = false;
  }

  keeping(what: Keeping): void {
    this.#keeping = what;
  }

  error(): InterruptedError {
    const what = typeof this.#keeping === "function" ? this.#keeping() : this.#keeping;
    return new InterruptedError(`interrupted: ${what}`);
  }

  point(point: string): void {
    if (this.env.SKC_TEST_INTERRUPT_AT !== point || this.#raised.has(point)) return;
    this.#raised.add(point);
    process.kill(process.pid, "SIGINT");
    // Inside a breakable step the stop must land before the step ends (a signal that reaches the
    // watchdog after it is gone is lost): wait for it here, a minute at most.
    for (const until = Date.now() + 60_000; breakable > 0 && Date.now() < until; );
  }

  async checkpoint(point: string): Promise<void> {
    this.point(point);
    // A signal is read in the loop's poll phase; two turns always pass one.
    await turn();
    await turn();
    if (this.signal.aborted) throw this.error();
  }

  runSync<T>(step: () => T, name?: string): T {
    if (this.signal.aborted) throw this.error();
    const outcome = runBreakable(() => {
      if (name !== undefined) this.point(`during-${name}`);
      return step();
    });
    if (outcome !== "stopped") return outcome.value;
    const error = this.error();
    if (!this.signal.aborted) this.#controller.abort(error);
    throw error;
  }

  async publish<T>(stage: StagedWrite, write: (path: string) => T): Promise<T> {
    try {
      const value = this.runSync(() => write(stage.path));
      await this.checkpoint("after-temp-written");
      stage.commit();
      return value;
    } catch (error) {
      stage.discard();
      throw error;
    }
  }
}

let current: CommandInterrupt | undefined;

/**
 * The Interrupt of the command that runs now (inside an action of a program
 * run by `runProgram`); elsewhere (a library call in a test) one that
 * listens to no signal, whose `runSync` still ends a step on Ctrl-C.
 */
export function currentInterrupt(): Interrupt {
  return current ?? new CommandInterrupt();
}

/** Makes `interrupt` the current one for the duration of `body` (runProgram). */
export async function withInterrupt<T>(interrupt: CommandInterrupt, body: () => Promise<T>): Promise<T> {
  const outer = current;
  current = interrupt.start();
  try {
    return await body();
  } finally {
    interrupt.stop();
    current = outer;
  }
}

/** "nothing was written", naming `target` as it was when it already existed; then how to continue. */
export function nothingWritten(target?: string, existed = false): string {
  return `nothing was written${target && existed ? ` (${target} is as it was)` : ""}; rerun the same command`;
}
