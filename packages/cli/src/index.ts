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
export type { Interrupt } from "./interrupt.js";
export { interruptible } from "./interrupt.js";
export { parseClassIds, parseDate, parseInteger, parseNumber } from "./parsers.js";
export type { CliIo } from "./program.js";
export {
  createProgram,
  example,
  flagName,
  helpDefault,
  processIo,
  rewriteCommanderMessage,
  runMain,
  runProgram,
} from "./program.js";
export { packageVersion } from "./version.js";
