export type { CliIo } from "./cli.js";
export { buildProgram, COMMANDS, main } from "./cli.js";
export type { DemoId, EvalConfig, EvalConfigInput } from "./config.js";
export { EvalConfigSchema, parseEvalConfig, readConfigFile, resolveConfig } from "./config.js";
