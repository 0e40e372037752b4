/** `skc prior ...`: the commands of `skc-prior` (from @skeleton-cache/llm-prior), mounted under `skc`. */
import type { CliIo, Command } from "@skeleton-cache/cli";
import { addPriorCommands } from "@skeleton-cache/llm-prior/commands";

/** Adds `skc prior` (generate, validate, show, diff, uniform) to the program. */
export function registerPrior(program: Command, io: CliIo): void {
  const prior = program
    .command("prior")
    .description("class priors: generate (any OpenAI-compatible endpoint), validate, show, diff, uniform");
  addPriorCommands(prior, { io, bin: "skc prior" });
}
