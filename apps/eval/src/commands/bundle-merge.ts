/** `skc bundle merge`: joins the parts of `skc extract --shard i/n` into one bundle. */
import type { Command } from "@commander-js/extra-typings";
import { mergeBundleShards } from "@skeleton-cache/bundle";
import type { CommandIo } from "./extract.js";

/** Registers `skc bundle merge PART... --out DIR` (under an existing `bundle` command, or a new one). */
export function registerBundleMergeCommand(
  program: Command,
  io: CommandIo,
  setExit: (code: number) => void,
): void {
  const bundle =
    (program.commands.find((command) => command.name() === "bundle") as Command | undefined) ??
    program.command("bundle").description("bundle tools");
  bundle
    .command("merge")
    .description(
      "join the parts of skc extract --shard i/n into one bundle, identical to a single run; refuses a missing, duplicated or unfinished part",
    )
    .argument("<parts...>", "the part directories, in any order")
    .requiredOption("--out <dir>", "the merged bundle directory (must not exist)")
    .option("--quiet", "no summary")
    .addHelpText("after", "\nExample:\n  skc bundle merge parts/part-* --out ntu120_96_24\n")
    .action((parts: string[], options: { out: string; quiet?: true }) => {
      const result = mergeBundleShards(parts, options.out);
      if (!options.quiet)
        io.stdout.write(
          `merged ${result.parts} parts into ${result.out}: ${result.samples} samples, ${result.volume}\n`,
        );
      setExit(0);
    });
}
