/**
 * The reference protocol against the authors' code: every grid point's
 * correct count, the second pass, the best point and the reported top-1 of
 * every parity fixture (fixtures/parity, committed).
 */
import fs from "node:fs";
import path from "node:path";
import { parityCases, parityDir } from "@skeleton-cache/test-support";
import { describe, expect, it } from "vitest";
import { loadEvalData, resolvePrior } from "./inputs.js";
import { meanMaxBaseLogit, onlinePass, referencePoint } from "./protocols.js";

const PARITY = parityDir();
const cases = parityCases().filter((name) => fs.existsSync(path.join(PARITY, name, "expected.json")));

describe("reference protocol parity", () => {
  it("finds the parity fixtures", () => {
    expect(cases.length).toBeGreaterThanOrEqual(4);
  });

  describe.each(cases)("case %s", (name) => {
    const dir = path.join(PARITY, name);
    const data = loadEvalData(dir);
    const { prior } = resolvePrior(path.join(dir, "prior.json"), data, { uniformGamma: 0.5 });
    const expected = JSON.parse(fs.readFileSync(path.join(dir, "expected.json"), "utf8"));
    const params = JSON.parse(fs.readFileSync(path.join(dir, "params.json"), "utf8"));

    it("every grid point's correct count and second-pass decision", () => {
      const meanMax = meanMaxBaseLogit(data);
      expect(meanMax).toBeCloseTo(expected.second_pass.mean_max_base_logit, 5);
      for (const g of expected.official_reported_grid) {
        const { point } = referencePoint(
          data,
          prior,
          { alpha: g.alpha_s, beta: g.beta, K: g.K, hedge: "auto", hedgeMargin: 0.5 },
          meanMax,
        );
        expect([g.alpha_s, g.beta, point.correct, point.secondPassFired]).toEqual([
          g.alpha_s,
          g.beta,
          g.correct,
          g.second_pass_fired,
        ]);
      }
    });

    it("the second pass at params.json's α, β, K", () => {
      const { point } = referencePoint(
        data,
        prior,
        {
          alpha: params.alpha_s,
          beta: params.beta,
          K: params.K,
          hedge: params.hedge ? "on" : "off",
          hedgeMargin: params.hedge_margin,
        },
        meanMaxBaseLogit(data),
      );
      expect(point.allBlocksFull).toBe(expected.second_pass.all_blocks_full);
      expect(point.secondPassFired).toBe(expected.second_pass.fires);
      if (expected.second_pass.fires) expect(point.correct).toBe(expected.second_pass.correct);
      else expect(point.correct).toBe(expected.cache_correct);
    });

    it("online at params.json's α, β, K gives cache_top1", () => {
      const run = onlinePass(data, prior, {
        alpha: params.alpha_s,
        beta: params.beta,
        K: params.K,
        hedge: "auto",
        hedgeMargin: params.hedge_margin,
      });
      expect(Array.from(run.refinedPred)).toEqual(expected.refined_pred);
      expect(run.adapter.hedgeActive).toBe(params.hedge);
    });
  });
});

describe("the authors' .pt bundle", () => {
  it("u12-t13/encoder_outputs.pt gives the same online predictions as the .npy files", () => {
    const dir = path.join(PARITY, "u12-t13");
    const data = loadEvalData(path.join(dir, "encoder_outputs.pt"));
    expect(data.classIdsKnown).toBe(false);
    const { prior } = resolvePrior(path.join(dir, "prior.json"), data, { uniformGamma: 0.5 });
    const expected = JSON.parse(fs.readFileSync(path.join(dir, "expected.json"), "utf8"));
    const run = onlinePass(data, prior, { alpha: 3, beta: 7, K: 8, hedge: "auto", hedgeMargin: 0.5 });
    expect(Array.from(run.refinedPred)).toEqual(expected.refined_pred);
  });
});
