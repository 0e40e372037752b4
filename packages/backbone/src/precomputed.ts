import { type BundleReader, openBundle } from "@skeleton-cache/bundle";
import { ValueError } from "@skeleton-cache/errors";
import { z } from "zod";
import { type BackboneAdapter, parseBackboneConfig } from "./adapter.js";
import {
  assertBatchSize,
  type Backbone,
  type BackboneBatch,
  type BackboneOutput,
  checkCandidateClasses,
  encodeDataset,
} from "./backbone.js";

/** Options of `createBackbone("precomputed", options)`. */
export const PrecomputedBackboneOptionsSchema = z
  .object({
    /** A bundle: directory, .npz, .safetensors or encoder_outputs .pt (see @skeleton-cache/bundle). */
    bundle: z.string().min(1),
    /** Class ids to keep, a strictly ascending subset of the bundle's class ids; default all. */
    candidateClasses: z.array(z.number().int().nonnegative()).optional(),
    batchSize: z.number().int().positive().default(64),
  })
  .strict();

export type PrecomputedBackboneOptions = z.input<typeof PrecomputedBackboneOptionsSchema>;

/**
 * A backbone over a pre-encoded bundle (a features bundle: F (N, C, T, V)):
 * a sample is its index in the bundle.
 */
export interface PrecomputedBackbone extends Backbone<number> {
  readonly source: string;
  /** Ground truth of the bundle, as candidate indices of `candidateClasses` (−1 where a label's class was dropped). */
  readonly labels: Int32Array;
  /** Number of samples in the bundle. */
  readonly numSamples: number;
}

/** Wraps an opened bundle reader as a backbone. */
export function precomputedBackbone(
  reader: BundleReader,
  options: { candidateClasses?: readonly number[]; batchSize?: number } = {},
): PrecomputedBackbone {
  const source = reader.source;
  if (reader.kind !== "features") {
    throw new ValueError(
      `${source}: the bundle holds descriptors (N, 8, C), not the feature volume (N, C, T, V) a backbone gives; evaluate it directly from the bundle`,
      { file: source, field: "features", value: reader.kind },
    );
  }
  const batchSize = assertBatchSize(options.batchSize ?? 64);
  // Candidate u is class u where the bundle names no dataset class ids.
  const bundleIds = reader.classIds
    ? Array.from(reader.classIds)
    : Array.from({ length: reader.numClasses }, (_, u) => u);
  const candidateClasses = checkCandidateClasses(
    options.candidateClasses ?? bundleIds,
    undefined,
    `candidate classes for ${source}`,
  );
  // Column of each candidate in the bundle's logits.
  const columns = candidateClasses.map((id, u) => {
    const column = bundleIds.indexOf(id);
    if (column < 0) {
      throw new ValueError(
        `${source}: candidate class ${id} (position ${u}) is not among the bundle's class ids [${bundleIds.join(", ")}]`,
        {
          file: source,
          field: "candidateClasses",
          position: u,
          value: id,
          expected: bundleIds,
        },
      );
    }
    return column;
  });
  const labels = Int32Array.from(reader.labels, (label) => candidateClasses.indexOf(bundleIds[label]!));
  const [channels, frames, joints] = reader.featureShape as [number, number, number];
  const volume = channels * frames * joints;
  let closed = false;

  const backbone: PrecomputedBackbone = {
    name: "precomputed",
    source,
    candidateClasses,
    batchSize,
    labels,
    numSamples: reader.numSamples,
    async encode(batch: readonly number[]): Promise<BackboneOutput> {
      if (closed) throw new ValueError(`precomputed backbone ${source} is closed`, { file: source });
      const classes = columns.length;
      const logits = new Float32Array(batch.length * classes);
      const features = new Float32Array(batch.length * volume);
      for (let n = 0; n < batch.length; n++) {
        const row = reader.logits(batch[n]!);
        for (let u = 0; u < classes; u++) logits[n * classes + u] = row[columns[u]!]!;
        features.set(reader.features(batch[n]!), n * volume);
      }
      return {
        logits: { data: logits, shape: [batch.length, classes] },
        features: { data: features, shape: [batch.length, channels, frames, joints] },
      };
    },
    encodeAll(samples: Iterable<number> | AsyncIterable<number>): AsyncGenerator<BackboneBatch> {
      return encodeDataset(backbone, samples);
    },
    async close(): Promise<void> {
      if (closed) return;
      closed = true;
      reader.close();
    },
  };
  return backbone;
}

/** Opens `options.bundle` and wraps it (options validated by the registry's schema). */
async function openPrecomputed(
  options: z.output<typeof PrecomputedBackboneOptionsSchema>,
): Promise<PrecomputedBackbone> {
  const reader = openBundle(options.bundle);
  try {
    return precomputedBackbone(reader, {
      batchSize: options.batchSize,
      ...(options.candidateClasses ? { candidateClasses: options.candidateClasses } : {}),
    });
  } catch (error) {
    reader.close();
    throw error;
  }
}

/** The "precomputed" adapter: a pre-encoded features bundle; a sample is its index. */
export const precomputedAdapter: BackboneAdapter<typeof PrecomputedBackboneOptionsSchema, number> = {
  name: "precomputed",
  description: "a pre-encoded features bundle (samples are bundle indices)",
  configSchema: PrecomputedBackboneOptionsSchema,
  origin: "@skeleton-cache/backbone",
  create: openPrecomputed,
};

/** `createBackbone("precomputed", options)` with the options checked and typed. */
export async function createPrecomputedBackbone(
  options: PrecomputedBackboneOptions,
): Promise<PrecomputedBackbone> {
  return openPrecomputed(parseBackboneConfig(precomputedAdapter, options));
}
