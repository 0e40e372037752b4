#!/usr/bin/env node
/**
 * `skc`: the Skeleton-Cache command line. Each command lives in
 * commands/<name>.ts and registers itself on the program; the modules that
 * are heavy to load (onnxruntime, the plotting libraries, the openai SDK)
 * load only inside the commands that use them. Conventions (help with
 * defaults and an example, one-line errors, exit codes 0 / 2 / 1 / 130):
 * @skeleton-cache/cli.
 */
import fs from "node:fs";
import { fileURLToPath } from "node:url";
import { type CliIo, type Command, createProgram, processIo, runMain, runProgram } from "@skeleton-cache/cli";
import { registerBundle } from "./commands/bundle.js";
import { registerEval } from "./commands/eval.js";
import { registerExtract } from "./commands/extract.js";
import { registerPrior } from "./commands/prior.js";
import { registerReport } from "./commands/report.js";
import { cliVersion } from "./versions.js";

export type { CliIo };

/** The commands of `skc`, in the order --help lists them; each adds itself to the program. */
export const COMMANDS: readonly ((program: Command, io: CliIo) => void)[] = [
  registerEval,
  registerExtract,
  registerBundle,
  registerReport,
  registerPrior,
];

/** The `skc` program with every command (exposed for tests). */
export function buildProgram(io: CliIo = processIo): Command {
  const program = createProgram({
    name: "skc",
    description:
      "Skeleton-Cache: training-free test-time adaptation for skeleton-based zero-shot action recognition",
    version: cliVersion(),
    io,
  });
  for (const register of COMMANDS) register(program, io);
  return program;
}

/** Runs the CLI; resolves to the exit code (never calls process.exit). */
export function main(argv: readonly string[], io: CliIo = processIo): Promise<number> {
  return runProgram(buildProgram(io), argv, io);
}

function isEntryPoint(): boolean {
  const entry = process.argv[1];
  if (!entry) return false;
  try {
    return fs.realpathSync(entry) === fs.realpathSync(fileURLToPath(import.meta.url));
  } catch {
    return false;
  }
}

if (isEntryPoint()) await runMain(buildProgram()); // an interrupted run (130) ends at once
