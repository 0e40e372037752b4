/**
 * Child process of the benchmark: streams a descriptor bundle from disk
 * through the Skeleton-Cache method, one sample at a time, and prints its peak RSS.
 */
import { openBundle } from "@skeleton-cache/bundle";
import { uniformPrior } from "@skeleton-cache/prior";
import { SkeletonCacheMethod } from "@skeleton-cache/tta";

const reader = openBundle(process.argv[2]!);
const U = reader.numClasses;
const C = reader.featureShape[1]!;
const method = new SkeletonCacheMethod({
  numClasses: U,
  channels: C,
  prior: uniformPrior(U, 0.3),
  alpha: 1,
  beta: 5,
  K: 8,
});
// Peak of the current RSS, sampled along the run (getrusage's maxRSS would
// include the parent's pages at fork time).
let peakRss = process.memoryUsage().rss;
let correct = 0;
const start = process.hrtime.bigint();
for (let i = 0; i < reader.numSamples; i++) {
  const step = method.stepDescriptors(reader.logits(i), 0, reader.features(i), 0, i);
  if (step.refinedPred === reader.labels[i]) correct++;
  if (i % 250 === 0) peakRss = Math.max(peakRss, process.memoryUsage().rss);
}
const seconds = Number(process.hrtime.bigint() - start) / 1e9;
reader.close();
const maxRssBytes = Math.max(peakRss, process.memoryUsage().rss);
console.log(
  JSON.stringify({
    samples: reader.numSamples,
    correct,
    seconds,
    samplesPerSecond: reader.numSamples / seconds,
    maxRssBytes,
  }),
);
