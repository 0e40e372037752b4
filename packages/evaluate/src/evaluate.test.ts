import fs from "node:fs";
import path from "node:path";
import { ValueError } from "@skeleton-cache/errors";
import { accuracy } from "@skeleton-cache/metrics";
import { uniformPrior } from "@skeleton-cache/prior";
import {
  buildMethod,
  DEFAULT_PROTOCOL,
  type ProtocolEntry,
  registerProtocol,
  streamOrder,
  unregisterProtocol,
} from "@skeleton-cache/protocols";
import { EvalReportSchema } from "@skeleton-cache/report";
import { methodNames, onlinePass } from "@skeleton-cache/tta";
import { describe, expect, it } from "vitest";
import { z } from "zod";
import { compare, compareText, type EvalProgress, evaluate, generateSynthetic } from "./index.js";

const stream = generateSynthetic({ seed: 11, samples: 90, classIds: [10, 11, 19, 26, 56], channels: 12 });
const uniform = { prior: uniformPrior(5, 0.5), kind: "uniform" as const, source: "uniform" };
const fast = { orders: 0, ablations: false } as const;

describe("evaluate: one method, one protocol, in memory", () => {
  it("orders: the main pass is tta's online pass, the spread is the R seeded orders; the report passes its schema", () => {
    const progress: EvalProgress[] = [];
    const { report, files } = evaluate(
      stream,
      { protocol: "orders", orders: 3, seed: 4, ablations: false, alpha: 2 },
      { onProgress: (p) => progress.push(p) },
    );
    expect(EvalReportSchema.safeParse(report).success).toBe(true);
    const params = { alpha: 2, beta: 5, K: 8, hedge: "auto", hedgeMargin: 0.5 };
    expect(report.params).toEqual(params);
    const prior = uniformPrior(5, 0.5, report.bundle.classNames);
    const main = onlinePass(stream, buildMethod(stream, { method: "skeleton-cache", params, prior }));
    expect(Array.from(files.refinedPred)).toEqual(Array.from(main.refinedPred));
    expect(report.results.cache.top1.percent).toBe(accuracy(main.refinedPred, stream.labels).percent);
    expect(report.orders!.seeds).toEqual([4, 5, 6]);
    const second = onlinePass(stream, buildMethod(stream, { method: "skeleton-cache", params, prior }), {
      order: streamOrder(90, 5),
    });
    expect(report.orders!.top1[1]).toBe(accuracy(second.refinedPred, stream.labels).percent);
    expect(report.protocol).toMatchObject({ name: "orders", selectsOnTestLabels: false });
    expect(report.prior).toEqual({ kind: "uniform", source: "uniform", split: null });
    expect(report.bundle).toMatchObject({
      numSamples: 90,
      numClasses: 5,
      channels: 12,
      input: "descriptors",
    });
    expect(report.bundle.classIds).toEqual([10, 11, 19, 26, 56]);
    expect(report.synthetic).toBe(true);
    // Progress: done = 0 first, then one call per pass (1 main + 3 orders), the last at the total.
    expect(progress.map((p) => p.done)).toEqual([0, 1, 2, 3, 4]);
    expect(
      progress.every((p) => p.total === 4 && p.protocol === "orders" && p.method === "skeleton-cache"),
    ).toBe(true);
  });

  it("the setup's prior, GZSL and the ablations (the run's prior, then the uniform one)", () => {
    const gzsl = generateSynthetic({ seed: 3, samples: 80, classIds: [0, 1, 2, 3], channels: 8 });
    const prior = { prior: uniformPrior(4, 0.3), kind: "file" as const, source: "p.json" };
    const { report, files } = evaluate(gzsl, { prior, orders: 0, gzsl: { seen: [0, 2], calibration: 0.5 } });
    expect(report.prior.source).toBe("p.json");
    expect(report.ablations!.map((row) => row.prior)).toEqual([
      ...Array(4).fill("llm"),
      ...Array(4).fill("uniform"),
    ]);
    expect(report.gzsl).toMatchObject({ seenIds: [0, 2], seenIndices: [0, 2], mode: "given" });
    expect(files.gzsl!.refined.length).toBe(80);
  });

  it("refuses what it cannot run, naming the field: method all, an unknown protocol, orders without R, a GZSL seen id", () => {
    expect(() => evaluate(stream, { method: "all" })).toThrow(/method all goes through compare/);
    expect(() => evaluate(stream, { protocol: "oracle" })).toThrow(ValueError);
    expect(() => evaluate(stream, { protocol: "oracle" })).toThrow(
      /protocol.*unknown protocol; known protocols: online/,
    );
    expect(() => evaluate(stream, { protocol: "orders", orders: 0 })).toThrow(
      /the orders protocol needs R ≥ 1/,
    );
    expect(() => evaluate(stream, { ...fast, protocol: "validation" })).toThrow(
      /protocol validation needs a validation stream/,
    );
    expect(() => evaluate(stream, { ...fast, gzsl: { seen: [99] } })).toThrow(/gzsl.seen lists class id 99/);
    const bad = { ...stream, labels: Int32Array.from(stream.labels, (l, i) => (i === 3 ? 7 : l)) };
    expect(() => evaluate(bad, fast)).toThrow(/labels\[3\] is 7/);
  });

  it("validation: the grid on the validation stream, then one pass over the test stream", () => {
    const validation = generateSynthetic({
      seed: 12,
      samples: 60,
      classIds: [16, 21, 25, 31, 48],
      channels: 12,
    });
    const { report } = evaluate(stream, {
      ...fast,
      protocol: "validation",
      grid: { alpha: [0, 2], beta: [5] },
      validation: { stream: { ...validation, source: "val" }, prior: uniform },
    });
    expect(report.grid).toMatchObject({ on: "validation bundle", keys: ["alpha", "beta"] });
    expect(report.grid!.points).toHaveLength(2);
    expect(report.validation).toMatchObject({ bundle: "val", numSamples: 60, numClasses: 5 });
    expect(report.params.alpha).toBe(report.validation!.chosen.alpha);
  });

  it("reference: the method's grid judged on the test labels, no spread", () => {
    const { report } = evaluate(stream, { protocol: "reference", ablations: true, method: "knn-past" });
    expect(report.protocol.selectsOnTestLabels).toBe(true);
    expect(report.orders).toBeNull();
    expect(report.ablations).toBeNull();
    expect(report.reference!.best.top1).toBe(report.results.cache.top1.percent);
  });

  it("a registered protocol runs through the registry lookup, its config checked by its schema", () => {
    const reversed: ProtocolEntry = {
      name: "reversed",
      description: "reversed: one pass in the reverse of the stream's order",
      configSchema: z.object({ seed: z.number().max(100, "seed ≤ 100 here") }),
      selectsOnTestLabels: false,
      spread: false,
      passes: () => 1,
      run: ({ stream: s, setup, tick }) => {
        const order = Array.from({ length: s.labels.length }, (_, i) => s.labels.length - 1 - i);
        const mainRun = onlinePass(s, buildMethod(s, setup), { order });
        tick?.();
        const base = {
          params: setup.params,
          mainRun,
          predictions: mainRun.refinedPred,
          secondPassFired: false,
        };
        return { ...base, grid: null, validation: null, reference: null };
      },
    };
    registerProtocol(reversed);
    try {
      const { report, files } = evaluate(stream, { ...fast, protocol: "reversed" });
      expect(report.protocol).toEqual({
        name: "reversed",
        description: reversed.description,
        selectsOnTestLabels: false,
      });
      expect(files.order[0]).toBe(89);
      expect(() => evaluate(stream, { ...fast, protocol: "reversed", seed: 101 })).toThrow(/seed ≤ 100 here/);
    } finally {
      unregisterProtocol("reversed");
    }
    expect(DEFAULT_PROTOCOL).toBe("online");
  });
});

describe("compare: every method on one stream", () => {
  it("one row per registered method, each its own evaluation; the table names them", () => {
    const { result, evaluations } = compare(stream, { ...fast, orders: 2 });
    expect(result.rows.map((row) => row.method)).toEqual(methodNames());
    expect(evaluations.map((e) => e.report.config.method)).toEqual(methodNames());
    for (const [i, row] of result.rows.entries()) {
      expect(row.top1).toBe(evaluations[i]!.report.results.cache.top1.percent);
      expect(row.orders!.R).toBe(2);
    }
    const text = compareText(result);
    for (const method of methodNames()) expect(text).toContain(`| ${method} | `);
  });
});

describe("the package touches no file system and no console", () => {
  it("no source file imports node:fs or writes to the console", () => {
    const dir = path.dirname(new URL(import.meta.url).pathname);
    const sources = fs.readdirSync(dir).filter((f) => f.endsWith(".ts") && !f.endsWith(".test.ts"));
    expect(sources.length).toBeGreaterThan(5);
    for (const file of sources) {
      const text = fs.readFileSync(path.join(dir, file), "utf8");
      expect(text, file).not.toMatch(/from "(node:)?fs"|console\.|process\.(stdout|stderr)/);
    }
  });
});
