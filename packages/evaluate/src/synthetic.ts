/**
 * A seeded generator of SYNTHETIC encoder outputs: what a frozen zero-shot
 * backbone would hand to Skeleton-Cache (base logits and the eight
 * descriptors per sample), made from class prototypes with noise. Nothing
 * here comes from a real model or real skeletons; every stream it makes says
 * so in its metadata (`synthetic: true`).
 *
 * Model, per descriptor slot d (SPEC §2 order) and class u:
 *   prototype  p[u, d] = b[d] + separation[d] · z[u, d]        (b, z ~ N(0, I_C))
 *   sample     x[i, d] = p[y_i, d] + nuisance · m_i + noise · n[i, d]
 * where m_i (shared by all slots of a sample) plays the subject / viewpoint,
 * and the base logits come from a noisy zero-shot-like head:
 *   logits[i, u] = temperature · (S[y_i, u] + headNoise · e[i, u]) + offset
 * with S a class-similarity matrix (1 on the diagonal, a seeded value in
 * [0, maxConfusion] off it), so errors fall on similar classes.
 */

import { ValueError } from "@skeleton-cache/errors";
import { type LabelledStream, NUM_SLOTS } from "@skeleton-cache/skeleton";
import { type Random, seededRandom } from "@skeleton-cache/tensor";

export interface SyntheticOptions {
  readonly seed: number;
  /** N: samples. */
  readonly samples: number;
  /** Dataset class ids of the candidates, strictly ascending (candidate u = rank). */
  readonly classIds: readonly number[];
  /** C: descriptor channels. */
  readonly channels: number;
  /** Per-slot separation of the class prototypes (8 values). */
  readonly separation?: readonly number[];
  /** Per-sample noise of each descriptor. */
  readonly noise?: number;
  /** Per-sample offset shared by the slots. */
  readonly nuisance?: number;
  /** Noise of the zero-shot head (larger → lower backbone accuracy). */
  readonly headNoise?: number;
  readonly maxConfusion?: number;
  readonly temperature?: number;
  readonly offset?: number;
}

/** Defaults of the demo: backbone top-1 near 60 %, descriptors that cluster by class. */
export const SYNTHETIC_DEFAULTS = {
  separation: [0.55, 0.5, 0.7, 0.45, 0.5, 0.6, 0.5, 0.75],
  noise: 1.1,
  nuisance: 0.5,
  headNoise: 0.55,
  maxConfusion: 0.6,
  temperature: 1.2,
  offset: -1.2,
} as const;

const SLOTS = NUM_SLOTS;

function gaussianVector(random: Random, length: number): Float64Array {
  const out = new Float64Array(length);
  for (let i = 0; i < length; i++) out[i] = random.normal();
  return out;
}

/**
 * Generates a synthetic labelled stream of descriptors; the same options give
 * the same numbers, bit for bit. Its meta says `synthetic: true` and holds
 * the generator's constants.
 */
export function generateSynthetic(options: SyntheticOptions): LabelledStream {
  const { seed, samples, channels } = options;
  const classIds = Int32Array.from(options.classIds);
  const numClasses = classIds.length;
  checkSizes(samples, channels, classIds);
  const model = syntheticModel(options);
  // One seeded stream, drawn in this order: prototypes, similarity, labels, samples.
  const random = seededRandom(seed);
  const prototypes = classPrototypes(random, { numClasses, channels, separation: model.separation });
  const similarity = classSimilarity(random, numClasses, model.maxConfusion);
  const labels = balancedLabels(random, samples, numClasses);
  const { descriptors, logits } = drawSamples(random, model, {
    prototypes,
    similarity,
    labels,
    numClasses,
    channels,
  });
  return {
    kind: "descriptors",
    logits: { data: logits, shape: [samples, numClasses] },
    descriptors: { data: descriptors, shape: [samples, SLOTS, channels] },
    labels,
    classIds,
    meta: { synthetic: true, generator: { ...SYNTHETIC_DEFAULTS, ...options } },
  };
}

function checkSizes(samples: number, channels: number, classIds: Int32Array): void {
  for (const [name, value] of [
    ["samples", samples],
    ["channels", channels],
  ] as const) {
    if (!Number.isInteger(value) || value < 1)
      throw new ValueError(`synthetic: ${name} must be a positive integer, got ${value}`, {
        field: name,
        value,
      });
  }
  const numClasses = classIds.length;
  if (numClasses < 2)
    throw new ValueError("synthetic: needs at least 2 classes", { field: "classIds", value: numClasses });
  for (let u = 1; u < numClasses; u++) {
    if (classIds[u]! <= classIds[u - 1]!)
      throw new ValueError("synthetic: classIds must be strictly ascending", {
        field: "classIds",
        position: u,
      });
  }
}

