/**
 * The reference protocol against the authors' code: every grid point's
 * correct count, the second pass, and the online predictions of every
 * parity fixture (fixtures/parity, computed by the authors' code).
 */
import fs from "node:fs";
import path from "node:path";
import { readNpy, toFloat32, toIntArray } from "@skeleton-cache/formats";
import { loadPrior, uniformPrior } from "@skeleton-cache/prior";
import { parityCases, parityDir } from "@skeleton-cache/test-support";
import { onlinePass, type SkeletonCacheMethod, streamDescriptors } from "@skeleton-cache/tta";
import { describe, expect, it } from "vitest";
import { buildMethod, meanMaxBaseLogit, referenceGrid, referenceRun } from "./index.js";

function loadCase(name: string, kernel: "wasm" | "js" = "wasm") {
  const dir = parityDir(name);
  const read = (file: string) => readNpy(path.join(dir, file));
  const features = read("features.npy");
  const logits = read("logits.npy");
  const descriptors = streamDescriptors(
    {
      logits: { data: toFloat32(logits), shape: logits.shape },
      features: { data: toFloat32(features), shape: features.shape },
    },
    { kernel },
  );
  return {
    data: {
      kind: "features" as const,
      logits: { data: toFloat32(logits), shape: logits.shape },
      descriptors,
      labels: toIntArray(read("labels.npy")),
    },
    prior: loadPrior(path.join(dir, "prior.json")),
    expected: JSON.parse(fs.readFileSync(path.join(dir, "expected.json"), "utf8")),
    params: JSON.parse(fs.readFileSync(path.join(dir, "params.json"), "utf8")),
  };
}

const cases = parityCases().filter((name) => fs.existsSync(path.join(parityDir(name), "expected.json")));

describe("reference protocol parity", () => {
  it("finds the parity fixtures", () => {
    expect(cases.length).toBeGreaterThanOrEqual(4);
  });

  // Every case through both kernels: WebAssembly SIMD (float32 accumulation) and plain JS loops (float64),
  // for the descriptors (Eq. 3–4) and for retrieval (Eq. 6–8).
  const runs = cases.flatMap((name) => (["wasm", "js"] as const).map((kernel) => [name, kernel] as const));
  describe.each(runs)("case %s, %s kernels", (name, kernel) => {
    const { data, prior, expected, params } = loadCase(name, kernel);
    const setup = (alpha: number, beta: number, K: number, hedge = "auto") => ({
      method: "skeleton-cache",
      params: { alpha, beta, K, hedge, hedgeMargin: params.hedge_margin },
      prior,
      kernel,
    });

    it("every grid point's correct count and second-pass decision", () => {
      const meanMax = meanMaxBaseLogit(data.logits);
      expect(meanMax).toBeCloseTo(expected.second_pass.mean_max_base_logit, 5);
      for (const g of expected.official_reported_grid) {
        const point = referenceRun(data, setup(g.alpha_s, g.beta, g.K), { meanMax });
        expect([g.alpha_s, g.beta, point.correct, point.secondPassFired]).toEqual([
          g.alpha_s,
          g.beta,
          g.correct,
          g.second_pass_fired,
        ]);
      }
    });

    it("the whole grid at once: the same points, the best chosen on the test labels", () => {
      const K = expected.official_reported_grid[0].K;
      const grid = { alpha: [0.5, 1, 2, 3, 5], beta: [3, 5, 7, 9] };
      const result = referenceGrid(data, setup(1, 5, K), grid);
      const want = expected.official_reported_grid as { alpha_s: number; beta: number; correct: number }[];
      for (const point of result.points) {
        const match = want.find((g) => g.alpha_s === point.values.alpha && g.beta === point.values.beta);
        if (match) expect(point.correct).toBe(match.correct);
      }
      expect(result.best.correct).toBe(Math.max(...result.points.map((p) => p.correct)));
      expect(result.bestRun.correct).toBe(result.best.correct);
    });

    it("the second pass at params.json's α, β, K", () => {
      const point = referenceRun(
        data,
        setup(params.alpha_s, params.beta, params.K, params.hedge ? "on" : "off"),
        { meanMax: meanMaxBaseLogit(data.logits) },
      );
      expect(point.allBlocksFull).toBe(expected.second_pass.all_blocks_full);
      expect(point.secondPassFired).toBe(expected.second_pass.fires);
      if (expected.second_pass.fires) expect(point.correct).toBe(expected.second_pass.correct);
      else expect(point.correct).toBe(expected.cache_correct);
    });

    it("online at params.json's α, β, K gives the reference predictions", () => {
      const run = onlinePass(data, buildMethod(data, setup(params.alpha_s, params.beta, params.K)));
      expect(Array.from(run.refinedPred)).toEqual(expected.refined_pred);
      expect((run.method as SkeletonCacheMethod).cache.kernel).toBe(kernel);
    });
  });

  it("never fires the second pass for a method whose blocks do not fill", () => {
    const { data } = loadCase("u5-raw-secondpass");
    const setup = { method: "knn-past", params: {}, prior: uniformPrior(data.logits.shape[1]!) };
    const result = referenceRun(data, setup, { meanMax: 100 });
    expect([result.secondPassFired, result.allBlocksFull]).toEqual([false, false]);
    expect(result.correct).toBe(result.onlineCorrect);
  });
});
