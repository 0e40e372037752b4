/** The authors' `.pt` bundle reads as the same stream as its `.npy` files. */
import fs from "node:fs";
import path from "node:path";
import { readBundleDescriptors } from "@skeleton-cache/bundle";
import { resolvePrior } from "@skeleton-cache/prior";
import { buildMethod } from "@skeleton-cache/protocols";
import { parityDir } from "@skeleton-cache/test-support";
import { onlinePass } from "@skeleton-cache/tta";
import { describe, expect, it } from "vitest";
import { evaluate, priorCandidates } from "./index.js";

describe("the authors' .pt bundle", () => {
  it("u12-t13/encoder_outputs.pt gives the same online predictions as the .npy files", () => {
    const dir = parityDir("u12-t13");
    const stream = readBundleDescriptors(path.join(dir, "encoder_outputs.pt"));
    expect(stream.classIds).toBeUndefined();
    const resolved = resolvePrior(path.join(dir, "prior.json"), {
      uniformGamma: 0.5,
      candidates: priorCandidates(stream),
    });
    const expected = JSON.parse(fs.readFileSync(path.join(dir, "expected.json"), "utf8"));
    const params = { alpha: 3, beta: 7, K: 8, hedge: "auto", hedgeMargin: 0.5 };
    const run = onlinePass(
      stream,
      buildMethod(stream, { method: "skeleton-cache", params, prior: resolved.prior }),
    );
    expect(Array.from(run.refinedPred)).toEqual(expected.refined_pred);
    // … and through evaluate (the online protocol), as skc eval runs it.
    const { files } = evaluate(stream, {
      prior: resolved,
      ...params,
      hedge: "auto",
      orders: 0,
      ablations: false,
    });
    expect(Array.from(files.refinedPred)).toEqual(expected.refined_pred);
  });
});
