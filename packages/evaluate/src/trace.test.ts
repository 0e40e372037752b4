import { describe, expect, it } from "vitest";
import { chooseTraced, evaluate, generateSynthetic, TIMELINE_POINTS, traceSamples } from "./index.js";

const stream = generateSynthetic({ seed: 21, samples: 120, classIds: [1, 4, 9, 12], channels: 10 });
const run = { orders: 0, ablations: false } as const;

describe("traceSamples: the traced replay of report.html", () => {
  it("replays skeleton-cache's main pass: changed samples first, the cache's timeline, the run's logits", () => {
    const evaluation = evaluate(stream, run);
    const { report, files } = evaluation;
    const traced = traceSamples(
      stream,
      { method: "skeleton-cache", params: report.params, prior: evaluation.prior.prior },
      files,
    );
    if (!("traces" in traced)) throw new Error("expected a traced run");
    const chosen = chooseTraced(files);
    expect(new Set(traced.traces.keys())).toEqual(new Set(chosen));
    const changed = chosen.filter((i) => files.baselinePred[i] !== files.refinedPred[i]);
    expect(chosen.slice(0, changed.length)).toEqual(changed);
    expect(traced.cache.length).toBeLessThanOrEqual(TIMELINE_POINTS + 1);
    expect(traced.refinedLogits.length).toBe(120 * 4);
  });

  it("refuses predictions the stream no longer gives, naming the sample", () => {
    const evaluation = evaluate(stream, run);
    const { files } = evaluation;
    const onlinePred = Int32Array.from(files.onlinePred, (p, i) => (i === 7 ? (p + 1) % 4 : p));
    expect(() =>
      traceSamples(
        { ...stream, source: "b" },
        { method: "skeleton-cache", params: evaluation.report.params, prior: evaluation.prior.prior },
        { ...files, onlinePred },
      ),
    ).toThrow(/bundle b no longer gives this run's predictions: sample 7 replays as class/);
  });

  it("another method gets a note, and its prior is never resolved", () => {
    const { report, files } = evaluate(stream, { ...run, method: "knn-past" });
    const prior = () => {
      throw new Error("not needed");
    };
    const traced = traceSamples(stream, { method: "knn-past", params: report.params, prior }, files);
    expect(traced).toEqual({
      note: "Per-descriptor scores, weights, matches and the cache over time are recorded for skeleton-cache; this run's method is knn-past.",
    });
  });
});
