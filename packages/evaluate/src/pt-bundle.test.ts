/** The authors' `.pt` bundle reads as the same stream as its `.npy` files. */
import fs from "node:fs";
import path from "node:path";
import { resolvePrior } from "@skeleton-cache/prior";
import { buildMethod } from "@skeleton-cache/protocols";
import { parityDir } from "@skeleton-cache/test-support";
import { onlinePass } from "@skeleton-cache/tta";
import { describe, expect, it } from "vitest";
import { loadEvalData, priorCandidates } from "./inputs.js";

describe("the authors' .pt bundle", () => {
  it("u12-t13/encoder_outputs.pt gives the same online predictions as the .npy files", () => {
    const dir = parityDir("u12-t13");
    const data = loadEvalData(path.join(dir, "encoder_outputs.pt"));
    expect(data.classIdsKnown).toBe(false);
    const { prior } = resolvePrior(path.join(dir, "prior.json"), {
      uniformGamma: 0.5,
      candidates: priorCandidates(data),
    });
    const expected = JSON.parse(fs.readFileSync(path.join(dir, "expected.json"), "utf8"));
    const params = { alpha: 3, beta: 7, K: 8, hedge: "auto", hedgeMargin: 0.5 };
    const run = onlinePass(data, buildMethod(data, { method: "skeleton-cache", params, prior }));
    expect(Array.from(run.refinedPred)).toEqual(expected.refined_pred);
  });
});
