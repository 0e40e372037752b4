// What a user writes in their own npm project for issue 19's acceptance (c):
// a backbone adapter and a dataset reader, each a plain .mjs module that
// registers itself when imported (verify-packages writes them into the
// outside project's plugins/ folder, which has its own copies of the packages).

/** "joint-motion": no weights; F = frame-to-frame joint velocity, logits = cosine of the motion profile to K prototypes / 0.1. */
export const JOINT_MOTION_ADAPTER = `import { allClasses, checkCandidateClasses, encodeDataset, registerBackbone, selectColumns, stackSamples } from "@skeleton-cache/backbone";
import { z } from "zod";

function encode(x, prototypes) {
  const [n, c, t, v, m] = x.shape;
  const features = new Float32Array(n * c * (t - 1) * v);
  const profiles = new Float32Array(n * v);
  for (let s = 0; s < n; s++)
    for (let ch = 0; ch < c; ch++)
      for (let f = 0; f < t - 1; f++)
        for (let j = 0; j < v; j++) {
          let velocity = 0;
          for (let p = 0; p < m; p++) {
            const at = (((s * c + ch) * t + f) * v + j) * m + p;
            velocity += x.data[at + v * m] - x.data[at];
          }
          features[((s * c + ch) * (t - 1) + f) * v + j] = velocity / m;
          profiles[s * v + j] += Math.abs(velocity / m) / (c * (t - 1));
        }
  const logits = new Float32Array(n * prototypes.length);
  for (let s = 0; s < n; s++)
    prototypes.forEach((proto, k) => {
      let dot = 0, a = 0, b = 0;
      for (let j = 0; j < v; j++) {
        dot += profiles[s * v + j] * proto[j];
        a += profiles[s * v + j] ** 2;
        b += proto[j] ** 2;
      }
      logits[s * prototypes.length + k] = dot / Math.max(Math.sqrt(a) * Math.sqrt(b), 1e-8) / 0.1;
    });
  return { features: { data: features, shape: [n, c, t - 1, v] }, logits: { data: logits, shape: [n, prototypes.length] } };
}

registerBackbone({
  name: "joint-motion",
  description: "joint velocities as features, motion profiles against class prototypes as logits",
  configSchema: z.strictObject({
    prototypes: z.array(z.array(z.number().finite()).min(1)).min(1),
    candidateClasses: z.array(z.number().int().nonnegative()).optional(),
    batchSize: z.number().int().positive().default(16),
  }),
  async create(config) {
    const candidateClasses = checkCandidateClasses(config.candidateClasses ?? allClasses(config.prototypes.length), config.prototypes.length);
    const backbone = {
      name: "joint-motion",
      candidateClasses,
      batchSize: config.batchSize,
      model: { name: "joint-motion", location: "(no weights)" },
      async encode(batch) {
        const { features, logits } = encode(stackSamples(batch, "joint-motion"), config.prototypes);
        return { logits: selectColumns(logits, candidateClasses), features };
      },
      encodeAll: (samples) => encodeDataset(backbone, samples),
      async close() {},
    };
    return backbone;
  },
});
`;

/** Toy CSV skeletons: one body of NTU-25 joints per file, "frame,joint,x,y,z" lines, the action in the name. */
export function csvSkeletonFiles(count, actions, frames) {
  const files = new Map();
  for (let i = 0; i < count; i++) {
    const action = actions[i % actions.length];
    const lines = [];
    for (let t = 0; t < frames; t++)
      for (let v = 0; v < 25; v++) {
        const phase = Math.sin((0.3 + 0.1 * action) * t + v * 0.4 + i) * 0.05 * action;
        lines.push([t, v, (v % 5) * 0.1 + phase, Math.floor(v / 5) * 0.2 - phase, 3 + 0.01 * v].join(","));
      }
    files.set(
      `sample${String(i).padStart(3, "0")}_A${String(action).padStart(3, "0")}.csv`,
      `${lines.join("\n")}\n`,
    );
  }
  return files;
}
