/**
 * The conventions every `skc*` executable shares, on top of commander:
 *
 * - `--help` shows each option's default and one example per command;
 * - every error is one line `<bin> <command>: error: <message>` that names a
 *   flag the way a user types it (`-K/--capacity`, `--protocol`);
 * - exit codes 0 ok, 2 bad input (`ValueError`, `FormatError`, ... and usage
 *   errors), 1 anything else, 130 interrupted (`InterruptedError`);
 * - every command takes the common flags `--quiet` and `--json`, declared
 *   here once (`printResult` honours them);
 * - Ctrl-C: see `interrupt.ts`.
 */
import { Command, CommanderError, Help, type Option } from "@commander-js/extra-typings";
import { EXIT, exitCodeOf, SkeletonCacheError, zodIssueError } from "@skeleton-cache/errors";
import { CommandInterrupt, withInterrupt } from "./interrupt.js";

/** Where an executable writes. */
export interface CliIo {
  readonly stdout: { write(text: string): unknown };
  readonly stderr: { write(text: string): unknown; isTTY?: boolean | undefined };
}

/** The process's own streams. */
export const processIo: CliIo = { stdout: process.stdout, stderr: process.stderr };

// Defaults shown in --help for options whose value comes from elsewhere (a config file).
const shownDefaults = new WeakMap<object, string>();

/**
 * Shows `(default: text)` after the option's description in --help without
 * giving the option a default value (for options that a config file may set).
 */
export function helpDefault<O extends Option>(option: O, value: unknown): O {
  shownDefaults.set(option, typeof value === "string" ? value : JSON.stringify(value));
  return option;
}

class ConventionHelp extends Help {
  override optionDescription(option: Option): string {
    const base = super.optionDescription(option);
    const shown = shownDefaults.get(option);
    return shown === undefined ? base : `${base} (default: ${shown})`;
  }
}

/** A flag as a user types it: `-K/--capacity`, `--protocol`. */
export function flagName(flags: string): string {
  const names = flags.split(/[ ,|]+/).filter((part) => part.startsWith("-"));
  return names.join("/");
}

/**
 * Commander's messages, rewritten to name flags as typed: `option '-K,
 * --capacity <K>' argument '0' is invalid. is not an integer ≥ 1` becomes
 * `-K/--capacity: "0" is not an integer ≥ 1`.
 */
export function rewriteCommanderMessage(message: string): string {
  let text = message.replace(/^error: /, "").trim();
  const invalid = /^option '([^']+)' argument '([\s\S]*)' is invalid\. ([\s\S]*)$/.exec(text);
  if (invalid) {
    const [, flags, value, detail] = invalid;
    const choices = /^Allowed choices are (.*)\.$/.exec(detail!.trim());
    const what = choices ? `is not one of ${choices[1]}` : detail!.trim();
    return `${flagName(flags!)}: ${JSON.stringify(value)} ${what}`;
  }
  text = text.replace(/'(-[^']*?)'/g, (_match, flags: string) => flagName(flags) || flags);
  return text;
}

/** A command's name as shown in messages: `skc eval`, `skc prior generate`. */
function commandPath(command: Command<unknown[], Record<string, unknown>, Record<string, unknown>>): string {
  const names: string[] = [];
  for (let c: typeof command | null = command; c; c = c.parent as typeof command | null)
    names.unshift(c.name());
  return names.join(" ");
}

type AnyCommand = Command<unknown[], Record<string, unknown>, Record<string, unknown>>;

/** A commander program with the shared conventions; add commands, then `runProgram`. */
export function createProgram(options: {
  readonly name: string;
  readonly description: string;
  readonly version: string;
  readonly io?: CliIo;
}): Command {
  const io = options.io ?? processIo;
  return new Command()
    .name(options.name)
    .description(options.description)
    .version(options.version, "-V, --version", "print the version")
    .helpOption("-h, --help", "show this help")
    .option("--debug", "print stack traces of failures")
    .configureOutput({
      writeOut: (text) => io.stdout.write(text),
      writeErr: (text) => io.stderr.write(text),
      // Errors are printed by runProgram, once, in the shared format.
      outputError: () => {},
    });
}

/** Adds `Example:` (one command line) at the end of the command's --help. */
export function example<C extends { addHelpText(position: "after", text: string): C }>(
  command: C,
  line: string,
): C {
  return command.addHelpText("after", `\nExample:\n  $ ${line}`);
}

/** The flags every command takes, declared once here (each command's --help lists them last). */
export const COMMON_FLAGS = {
  quiet: ["--quiet", "print no progress and no summary (warnings and errors still go to stderr)"],
  json: ["--json", "print the result as one JSON document on stdout (instead of the summary)"],
} as const;

/** The common flags as a command was given them. */
export interface CommonFlags {
  readonly quiet: boolean;
  readonly json: boolean;
}

/** Reads the common flags of a command (the last argument commander gives an action). */
export function commonFlags(command: { opts(): Record<string, unknown> }): CommonFlags {
  const options = command.opts();
  return { quiet: options.quiet === true, json: options.json === true };
}

/** What a command gives back: lines for a person, and the same as data for `--json`. */
export interface CommandResult {
  readonly text: string;
  readonly json: unknown;
}

/** JSON of a result: typed arrays as arrays, maps as objects. */
function jsonValue(_key: string, value: unknown): unknown {
  if (ArrayBuffer.isView(value) && !(value instanceof DataView))
    return Array.from(value as unknown as ArrayLike<number>);
  if (value instanceof Map) return Object.fromEntries(value);
  return value;
}

