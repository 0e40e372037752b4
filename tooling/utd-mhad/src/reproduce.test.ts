/**
 * The committed tables come from the committed bundles: the tables re-render
 * exactly from the committed per-run figures, the validation choice follows
 * from the committed fold figures, and a subset of the runs (every split:
 * seed 0's backbone figures, orders 0–1 at the fixed and chosen points, the
 * ablations and the prior at order 0, fold 0 at the chosen point) is
 * recomputed from the bundles and matches to 0.001 points; for every
 * test-time method, its validation choice follows from its committed fold
 * figures and seed 0's order 0 (whole, early and imbalanced stream, and at
 * its defaults) and fold 0's order 0 recompute. The full recomputation is
 * `pnpm bench:utd --check`.
 */
import fs from "node:fs";
import path from "node:path";
import { accuracy } from "@skeleton-cache/metrics";
import { bestMean, buildMethod, gridPoints, methodGrid } from "@skeleton-cache/protocols";
import { methodNames, onlinePass } from "@skeleton-cache/tta";
import { describe, expect, it } from "vitest";
import { type BenchResults, chooseOnValidation, gridKey } from "./bench/compute.js";
import {
  ablationWeights,
  argmaxRows,
  FIXED,
  loadSplitBundles,
  pluralityCorrect,
  priorFor,
  runCache,
  SPLITS,
  streamOf,
  streamOrder,
  top1,
} from "./bench/core.js";
import { methodSetup, pointKey, testOrder } from "./bench/methods.js";
import { renderTables } from "./bench/tables.js";
import { RESULTS_JSON, TABLES_MD, tablesRegion } from "./bench.js";
import { BENCH_DIR } from "./paths.js";

const results = JSON.parse(fs.readFileSync(RESULTS_JSON, "utf8")) as BenchResults;
const TOLERANCE = 1e-3; // points; the acceptance bound is 0.1

describe("committed UTD-MHAD results", () => {
  it("cover the three splits", () => {
    expect(results.splits.map((s) => s.split)).toEqual([...SPLITS]);
    for (const s of results.splits) expect(s.tests.length).toBeGreaterThanOrEqual(5);
  });

  it("re-render exactly into the tables of docs/results/utd-mhad.md", () => {
    expect(renderTables(results)).toBe(tablesRegion(fs.readFileSync(TABLES_MD, "utf8")));
  });

  it("choose α, β from the validation folds only", () => {
    for (const s of results.splits) {
      expect(s.folds.length).toBeGreaterThanOrEqual(3);
      expect(chooseOnValidation(s.folds).chosen).toEqual(s.chosen);
    }
  });

  for (const split of SPLITS) {
    it(`${split}: seed 0 and fold 0 recompute from the bundles`, () => {
      const committed = results.splits.find((s) => s.split === split)!;
      const bundles = loadSplitBundles(path.join(BENCH_DIR, "bundles"), split);
      const test = bundles.tests[0]!;
      const want = committed.tests[0]!;
      expect(test.name).toBe(want.name);
      const { bundle } = test;
      const u = bundle.logits.shape[1]!;
      expect(top1(argmaxRows(bundle.logits), bundle.labels)).toBeCloseTo(want.baseline.descriptions, 3);
      expect(top1(argmaxRows(test.namesLogits), bundle.labels)).toBeCloseTo(want.baseline.names, 3);
      expect(pluralityCorrect(argmaxRows(bundle.logits), bundle.labels, u)).toBe(want.plurality.descriptions);
      const llm = priorFor(bundle, "llm");
      const chosen = committed.chosen;
      for (const order of [0, 1]) {
        const fixed = runCache(bundle, bundle.logits, llm, FIXED, order);
        expect(Math.abs(fixed.online - want.grid[gridKey(FIXED.alpha, FIXED.beta)]![order]!)).toBeLessThan(
          TOLERANCE,
        );
        expect(
          Math.abs(fixed.reference - want.reference[gridKey(FIXED.alpha, FIXED.beta)]![order]!),
        ).toBeLessThan(TOLERANCE);
        const atChosen = runCache(bundle, bundle.logits, llm, chosen, order);
        expect(
          Math.abs(atChosen.online - want.grid[gridKey(chosen.alpha, chosen.beta)]![order]!),
        ).toBeLessThan(TOLERANCE);
      }
      const global = runCache(
        bundle,
        bundle.logits,
        llm,
        { ...chosen, weights: ablationWeights(llm, u, "global") },
        0,
      );
      expect(Math.abs(global.online - want.ablations.global[0]!)).toBeLessThan(TOLERANCE);
      const uniform = runCache(bundle, bundle.logits, priorFor(bundle, "uniform"), chosen, 0);
      expect(Math.abs(uniform.online - want.uniform[0]!)).toBeLessThan(TOLERANCE);
      const names = runCache(bundle, test.namesLogits, llm, FIXED, 0);
      expect(Math.abs(names.online - want.namesFixed[0]!)).toBeLessThan(TOLERANCE);

      const fold = bundles.folds[0]!;
      const foldWant = committed.folds[0]!;
      expect(fold.name).toBe(foldWant.name);
      const foldRun = runCache(fold.bundle, fold.bundle.logits, priorFor(fold.bundle, "llm"), chosen, 0);
      expect(Math.abs(foldRun.online - foldWant.grid[gridKey(chosen.alpha, chosen.beta)]![0]!)).toBeLessThan(
        TOLERANCE,
      );
    });
  }

  for (const split of SPLITS) {
    it(`${split}: every method's validation choice, seed 0 and fold 0 recompute from the bundles`, () => {
      const committed = results.splits.find((s) => s.split === split)!;
      expect(committed.methods.map((m) => m.method)).toEqual(methodNames());
      const bundles = loadSplitBundles(path.join(BENCH_DIR, "bundles"), split);
      const test = bundles.tests[0]!;
      const fold = bundles.folds[0]!;
      for (const m of committed.methods) {
        const points = gridPoints(methodGrid(m.method));
        const means = points.map((p) => {
          const all = m.folds.flatMap((f) => f.grid[pointKey(p)]!);
          return all.reduce((a, b) => a + b, 0) / all.length;
        });
        expect(points[bestMean(means)]).toEqual(m.chosen);
        const order0 = testOrder(test, methodSetup(m.method, test, m.chosen), 0);
        const want = m.tests[0]!;
        expect(order0.cutClass).toBe(want.cutClass[0]);
        for (const key of ["top1", "early", "earlyBackbone", "imbalanced", "imbalancedBackbone"] as const)
          expect(Math.abs(order0[key] - want[key][0]!)).toBeLessThan(TOLERANCE);
        const testStream = streamOf(test.bundle);
        const atDefaults = onlinePass(testStream, buildMethod(testStream, methodSetup(m.method, test, {})), {
          order: streamOrder(test.bundle.labels.length, 0),
        });
        expect(
          Math.abs(accuracy(atDefaults.refinedPred, test.bundle.labels).percent - m.defaults[0]!.top1[0]!),
        ).toBeLessThan(TOLERANCE);
        const foldStream = streamOf(fold.bundle);
        const foldRun = onlinePass(
          foldStream,
          buildMethod(foldStream, methodSetup(m.method, fold, m.chosen)),
          {
            order: streamOrder(fold.bundle.labels.length, 0),
          },
        );
        expect(
          Math.abs(
            accuracy(foldRun.refinedPred, fold.bundle.labels).percent -
              m.folds[0]!.grid[pointKey(m.chosen)]![0]!,
          ),
        ).toBeLessThan(TOLERANCE);
      }
    });
  }
});
