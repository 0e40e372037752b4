/**
 * Child process of the data-path benchmark: streams a feature-volume
 * bundle's descriptors (F read in chunks, described per chunk) and runs the
 * online pass, then prints its peak RSS: the kernel's high-water mark of
 * this process's resident memory (VmHWM in /proc/self/status; getrusage's
 * maxRSS would carry the parent's over exec), and the largest RSS sampled
 * along the run where /proc is missing.
 */
import fs from "node:fs";
import { readBundleDescriptors } from "@skeleton-cache/bundle";
import { uniformPrior } from "@skeleton-cache/prior";
import { onlinePass, SkeletonCacheMethod } from "@skeleton-cache/tta";

let peakRss = process.memoryUsage().rss;
const sample = () => {
  peakRss = Math.max(peakRss, process.memoryUsage().rss);
};
const start = process.hrtime.bigint();
const bundle = readBundleDescriptors(process.argv[2]!, {
  onProgress: (done) => {
    if (done % 100 === 0) sample();
  },
});
sample();
const U = bundle.logits.shape[1]!;
const channels = bundle.descriptors.shape[2]!;
onlinePass(
  { logits: bundle.logits, descriptors: bundle.descriptors },
  new SkeletonCacheMethod({
    numClasses: U,
    channels,
    prior: uniformPrior(U, 0.3),
    alpha: 1,
    beta: 5,
    K: 8,
  }),
  { onProgress: sample, progressEvery: 1000 },
);
sample();
const seconds = Number(process.hrtime.bigint() - start) / 1e9;
const hwm = /VmHWM:\s+(\d+) kB/.exec(
  fs.existsSync("/proc/self/status") ? fs.readFileSync("/proc/self/status", "utf8") : "",
);
const maxRssBytes = hwm ? Number(hwm[1]) * 1024 : peakRss;
console.log(
  JSON.stringify({ samples: bundle.labels.length, seconds, maxRssBytes, sampledPeakRssBytes: peakRss }),
);