/**
 * Prints a command's result as the common flags ask (`commonFlags(command)`,
 * or a config's): `--json`, one JSON document on stdout; `--quiet`, nothing;
 * else its text (on stdout, or on stderr for commands whose summary has
 * always gone there).
 */
export function printResult(
  io: CliIo,
  flags: CommonFlags,
  result: CommandResult,
  options: { readonly to?: "stdout" | "stderr" } = {},
): void {
  if (flags.json) io.stdout.write(`${JSON.stringify(result.json, jsonValue, 2)}\n`);
  else if (!flags.quiet && result.text !== "") io[options.to ?? "stdout"].write(result.text);
}

function applyConventions(command: AnyCommand, active: { path: string }): void {
  if (command.commands.length === 0)
    for (const [flag, description] of Object.values(COMMON_FLAGS))
      if (!command.options.some((option) => option.long === flag)) command.option(flag, description);
  command.configureHelp({ optionDescription: ConventionHelp.prototype.optionDescription });
  command.exitOverride((error) => {
    active.path = commandPath(command);
    throw error;
  });
  command.hook("preSubcommand", (_parent, sub) => {
    active.path = commandPath(sub as AnyCommand);
  });
  for (const sub of command.commands) applyConventions(sub as AnyCommand, active);
}

/** Whether an error is bad input (exit 2): a typed input error, a zod issue, a usage error. */
function isZodError(error: unknown): error is { issues: { path: PropertyKey[]; message: string }[] } {
  return (
    error instanceof Error &&
    error.name === "ZodError" &&
    Array.isArray((error as { issues?: unknown }).issues)
  );
}

/** The process streams already set to end quietly when their reader goes. */
const quietWhenReaderGoes = new WeakSet<NodeJS.WriteStream>();

/**
 * A process stream whose reader has gone (`skc eval --help | head -3`) ends
 * quietly: Node reports the closed pipe as an EPIPE 'error' event, which
 * unhandled would print a stack trace and exit 1. Here what is still written
 * is dropped and the command finishes with its own exit code.
 */
function endQuietlyWhenReaderGoes(stream: NodeJS.WriteStream): void {
  if (quietWhenReaderGoes.has(stream)) return;
  quietWhenReaderGoes.add(stream);
  stream.on("error", (error: NodeJS.ErrnoException) => {
    if (error.code !== "EPIPE") throw error;
  });
}

/**
 * Parses `argv` (the words after the executable) and runs the chosen
 * command; resolves to the exit code and never calls `process.exit`. Errors
 * are printed as one line, `<bin> <command>: error: <message>`. Output to
 * the process's stdout / stderr whose reader has gone ends quietly.
 */
export async function runProgram(
  program: Command,
  argv: readonly string[],
  io: CliIo = processIo,
): Promise<number> {
  if (io.stdout === process.stdout) endQuietlyWhenReaderGoes(process.stdout);
  if (io.stderr === process.stderr) endQuietlyWhenReaderGoes(process.stderr);
  const active = { path: program.name() };
  applyConventions(program as unknown as AnyCommand, active);
  const debug = argv.includes("--debug");
  const line = (message: string) => `${active.path}: interrupted: ${message.replace(/^interrupted: /, "")}\n`;
  // A second Ctrl-C: the same one line, then out at once (formats removes this run's temporaries at exit).
  const interrupt = new CommandInterrupt((message) => {
    io.stderr.write(line(message));
    process.exit(EXIT.interrupted);
  });
  try {
    await withInterrupt(interrupt, async () => {
      // The synchronous part of an action (all of a short command) ends at once on Ctrl-C.
      await interrupt.runSync(() => program.parseAsync([...argv], { from: "user" }));
      // Ctrl-C during work that never looked: the command finished; the line says what it left.
      if (interrupt.signal.aborted) throw interrupt.error();
    });
    return EXIT.ok;
  } catch (error) {
    if (error instanceof CommanderError) {
      if (
        error.exitCode === 0 ||
        ["commander.helpDisplayed", "commander.version", "commander.help"].includes(error.code)
      )
        return error.exitCode === 0 ? EXIT.ok : EXIT.badInput;
      io.stderr.write(`${active.path}: error: ${rewriteCommanderMessage(error.message)}\n`);
      io.stderr.write(`(${active.path} --help lists the options)\n`);
      return EXIT.badInput;
    }
    const code = isZodError(error) ? EXIT.badInput : exitCodeOf(error);
    const message = isZodError(error)
      ? zodIssueError(error).message
      : error instanceof Error
        ? error.message
        : String(error);
    if (code === EXIT.interrupted) {
      io.stderr.write(line(message));
      return code;
    }
    io.stderr.write(`${active.path}: error: ${message}\n`);
    const stack = error instanceof Error ? error.stack : undefined;
    if (debug && stack) io.stderr.write(`${stack}\n`);
    else if (code === EXIT.failure && !(error instanceof SkeletonCacheError))
      io.stderr.write("(run again with --debug for the stack trace)\n");
    return code;
  }
}

/**
 * Runs the program on the process's arguments and sets `process.exitCode`;
 * the entry point of every `bin` file. An interrupted run (130) ends the
 * process at once: a step cut short by Ctrl-C may leave a timer or a worker
 * behind that would keep it alive.
 */
export async function runMain(
  program: Command,
  argv: readonly string[] = process.argv.slice(2),
): Promise<void> {
  const code = await runProgram(program, argv);
  if (code === EXIT.interrupted) process.exit(code);
  process.exitCode = code;
}
