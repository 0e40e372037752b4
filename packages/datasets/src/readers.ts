/**
 * Dataset readers as entries of the "dataset" plug point of
 * @skeleton-cache/registry: a name (`--dataset`), the zod schema of the
 * dataset options it reads, and `open(config)` giving a SkeletonDataset.
 */
import {
  type ConfigSource,
  defineRegistry,
  type RegistryDescription,
  type RegistryEntry,
} from "@skeleton-cache/registry";
import { z } from "zod";
import { NtuSkeletonDataset } from "./ntu-skeleton.js";
import { PkuMmdDataset } from "./pku-mmd.js";
import type { SkeletonDataset } from "./types.js";
import { UtdMhadDataset } from "./utd-mhad.js";

/**
 * A dataset reader. Its config holds the dataset options of an extraction
 * (`data`: the folder of raw files, plus `keepMissing`, `pkuBenchmark`,
 * `pkuPart`, `minConfidence` where set): a reader's schema takes the ones it
 * reads (`z.object` drops the others).
 */
export interface DatasetReader<Schema extends z.ZodType = z.ZodType> extends RegistryEntry {
  /** The dataset's id (`--dataset`), e.g. "ntu60"; lower-case letters, digits, ".", "_", "-". */
  readonly name: string;
  /** One line: which files it reads. */
  readonly description: string;
  readonly configSchema: Schema;
  /** Lists the dataset's samples from a checked config (reading joints waits for `load`). */
  open(config: z.output<Schema>): SkeletonDataset;
}

/** The folder of raw files every reader takes. */
const data = z.string().min(1);

const NtuConfig = z.object({
  data,
  /** Keep the official missing-skeleton samples (default false: left out). */
  keepMissing: z.boolean().default(false),
});

function ntuReader(dataset: "ntu60" | "ntu120"): DatasetReader<typeof NtuConfig> {
  return {
    name: dataset,
    origin: "@skeleton-cache/datasets",
    description: `NTU RGB+D ${dataset === "ntu60" ? "60 (A001–A060)" : "120"}: a folder of raw .skeleton files`,
    configSchema: NtuConfig,
    open: (config) => new NtuSkeletonDataset(config.data, { dataset, skipMissing: !config.keepMissing }),
  };
}

/** NTU RGB+D 60: `.skeleton` files, actions A001–A060. */
export const ntu60Reader = ntuReader("ntu60");
/** NTU RGB+D 120: `.skeleton` files, every action. */
export const ntu120Reader = ntuReader("ntu120");

const UtdMhadConfig = z.object({ data });

/** UTD-MHAD: a folder of `a<action>_s<subject>_t<trial>_skeleton.mat` files. */
export const utdMhadReader: DatasetReader<typeof UtdMhadConfig> = {
  name: "utd-mhad",
  origin: "@skeleton-cache/datasets",
  description: "UTD-MHAD: a folder of aN_sN_tN_skeleton.mat files (Kinect v1, 20 joints)",
  configSchema: UtdMhadConfig,
  open: (config) => new UtdMhadDataset(config.data),
};

const PkuMmdConfig = z.object({
  data,
  /** Keep one part of an official benchmark. */
  pkuBenchmark: z.enum(["cross-subject", "cross-view"]).optional(),
  pkuPart: z.enum(["train", "test"]).optional(),
  /** Drop action instances whose label confidence is below this (0–2). */
  minConfidence: z.number().int().min(0).max(2).optional(),
});

/** PKU-MMD phase 1: skeleton files and label files, one trimmed clip per label line. */
export const pkuMmdReader: DatasetReader<typeof PkuMmdConfig> = {
  name: "pku-mmd",
  origin: "@skeleton-cache/datasets",
  description: "PKU-MMD phase 1: skeleton files + label files (one clip per label line)",
  configSchema: PkuMmdConfig,
  open: (config) =>
    new PkuMmdDataset(config.data, {
      ...(config.pkuBenchmark ? { benchmark: config.pkuBenchmark } : {}),
      ...(config.pkuPart ? { part: config.pkuPart } : {}),
      ...(config.minConfidence !== undefined ? { minConfidence: config.minConfidence } : {}),
    }),
};

/**
 * The "dataset" plug point (one store on globalThis, shared by every
 * installed copy); the shipped readers are registered on first use.
 */
const readers = defineRegistry<DatasetReader>({
  kind: "dataset",
  noun: "dataset reader",
  functions: ["open"],
  builtins: () => [ntu60Reader, ntu120Reader, utdMhadReader, pkuMmdReader] as DatasetReader[],
  register: "registerDatasetReader(reader) from @skeleton-cache/datasets",
  doc: "docs/write-your-own-adapter.md",
});

/**
 * Registers a dataset reader (a module calls this when imported). The same
 * reader again is a no-op; another under a taken name at the same priority
 * is an error; a higher priority takes the name.
 */
export function registerDatasetReader<Schema extends z.ZodType>(reader: DatasetReader<Schema>): void {
  readers.register(reader as unknown as DatasetReader);
}

/** Removes the reader at `priority`, or every reader under `name`; whether one was registered. */
export function unregisterDatasetReader(name: string, priority?: number): boolean {
  return readers.unregister(name, priority);
}

/** The dataset ids a reader is registered for (the shipped ones first). */
export function listDatasetReaders(): string[] {
  return readers.list();
}

/** The reader lookup returns for a dataset id, or undefined. */
export function getDatasetReader(name: string): DatasetReader | undefined {
  return readers.get(name);
}

/** Every registered reader: name, priority, description and options as JSON Schema. */
export function describeDatasetReaders(): RegistryDescription[] {
  return readers.describe();
}

/**
 * Opens a dataset with the reader registered under `name` (or, for "auto",
 * the first whose schema accepts the config), after checking `config` with
 * its schema. An unknown name names the registered ones.
 */
export function openDataset(name: string, config: unknown, options: ConfigSource = {}): SkeletonDataset {
  const resolved = readers.resolve(name, config, options);
  return resolved.entry.open(resolved.config);
}
