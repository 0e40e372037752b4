import type { NtuBenchmark, NtuGendataOptions, NtuGendataResult } from "./gendata.js";
import type { ResolvedPreprocessing } from "./preprocessing.js";

/**
 * The flags of `skc-ntu-gendata`, camel-cased as the command line's parser
 * hands them over: every preprocessing step given (the flags default to
 * PREPROCESS_DEFAULTS) except `align`, which is a switch.
 */
export interface NtuGendataFlags extends Omit<ResolvedPreprocessing, "align"> {
  /** Folder of .skeleton files. */
  readonly input: string;
  /** Output folder. */
  readonly out: string;
  readonly benchmark?: NtuBenchmark | undefined;
  readonly split?: "train" | "val" | undefined;
  readonly dataset?: "ntu60" | "ntu120" | undefined;
  /** Keep the official missing-skeleton samples. */
  readonly keepMissing?: boolean | undefined;
  readonly align?: boolean | undefined;
}

/** `ntuGendata`'s options from the flags of `skc-ntu-gendata` (what each flag means, without a parser). */
export function ntuGendataOptionsFromFlags(flags: NtuGendataFlags): NtuGendataOptions {
  return {
    inputDir: flags.input,
    outDir: flags.out,
    ...(flags.benchmark ? { benchmark: flags.benchmark } : {}),
    ...(flags.split ? { split: flags.split } : {}),
    ...(flags.dataset ? { dataset: flags.dataset } : {}),
    skipMissing: !flags.keepMissing,
    preprocess: {
      frames: flags.frames,
      bodies: flags.bodies,
      bodySelection: flags.bodySelection,
      temporal: flags.temporal,
      center: flags.center,
      align: flags.align === true,
    },
  };
}

/** The line `skc-ntu-gendata` ends with: what it wrote and how many missing-skeleton samples it skipped. */
export function ntuGendataSummary(result: NtuGendataResult): string {
  return `ntu-gendata: wrote ${result.dataFile} (${result.shape.join(", ")}) and ${result.labelFile}; skipped ${result.skippedMissing.length} missing-skeleton samples`;
}