/** The model's constants: the options given, else the demo's defaults. */
interface SyntheticModel {
  readonly separation: readonly number[];
  readonly noise: number;
  readonly nuisance: number;
  readonly headNoise: number;
  readonly maxConfusion: number;
  readonly temperature: number;
  readonly offset: number;
}

function syntheticModel(options: SyntheticOptions): SyntheticModel {
  const separation = options.separation ?? SYNTHETIC_DEFAULTS.separation;
  if (separation.length !== SLOTS)
    throw new ValueError(`synthetic: separation needs 8 values, got ${separation.length}`, {
      field: "separation",
    });
  return {
    separation,
    noise: options.noise ?? SYNTHETIC_DEFAULTS.noise,
    nuisance: options.nuisance ?? SYNTHETIC_DEFAULTS.nuisance,
    headNoise: options.headNoise ?? SYNTHETIC_DEFAULTS.headNoise,
    maxConfusion: options.maxConfusion ?? SYNTHETIC_DEFAULTS.maxConfusion,
    temperature: options.temperature ?? SYNTHETIC_DEFAULTS.temperature,
    offset: options.offset ?? SYNTHETIC_DEFAULTS.offset,
  };
}

/** Shared slot bases b[d] and class prototypes p[u, d] = b[d] + separation[d] · z[u, d]: (U, 8, C). */
function classPrototypes(
  random: Random,
  shape: { readonly numClasses: number; readonly channels: number; readonly separation: readonly number[] },
): Float64Array {
  const { numClasses, channels, separation } = shape;
  const prototypes = new Float64Array(numClasses * SLOTS * channels);
  const bases: Float64Array[] = [];
  for (let slot = 0; slot < SLOTS; slot++) bases.push(gaussianVector(random, channels));
  for (let u = 0; u < numClasses; u++) {
    for (let slot = 0; slot < SLOTS; slot++) {
      const row = (u * SLOTS + slot) * channels;
      for (let channel = 0; channel < channels; channel++)
        prototypes[row + channel] = bases[slot]![channel]! + separation[slot]! * random.normal();
    }
  }
  return prototypes;
}

/** Class similarity S of the zero-shot head (symmetric, 1 on the diagonal): (U, U). */
function classSimilarity(random: Random, numClasses: number, maxConfusion: number): Float64Array {
  const similarity = new Float64Array(numClasses * numClasses);
  for (let a = 0; a < numClasses; a++) {
    similarity[a * numClasses + a] = 1;
    for (let b = a + 1; b < numClasses; b++) {
      const s = maxConfusion * random.next();
      similarity[a * numClasses + b] = s;
      similarity[b * numClasses + a] = s;
    }
  }
  return similarity;
}

/** Balanced labels in a seeded order. */
function balancedLabels(random: Random, samples: number, numClasses: number): Int32Array {
  const labels = new Int32Array(samples);
  for (let sample = 0; sample < samples; sample++) labels[sample] = sample % numClasses;
  for (let sample = samples - 1; sample > 0; sample--) {
    const other = random.int(sample + 1);
    const keep = labels[sample]!;
    labels[sample] = labels[other]!;
    labels[other] = keep;
  }
  return labels;
}

/** Each sample's descriptors x[i, d] and base logits, in sample order. */
function drawSamples(
  random: Random,
  model: SyntheticModel,
  classes: {
    readonly prototypes: Float64Array;
    readonly similarity: Float64Array;
    readonly labels: Int32Array;
    readonly numClasses: number;
    readonly channels: number;
  },
): { descriptors: Float32Array; logits: Float32Array } {
  const { prototypes, similarity, labels, numClasses, channels } = classes;
  const { noise, nuisance, headNoise, temperature, offset } = model;
  const samples = labels.length;
  const descriptors = new Float32Array(samples * SLOTS * channels);
  const logits = new Float32Array(samples * numClasses);
  const shared = new Float64Array(channels);
  for (let sample = 0; sample < samples; sample++) {
    const label = labels[sample]!;
    for (let channel = 0; channel < channels; channel++) shared[channel] = random.normal();
    for (let slot = 0; slot < SLOTS; slot++) {
      const from = (label * SLOTS + slot) * channels;
      const to = (sample * SLOTS + slot) * channels;
      for (let channel = 0; channel < channels; channel++) {
        // x[i, d] = p[y_i, d] + nuisance · m_i + noise · n[i, d]
        descriptors[to + channel] =
          prototypes[from + channel]! + nuisance * shared[channel]! + noise * random.normal();
      }
    }
    for (let u = 0; u < numClasses; u++) {
      // logits[i, u] = temperature · (S[y_i, u] + headNoise · e[i, u]) + offset
      logits[sample * numClasses + u] =
        temperature * (similarity[label * numClasses + u]! + headNoise * random.normal()) + offset;
    }
  }
  return { descriptors, logits };
}
