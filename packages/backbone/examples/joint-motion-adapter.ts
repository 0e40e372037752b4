/**
 * A complete backbone adapter: "joint-motion", a model with no weights that
 * scores how much each joint moves. Its feature volume F is the joints'
 * frame-to-frame velocity (N, 3, T − 1, V), averaged over persons; its logits
 * compare each sample's motion profile (mean speed per joint) with one
 * profile per class given in the config (cosine / 0.1).
 */
import {
  allClasses,
  type Backbone,
  type BackboneAdapter,
  checkCandidateClasses,
  encodeDataset,
  registerBackbone,
  selectColumns,
  stackSamples,
} from "@skeleton-cache/backbone";
import type { Tensor } from "@skeleton-cache/tensor";
import { z } from "zod";

/** The config: validated by the registry before `create` sees it. */
export const JointMotionConfig = z.strictObject({
  /** (K, V): the mean joint speed profile of each of the model's K classes. */
  prototypes: z.array(z.array(z.number().finite()).min(1)).min(1),
  /** Every adapter takes candidateClasses and batchSize (skc extract sets them). */
  candidateClasses: z.array(z.number().int().nonnegative()).optional(),
  batchSize: z.number().int().positive().default(16),
});

/** Velocities (N, 3, T − 1, V), person-averaged, and each sample's motion profile (N, V). */
function jointMotion(x: Tensor): { features: Tensor; profiles: Float32Array } {
  const [n, c, t, v, m] = x.shape as [number, number, number, number, number];
  const features = new Float32Array(n * c * (t - 1) * v);
  const profiles = new Float32Array(n * v);
  for (let s = 0; s < n; s++)
    for (let ch = 0; ch < c; ch++)
      for (let f = 0; f < t - 1; f++)
        for (let j = 0; j < v; j++) {
          let velocity = 0;
          for (let p = 0; p < m; p++) {
            const at = (((s * c + ch) * t + f) * v + j) * m + p;
            velocity += x.data[at + v * m]! - x.data[at]!; // frame f + 1 minus frame f
          }
          velocity /= m;
          features[((s * c + ch) * (t - 1) + f) * v + j] = velocity;
          profiles[s * v + j]! += Math.abs(velocity) / (c * (t - 1));
        }
  return { features: { data: features, shape: [n, c, t - 1, v] }, profiles };
}

/** logits[n, k] = cos(profile_n, prototype_k) / 0.1. */
function scores(profiles: Float32Array, prototypes: readonly number[][], samples: number): Tensor {
  const v = prototypes[0]!.length;
  const logits = new Float32Array(samples * prototypes.length);
  for (let s = 0; s < samples; s++)
    for (const [k, prototype] of prototypes.entries()) {
      let dot = 0;
      let a = 0;
      let b = 0;
      for (let j = 0; j < v; j++) {
        const x = profiles[s * v + j]!;
        dot += x * prototype[j]!;
        a += x * x;
        b += prototype[j]! * prototype[j]!;
      }
      logits[s * prototypes.length + k] = dot / Math.max(Math.sqrt(a) * Math.sqrt(b), 1e-8) / 0.1;
    }
  return { data: logits, shape: [samples, prototypes.length] };
}

export const jointMotionAdapter: BackboneAdapter<typeof JointMotionConfig, Tensor> = {
  name: "joint-motion",
  description: "joint velocities as features, motion profiles against class prototypes as logits",
  configSchema: JointMotionConfig,
  async create(config) {
    const classes = config.prototypes.length;
    const candidateClasses = checkCandidateClasses(config.candidateClasses ?? allClasses(classes), classes);
    const backbone: Backbone<Tensor> = {
      name: "joint-motion",
      candidateClasses,
      batchSize: config.batchSize,
      model: { name: `joint-motion (${classes} prototypes)`, location: "(no weights)" },
      async encode(batch) {
        const { features, profiles } = jointMotion(stackSamples(batch, "joint-motion"));
        const logits = scores(profiles, config.prototypes, batch.length);
        return { logits: selectColumns(logits, candidateClasses), features };
      },
      encodeAll: (samples) => encodeDataset(backbone, samples), // batching + shape checks
      async close() {},
    };
    return backbone;
  },
};

registerBackbone(jointMotionAdapter);
