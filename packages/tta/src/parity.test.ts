/**
 * Parity with the authors' reference code: every case in
 * fixtures/parity/ (committed) was computed by running it (PyTorch, CPU).
 * Same refined predictions for every sample, refined logits within 1e-4,
 * same cache decisions and the same final cache membership.
 */
import fs from "node:fs";
import path from "node:path";
import { readNpy, toFloat32, toIntArray } from "@skeleton-cache/formats";
import { loadPrior } from "@skeleton-cache/prior";
import { parityCases, parityDir } from "@skeleton-cache/test-support";
import { describe, expect, it } from "vitest";
import { onlinePass } from "./index.js";
import { skeletonCacheFor } from "./test-support/skeleton-cache.js";

const PARITY = parityDir();
const cases = parityCases().filter((name) => fs.existsSync(path.join(PARITY, name, "expected.json")));

interface Expected {
  baseline_pred: number[];
  refined_pred: number[];
  refined_logits: number[][];
  refined_entropy: number[];
  cache_inserted: boolean[];
  hedge_block: number[];
  hedge_inserted: boolean[];
  cache_correct: number;
  baseline_correct: number;
  final_cache: { occupancy: number[]; members: number[][] };
}

function loadCase(name: string) {
  const dir = path.join(PARITY, name);
  const features = readNpy(path.join(dir, "features.npy"));
  const logits = readNpy(path.join(dir, "logits.npy"));
  const labels = toIntArray(readNpy(path.join(dir, "labels.npy")));
  const params = JSON.parse(fs.readFileSync(path.join(dir, "params.json"), "utf8"));
  const expected = JSON.parse(fs.readFileSync(path.join(dir, "expected.json"), "utf8")) as Expected;
  const prior = loadPrior(path.join(dir, "prior.json"));
  return {
    features: { data: toFloat32(features), shape: features.shape },
    logits: { data: toFloat32(logits), shape: logits.shape },
    labels,
    params,
    expected,
    prior,
  };
}

describe("parity with the reference implementation", () => {
  it("finds the parity fixtures", () => {
    expect(cases.length).toBeGreaterThanOrEqual(4);
  });

  // Every case through both kernels: WebAssembly SIMD (float32 accumulation) and plain JS loops (float64).
  describe.each(cases.flatMap((name) => (["wasm", "js"] as const).map((kernel) => [name, kernel] as const)))(
    "case %s, %s kernels",
    (name, kernel) => {
      const c = loadCase(name);
      const input = { logits: c.logits, features: c.features };
      const run = onlinePass(
        input,
        skeletonCacheFor(input, {
          prior: c.prior,
          alpha: c.params.alpha_s,
          beta: c.params.beta,
          K: c.params.K,
          hedge: c.params.hedge ? "on" : "off",
          hedgeMargin: c.params.hedge_margin,
          kernel,
        }),
        { descriptorOptions: { kernel } },
      );

      it("retrieval ran on the named kernel", () => {
        expect(run.method.cache.kernel).toBe(kernel);
      });
      const N = run.numSamples;
      const U = run.numClasses;

      it("baseline predictions", () => {
        expect(Array.from(run.baselinePred)).toEqual(c.expected.baseline_pred);
      });

      it("identical refined prediction for every sample", () => {
        expect(Array.from(run.refinedPred)).toEqual(c.expected.refined_pred);
        let correct = 0;
        for (let i = 0; i < N; i++) if (run.refinedPred[i] === c.labels[i]) correct++;
        expect(correct).toBe(c.expected.cache_correct);
      });

      it("refined logits within 1e-4 and entropies within 1e-5", () => {
        let worst = 0;
        for (let i = 0; i < N; i++) {
          for (let u = 0; u < U; u++) {
            worst = Math.max(
              worst,
              Math.abs(run.refinedLogits[i * U + u]! - c.expected.refined_logits[i]![u]!),
            );
          }
          expect(Math.abs(run.entropy[i]! - c.expected.refined_entropy[i]!)).toBeLessThan(1e-5);
        }
        expect(worst).toBeLessThan(1e-4);
      });

      it("same cache decisions, hedge included", () => {
        expect(Array.from(run.inserted, (v) => v === 1)).toEqual(c.expected.cache_inserted);
        expect(Array.from(run.hedgeBlock)).toEqual(c.expected.hedge_block.map((b) => (b === null ? -1 : b)));
        expect(Array.from(run.hedgeInserted, (v) => v === 1)).toEqual(c.expected.hedge_inserted.map(Boolean));
      });

      it("identical final cache membership, in block position order", () => {
        const cache = run.method.cache;
        expect(cache.occupancies()).toEqual(c.expected.final_cache.occupancy);
        for (let u = 0; u < U; u++) expect(cache.block(u).ids).toEqual(c.expected.final_cache.members[u]);
      });
    },
  );
});
