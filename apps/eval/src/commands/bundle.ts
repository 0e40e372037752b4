/**
 * `skc bundle info | validate | convert`: inspect, check and convert
 * pre-encoded bundles of any size (F is streamed, never held whole). Thin:
 * parse the arguments, call @skeleton-cache/bundle, print.
 */

import {
  type BundleInfo,
  type BundleValidation,
  bundleInfo,
  convertBundle,
  mergeBundleShards,
  validateBundleStream,
} from "@skeleton-cache/bundle";
import { type CliIo, type Command, example, helpDefault, Option } from "@skeleton-cache/cli";
import { LAYOUTS } from "@skeleton-cache/skeleton";
import { createProgress, progressEnabled } from "../progress.js";

/** `--layout`, as `skc eval` and `skc bundle validate` take it. */
export const layoutOption = () =>
  helpDefault(
    new Option("--layout <id>", "joint layout of the bundle's feature volume").choices(Object.keys(LAYOUTS)),
    "the one the bundle's meta.json records, else ntu25",
  );

function megabytes(bytes: number): string {
  return bytes >= 1e9 ? `${(bytes / 1e9).toFixed(2)} GB` : `${(bytes / 1e6).toFixed(1)} MB`;
}

function idRange(ids: readonly number[]): string {
  if (ids.length === 0) return "none";
  const contiguous = ids.every((id, u) => id === ids[0]! + u);
  return contiguous ? `${ids[0]}..${ids[ids.length - 1]}` : ids.join(", ");
}

const META_KEYS = ["dataset", "split", "backbone", "synthetic", "source"] as const;

/** The lines `skc bundle info` prints. */
export function infoText(info: BundleInfo): string {
  const shape = [info.numSamples, ...info.featureShape].join(", ");
  const volume =
    info.kind === "features"
      ? `F (N, C, T, V) = (${shape}) ${info.featureDtype}`
      : `descriptors (N, 8, C) = (${shape}) ${info.featureDtype}`;
  const known = META_KEYS.filter((key) => info.meta[key] !== undefined).map(
    (key) => `${key}=${JSON.stringify(info.meta[key])}`,
  );
  const others = Object.keys(info.meta).filter((key) => !(META_KEYS as readonly string[]).includes(key));
  return [
    `bundle: ${info.source} (${info.format}, ${megabytes(info.bytes)} on disk)`,
    `samples: N=${info.numSamples}  classes: U=${info.numClasses} (${info.classIds ? `class ids ${idRange(info.classIds)}` : "no dataset class ids"})`,
    `holds: ${volume}, C=${info.channels}`,
    `meta: ${known.join(", ") || "(none)"}${others.length > 0 ? `; also ${others.join(", ")}` : ""}`,
    "",
  ].join("\n");
}

function validationText(report: BundleValidation): string {
  const counts = report.samplesPerClass;
  const layout = report.layout ? `, descriptors finite with layout ${report.layout}` : "";
  return `valid: ${report.source} (${report.format}): N=${report.numSamples}, U=${report.numClasses}, ${report.valuesChecked} values of ${report.kind} finite${layout}; samples per class ${Math.min(...counts)}..${Math.max(...counts)}\n`;
}

/** A progress callback over samples, drawn on stderr unless quiet. */
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
    .option("--json", "print JSON")
    .action((target, options) => {
      const info = bundleInfo(target);
      io.stdout.write(options.json ? `${JSON.stringify(info, null, 2)}\n` : infoText(info));
    });
  example(info, "skc bundle info runs/bundle-ntu60_55_5");
  const validate = bundle
    .command("validate")
    .description(
      "every check skc eval makes: shapes, labels, class ids, joint layout, every value finite, ZIP CRCs",
    )
    .argument("<path>", "bundle: a directory, .npz, .safetensors or the authors' .pt")
    .addOption(layoutOption())
    .option("--quiet", "no progress bar")
    .action((target, options) => {
      const progress = sampleProgress(options.quiet === true, "validate");
      const layout = options.layout === undefined ? {} : { layout: LAYOUTS[options.layout]! };
      try {
        io.stdout.write(
          validationText(validateBundleStream(target, { ...layout, onProgress: progress.onProgress })),
        );
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
    .option("--quiet", "no progress bar, no summary")
    .action((source, target, options) => {
      const progress = sampleProgress(options.quiet === true, "convert");
      let result: ReturnType<typeof convertBundle>;
      try {
        result = convertBundle(source, target, {
          ...(options.to ? { to: options.to } : {}),
          descriptorsOnly: options.descriptorsOnly === true,
          compress: options.compress === true,
          onProgress: progress.onProgress,
        });
      } finally {
        progress.stop();
      }
      if (options.quiet !== true)
        io.stdout.write(
          `wrote ${result.target} (${result.format}, ${result.kind}, N=${result.numSamples}, ${megabytes(result.bytes)})\n`,
        );
    });
  example(convert, "skc bundle convert encoder_outputs.pt runs/ntu120_96_24-descriptors --descriptors-only");
  const merge = bundle
    .command("merge")
    .description(
      "join the parts of skc extract --shard i/n into one bundle, identical to a single run; refuses a missing, duplicated or unfinished part",
    )
    .argument("<parts...>", "the part directories, in any order")
    .requiredOption("--out <dir>", "the merged bundle directory (must not exist)")
    .option("--quiet", "no summary")
    .action((parts, options) => {
      const result = mergeBundleShards(parts, options.out);
      if (options.quiet !== true)
        io.stdout.write(
          `merged ${result.parts} parts into ${result.out}: ${result.samples} samples, ${result.kind}\n`,
        );
    });
  example(merge, "skc bundle merge parts/part-* --out ntu120_96_24");
}
