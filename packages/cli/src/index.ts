/**
 * @skeleton-cache/cli — the command-line conventions of every `skc*`
 * executable. The one package that depends on commander; only `bin` entry
 * files (and the `skc` app) import it.
 */
export {
  Argument,
  Command,
  CommanderError,
  Help,
  InvalidArgumentError,
  Option,
} from "@commander-js/extra-typings";
export type { Interrupt, Keeping, StagedWrite } from "./interrupt.js";
export { currentInterrupt, nothingWritten } from "./interrupt.js";
export { parseClassIds, parseDate, parseInteger, parseNumber } from "./parsers.js";
export type { CliIo, CommandResult, CommonFlags } from "./program.js";
export {
  COMMON_FLAGS,
  commonFlags,
  createProgram,
  example,
  flagName,
  helpDefault,
  printResult,
  processIo,
  rewriteCommanderMessage,
  runMain,
  runProgram,
} from "./program.js";
export { packageVersion } from "./version.js";
