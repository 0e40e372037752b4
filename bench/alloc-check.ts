/**
 * Child process of the benchmark, run with --trace-gc: steps the Skeleton-Cache method over
 * preloaded descriptors and reports how many garbage collections happened
 * inside the measured loop. Zero means the per-sample loop allocates nothing
 * that needed collecting.
 */
import { uniformPrior } from "@skeleton-cache/prior";
import { seededRandom } from "@skeleton-cache/tensor";
import { SkeletonCacheMethod } from "@skeleton-cache/tta";

const U = 24;
const C = 256;
const pool = 256;
const steps = Number(process.argv[2] ?? 50_000);
const random = seededRandom(3);
const descriptors = Float32Array.from({ length: pool * 8 * C }, () => Math.max(0, random.normal()));
const logits = Float32Array.from({ length: pool * U }, () => random.normal());
const features = Float32Array.from({ length: 4 * C * 25 * 25 }, () => Math.max(0, random.normal()));
const method = new SkeletonCacheMethod({
  numClasses: U,
  channels: C,
  prior: uniformPrior(U, 0.3),
  alpha: 1,
  beta: 5,
  K: 8,
});
const shape = { timeSteps: 25, joints: 25 };
let sink = 0;
for (let i = 0; i < 4000; i++) {
  sink += method.stepDescriptors(logits, (i % pool) * U, descriptors, (i % pool) * 8 * C, i).refinedPred;
  sink += method.stepFeatures(logits, (i % pool) * U, features, (i % 4) * C * 625, shape, {}, i).refinedPred;
}
(globalThis as { gc?: () => void }).gc?.();
process.stdout.write("ALLOC-CHECK-START\n");
for (let i = 0; i < steps; i++) {
  sink += method.stepDescriptors(logits, (i % pool) * U, descriptors, (i % pool) * 8 * C, i).refinedPred;
  if (i % 8 === 0)
    sink += method.stepFeatures(
      logits,
      (i % pool) * U,
      features,
      (i % 4) * C * 625,
      shape,
      {},
      i,
    ).refinedPred;
}
process.stdout.write(`ALLOC-CHECK-END ${sink}\n`);
