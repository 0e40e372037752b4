/**
 * `skc bundle info | validate | convert | merge`: inspect, check, convert and
 * join pre-encoded bundles of any size (F is streamed, never held whole).
 * Thin: parse the arguments, call @skeleton-cache/bundle (Ctrl-C ends a
 * streaming step at once; what it wrote is staged, never published), print.
 */
import fs from "node:fs";
import {
  bundleInfo,
  bundleInfoText,
  bundleValidationText,
  convertBundle,
  convertText,
  mergeBundleShards,
  stageBundle,
  validateBundleStream,
} from "@skeleton-cache/bundle";
import {
  type CliIo,
  type Command,
  commonFlags,
  currentInterrupt,
  example,
  helpDefault,
  nothingWritten,
  Option,
  printResult,
} from "@skeleton-cache/cli";
import { LAYOUTS } from "@skeleton-cache/skeleton";
import { createProgress, progressEnabled } from "../progress.js";

/** `--layout`, as `skc eval` and `skc bundle validate` take it. */
export const layoutOption = () =>
  helpDefault(
    new Option("--layout <id>", "joint layout of the bundle's feature volume").choices(Object.keys(LAYOUTS)),
    "the one the bundle's meta.json records, else ntu25",
  );

/** A progress callback over samples, drawn on stderr unless quiet; tests stop the step at its first call. */
function sampleProgress(
  quiet: boolean,
  label: string,
): { onProgress: (done: number, total: number) => void; stop: () => void } {
  const progress = createProgress(!progressEnabled(quiet));
  let shown = 0;
  return {
    onProgress(done, total) {
      if (shown === 0) progress.start(total, label, "samples");
      for (; shown < done; shown++) progress.tick();
      currentInterrupt().point(`during-${label}`);
    },
    stop: () => progress.stop(),
  };
}

/** Registers `bundle` and its subcommands on the `skc` program. */
export function registerBundle(program: Command, io: CliIo): void {
  const bundle = program
    .command("bundle")
    .description("inspect, check and convert pre-encoded bundles (streamed: any size)");
  const info = bundle
    .command("info")
    .description("format, N, U, what it holds (F (C, T, V) or descriptors) and the meta; reads no F")
    .argument("<path>", "bundle: a directory, .npz, .safetensors or the authors' .pt")
    .action((target, _options, cmd) => {
      const info = bundleInfo(target);
      printResult(io, commonFlags(cmd), { text: bundleInfoText(info), json: info });
    });
  example(info, "skc bundle info runs/bundle-ntu60_55_5");
  const validate = bundle
    .command("validate")
    .description(
      "every check skc eval makes: shapes, labels, class ids, joint layout, every value finite, ZIP CRCs",
    )
    .argument("<path>", "bundle: a directory, .npz, .safetensors or the authors' .pt")
    .addOption(layoutOption())
    .action((target, options, cmd) => {
      const flags = commonFlags(cmd);
      const progress = sampleProgress(flags.quiet, "validate");
      const layout = options.layout === undefined ? {} : { layout: LAYOUTS[options.layout]! };
      const interrupt = currentInterrupt();
      interrupt.keeping("nothing was written (validate only reads); rerun the same command");
      try {
        const report = interrupt.runSync(() =>
          validateBundleStream(target, { ...layout, onProgress: progress.onProgress }),
        );
        printResult(io, flags, { text: bundleValidationText(report), json: report });
      } finally {
        progress.stop();
      }
    });
  example(validate, "skc bundle validate encoder_outputs.pt");
  const convert = bundle
    .command("convert")
    .description(
      "any format to a directory, .npz or .safetensors; --descriptors-only stores (N, 8, C) instead of F",
    )
    .argument("<source>", "bundle to read")
    .argument("<target>", "bundle to write (format from --to, else from the extension; else a directory)")
    .addOption(new Option("--to <format>", "output format").choices(["dir", "npz", "safetensors"] as const))
    .option("--descriptors-only", "store the descriptors (Eq. 3–4, computed as F streams by) instead of F")
    .option("--compress", ".npz: deflate the members (savez_compressed)")
    .action(async (source, target, options, cmd) => {
      const flags = commonFlags(cmd);
      const progress = sampleProgress(flags.quiet, "convert");
      const interrupt = currentInterrupt();
      interrupt.keeping(nothingWritten(target, fs.existsSync(target)));
      const stage = stageBundle(target, options.to); // the bundle appears at target only when complete
      const { descriptorsOnly = false, compress = false } = options;
      const { onProgress } = progress;
      try {
        const written = await interrupt.publish(stage, (where) =>
          convertBundle(source, where, { to: stage.format, descriptorsOnly, compress, onProgress }),
        );
        interrupt.keeping(`${target} is complete`);
        const result = { ...written, target };
        printResult(io, flags, { text: convertText(result), json: result });
      } finally {
        progress.stop();
      }
    });
  example(convert, "skc bundle convert encoder_outputs.pt runs/ntu120_96_24-descriptors --descriptors-only");
  const merge = bundle
    .command("merge")
    .description(
      "join the parts of skc extract --shard i/n into one bundle, identical to a single run; refuses a missing, duplicated or unfinished part",
    )
    .argument("<parts...>", "the part directories, in any order")
    .requiredOption("--out <dir>", "the merged bundle directory (must not exist)")
    .action((parts, options, cmd) => {
      const interrupt = currentInterrupt();
      // It did not exist (else merge refuses): there now, it was renamed into place complete.
      interrupt.keeping(() => (fs.existsSync(options.out) ? `${options.out} is complete` : nothingWritten()));
      const result = interrupt.runSync(() => mergeBundleShards(parts, options.out), "merge");
      const text = `merged ${result.parts} parts into ${result.out}: ${result.samples} samples, ${result.kind}\n`;
      printResult(io, commonFlags(cmd), { text, json: result });
    });
  example(merge, "skc bundle merge parts/part-* --out ntu120_96_24");
}
