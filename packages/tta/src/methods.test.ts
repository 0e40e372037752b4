/**
 * The test-time methods against plain re-implementations written here from
 * their equations (arrays, sorts, no shared code), the registry's errors,
 * and what every method must do (streaming, reset, snapshot, bad input).
 */
import { NonFiniteError, ShapeError, ValueError } from "@skeleton-cache/errors";
import { buildFusionWeights } from "@skeleton-cache/fusion";
import { type Prior, uniformPrior } from "@skeleton-cache/prior";
import { permutation, seededRandom, type Tensor } from "@skeleton-cache/tensor";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  checkStream,
  createMethod,
  getMethodSpec,
  methodNames,
  methodSpecs,
  onlinePass,
  predictWithCache,
  resolveMethodParams,
  type TestTimeMethod,
} from "./index.js";
import { skeletonCacheFor } from "./test-support/skeleton-cache.js";

const C = 4;

function stream(N: number, U: number, seed: number): { logits: Tensor; descriptors: Tensor } {
  const random = seededRandom(seed);
  const descriptors = new Float32Array(N * 8 * C);
  // Two clusters per class direction so that neighbours and caches matter.
  const labels = Array.from({ length: N }, () => Math.floor(random.next() * U));
  for (let i = 0; i < N; i++)
    for (let d = 0; d < 8 * C; d++)
      descriptors[i * 8 * C + d] = (d % C === labels[i]! % C ? 2 : 0) + Math.abs(random.normal());
  const logits = new Float32Array(N * U);
  for (let i = 0; i < logits.length; i++) logits[i] = 2 * random.normal();
  return { logits: { data: logits, shape: [N, U] }, descriptors: { data: descriptors, shape: [N, 8, C] } };
}

function build(name: string, U: number, params: Record<string, unknown> = {}, prior?: Prior): TestTimeMethod {
  return createMethod(name, { numClasses: U, channels: C, prior: prior ?? uniformPrior(U, 0.3) }, params);
}

const cos = (a: number[], b: number[]) => {
  const dot = a.reduce((s, x, i) => s + x * b[i]!, 0);
  const na = Math.max(Math.hypot(...a), 1e-8);
  const nb = Math.max(Math.hypot(...b), 1e-8);
  return dot / (na * nb);
};
const slot = (desc: Tensor, i: number, d: number) =>
  Array.from(desc.data.subarray((i * 8 + d) * C, (i * 8 + d + 1) * C));
const row = (logits: Tensor, i: number) =>
  Array.from(logits.data.subarray(i * logits.shape[1]!, (i + 1) * logits.shape[1]!));
const softmax = (z: number[]) => {
  const m = Math.max(...z);
  const e = z.map((v) => Math.exp(v - m));
  const s = e.reduce((a, b) => a + b, 0);
  return e.map((v) => v / s);
};
const argmaxOf = (z: number[]) => z.reduce((best, v, i) => (v > z[best]! ? i : best), 0);
const entropyOf = (p: number[]) => -p.reduce((s, v) => s + v * Math.log(Math.max(v, 1e-12)), 0);

/** Skeleton-Cache with the block mean, from SPEC §3–6 and issue 14, hedge off. */
function meanByHand(
  input: { logits: Tensor; descriptors: Tensor },
  U: number,
  o: { alpha: number; beta: number; K: number },
) {
  const weights = buildFusionWeights(uniformPrior(U, 0.3), U).weights;
  const blocks: { key: number[][]; h: number }[][] = Array.from({ length: U }, () => []);
  const out: number[][] = [];
  for (let i = 0; i < input.logits.shape[0]!; i++) {
    const base = row(input.logits, i);
    const c = argmaxOf(base);
    const refined = base.map((b, u) => {
      let s = 0;
      for (let d = 0; d < 8; d++) {
        const block = blocks[u]!;
        const mean =
          block.length === 0
            ? 0
            : block.reduce(
                (acc, e) => acc + Math.exp(-o.beta * (1 - cos(slot(input.descriptors, i, d), e.key[d]!))),
                0,
              ) / block.length;
        s += weights[c * 8 + d]! * mean;
      }
      return b + o.alpha * s;
    });
    out.push(refined);
    const pred = argmaxOf(refined);
    const h = entropyOf(softmax(refined));
    const block = blocks[pred]!;
    const key = Array.from({ length: 8 }, (_, d) => slot(input.descriptors, i, d));
    if (block.length < o.K) block.push({ key, h });
    else {
      let worst = 0;
      for (let j = 1; j < block.length; j++) if (block[j]!.h > block[worst]!.h) worst = j;
      if (h < block[worst]!.h) block[worst] = { key, h };
    }
  }
  return out;
}

/** kNN over past samples, from issue 14: every past sample sorted by cosine (stable), the first k vote. */
function knnByHand(input: { logits: Tensor; descriptors: Tensor }, k: number, lambda: number) {
  const past: { g: number[]; p: number[] }[] = [];
  const out: number[][] = [];
  for (let i = 0; i < input.logits.shape[0]!; i++) {
    const base = row(input.logits, i);
    const p = softmax(base);
    const g = slot(input.descriptors, i, 7);
    const ranked = past.map((s, j) => ({ j, sim: cos(g, s.g) })).sort((a, b) => b.sim - a.sim);
    const voters = ranked.slice(0, k).map((r) => past[r.j]!.p);
    out.push(
      p.map((pu, u) =>
        voters.length === 0
          ? Math.log(pu)
          : Math.log(pu) + lambda * Math.log(1e-3 + voters.reduce((s, v) => s + v[u]!, 0) / voters.length),
      ),
    );
    past.push({ g, p });
  }
  return out;
}

/** TDA as its public code (update_cache, compute_cache_logits, run_test_tda), with lists and a stable sort. */
function tdaByHand(input: { logits: Tensor; descriptors: Tensor }, U: number, o: Record<string, number>) {
  type Item = { g: number[]; h: number; p: number[] };
  const pos = new Map<number, Item[]>();
  const neg = new Map<number, Item[]>();
  const update = (cache: Map<number, Item[]>, pred: number, item: Item, cap: number) => {
    const list = cache.get(pred) ?? [];
    if (list.length < cap) list.push(item);
    else if (item.h < list[list.length - 1]!.h) list[list.length - 1] = item;
    cache.set(
      pred,
      [...list].sort((a, b) => a.h - b.h),
    );
  };
  const out: number[][] = [];
  for (let i = 0; i < input.logits.shape[0]!; i++) {
    const base = row(input.logits, i);
    const p = softmax(base);
    const h = -p.reduce((s, v) => s + v * Math.log(v), 0);
    const pred = argmaxOf(base);
    const item = { g: slot(input.descriptors, i, 7), h, p };
    update(pos, pred, item, o.posCapacity!);
    const normalised = h / Math.log2(U);
    if (o.entropyLow! < normalised && normalised < o.entropyHigh!) update(neg, pred, item, o.negCapacity!);
    const final = [...base];
    for (const c of [...pos.keys()].sort((a, b) => a - b))
      for (const e of pos.get(c)!) final[c]! += o.posAlpha! * Math.exp(-o.posBeta! * (1 - cos(item.g, e.g)));
    for (const c of [...neg.keys()].sort((a, b) => a - b))
      for (const e of neg.get(c)!)
        for (let u = 0; u < U; u++)
          if (o.maskLow! < e.p[u]! && e.p[u]! < o.maskHigh!)
            final[u]! -= o.negAlpha! * Math.exp(-o.negBeta! * (1 - cos(item.g, e.g)));
    out.push(final);
  }
  return out;
}

function expectLogitsClose(
  run: { refinedLogits: Float32Array; refinedPred: Int32Array },
  want: number[][],
  U: number,
) {
  want.forEach((z, i) => {
    for (let u = 0; u < U; u++) expect(Math.abs(run.refinedLogits[i * U + u]! - z[u]!)).toBeLessThan(1e-4);
  });
  // Predictions: the same wherever the hand computation's top two are not within float32 rounding.
  want.forEach((z, i) => {
    const sorted = [...z].sort((a, b) => b - a);
    if (sorted[0]! - sorted[1]! > 1e-4) expect(run.refinedPred[i]).toBe(argmaxOf(z));
  });
}

describe("the methods against hand computations", () => {
  it("skeleton-cache-mean: o_d[u] is the mean affinity over block u, 0 for an empty block (property)", () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 10_000 }), fc.integer({ min: 1, max: 4 }), (seed, K) => {
        const U = 3;
        const input = stream(24, U, seed);
        const params = { alpha: 2, beta: 5, K, hedge: "off" };
        const run = onlinePass(input, build("skeleton-cache-mean", U, params));
        expectLogitsClose(run, meanByHand(input, U, { alpha: 2, beta: 5, K }), U);
      }),
      { numRuns: 15 },
    );
  });

  it("knn-past: z_t = log p_t + λ log(1e-3 + mean of the k nearest past posteriors) (property)", () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 10_000 }), fc.integer({ min: 1, max: 7 }), (seed, k) => {
        const U = 4;
        const input = stream(30, U, seed);
        const order = permutation(30, seed);
        const run = onlinePass(input, build("knn-past", U, { k, lambda: 1.5 }), { order });
        // The hand computation walks the stream in the same order.
        const reordered = {
          logits: { data: Float32Array.from(order.flatMap((i) => row(input.logits, i))), shape: [30, U] },
          descriptors: {
            data: Float32Array.from(
              order.flatMap((i) => Array.from(input.descriptors.data.subarray(i * 8 * C, (i + 1) * 8 * C))),
            ),
            shape: [30, 8, C],
          },
        };
        const want = knnByHand(reordered, k, 1.5);
        const byIndex: number[][] = [];
        order.forEach((index, position) => {
          byIndex[index] = want[position]!;
        });
        expectLogitsClose(run, byIndex, U);
      }),
      { numRuns: 15 },
    );
  });

  it("tda: positive and negative caches as TDA's update_cache and compute_cache_logits (property)", () => {
    const o = {
      posAlpha: 2,
      posBeta: 5,
      posCapacity: 3,
      negAlpha: 0.4,
      negBeta: 1,
      negCapacity: 2,
      entropyLow: 0.2,
      entropyHigh: 0.5,
      maskLow: 0.03,
      maskHigh: 1,
    };
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 10_000 }), (seed) => {
        const U = 5;
        const input = stream(40, U, seed);
        const method = build("tda", U, o);
        const run = onlinePass(input, method);
        expectLogitsClose(run, tdaByHand(input, U, o), U);
      }),
      { numRuns: 15 },
    );
  });

  it("tda's negative cache takes only samples inside the entropy band, and it fires on this stream", () => {
    const U = 5;
    const input = stream(60, U, 3);
    const method = build("tda", U);
    onlinePass(input, method);
    const negative = method.snapshot().memories.find((m) => m.name === "negative")!;
    const held = negative.blocks.flatMap((b) => b.ids);
    expect(held.length).toBeGreaterThan(0);
    for (const id of held) {
      const p = softmax(row(input.logits, id));
      const h = -p.reduce((s, v) => s + v * Math.log(v), 0) / Math.log2(U);
      expect(h > 0.2 && h < 0.5).toBe(true);
    }
    for (const block of negative.blocks) {
      expect(block.ids.length).toBeLessThanOrEqual(2);
      expect([...block.entropies].sort((a, b) => a - b)).toEqual(block.entropies);
    }
  });
});

describe("every method", () => {
  const zeroEffect: Record<string, Record<string, number>> = {
    "skeleton-cache": { alpha: 0 },
    "skeleton-cache-mean": { alpha: 0 },
    "knn-past": { lambda: 0 },
    tda: { posAlpha: 0, negAlpha: 0 },
  };

  it.each(methodNames())("%s: at zero strength it predicts what the backbone predicts (property)", (name) => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 10_000 }), (seed) => {
        const input = stream(20, 4, seed);
        const run = onlinePass(input, build(name, 4, zeroEffect[name]));
        expect(Array.from(run.refinedPred)).toEqual(Array.from(run.baselinePred));
      }),
      { numRuns: 10 },
    );
  });

  it.each(methodNames())("%s: reset replays a stream exactly; a snapshot is a copy", (name) => {
    const input = stream(25, 4, 9);
    const method = build(name, 4);
    const first = onlinePass(input, method);
    const snapshot = method.snapshot();
    expect(snapshot.method).toBe(name);
    expect(snapshot.steps).toBe(25);
    const held = JSON.stringify(snapshot);
    method.reset();
    expect(method.steps).toBe(0);
    const second = onlinePass(input, method, { order: permutation(25, 4) });
    expect(JSON.stringify(snapshot)).toBe(held);
    method.reset();
    const third = onlinePass(input, method);
    expect(Array.from(third.refinedLogits)).toEqual(Array.from(first.refinedLogits));
    expect(JSON.stringify(method.snapshot())).toBe(held);
    expect(second.numSamples).toBe(25);
  });

  it.each(methodNames())("%s: NaN logits and a method built for another stream are typed errors", (name) => {
    const input = stream(4, 4, 2);
    input.logits.data[6] = Number.NaN;
    expect(() => onlinePass(input, build(name, 4))).toThrow(NonFiniteError);
    expect(() => onlinePass(input, build(name, 4))).toThrow(/sample 1: base logit 2 is NaN/);
    expect(() => onlinePass(stream(4, 4, 2), build(name, 5, {}, uniformPrior(5)))).toThrow(ShapeError);
  });

  it.each(methodSpecs().map((m) => [m.name, m] as const))(
    "%s: declares defaults inside its ranges and a grid of its own keys",
    (_, spec) => {
      const params = resolveMethodParams(spec.name);
      for (const [key, p] of Object.entries(spec.params)) expect(params[key]).toBe(p.default);
      for (const [key, values] of Object.entries(spec.grid)) {
        expect(spec.params[key]?.kind).not.toBe("choice");
        for (const v of values) expect(() => resolveMethodParams(spec.name, { [key]: v })).not.toThrow();
      }
    },
  );

  it("the second pass works for the methods whose blocks fill and is refused for the others", () => {
    const input = stream(30, 3, 5);
    for (const spec of methodSpecs()) {
      const run = onlinePass(input, build(spec.name, 3));
      if (spec.capabilities.blocksFill) {
        const before = JSON.stringify(run.method.snapshot());
        expect(predictWithCache(run.method, input, input.descriptors).length).toBe(30);
        expect(JSON.stringify(run.method.snapshot())).toBe(before);
      } else expect(() => predictWithCache(run.method, input, input.descriptors)).toThrow(/does not apply/);
    }
  });
});

describe("the registry", () => {
  it("builds skeleton-cache exactly as the SkeletonCacheMethod class built directly", () => {
    const input = stream(40, 4, 12);
    const prior = uniformPrior(4, 0.3);
    const viaRegistry = onlinePass(input, build("skeleton-cache", 4, { alpha: 3, beta: 7, K: 3 }, prior));
    const direct = onlinePass(input, skeletonCacheFor(input, { prior, alpha: 3, beta: 7, K: 3 }));
    expect(Array.from(viaRegistry.refinedLogits)).toEqual(Array.from(direct.refinedLogits));
    expect(Array.from(viaRegistry.inserted)).toEqual(Array.from(direct.inserted));
    expect(viaRegistry.method.snapshot()).toEqual(direct.method.snapshot());
  });

  it("names the known methods when asked for an unknown one", () => {
    expect(() => getMethodSpec("tent")).toThrow(ValueError);
    expect(() => getMethodSpec("tent")).toThrow(
      'unknown method "tent"; known methods: skeleton-cache, skeleton-cache-mean, knn-past, tda',
    );
  });

  it("refuses a hyper-parameter the method does not take, naming the method", () => {
    expect(() => resolveMethodParams("knn-past", { alpha: 1 })).toThrow(
      'method knn-past takes no hyper-parameter "alpha" (it takes k, lambda)',
    );
    expect(() => resolveMethodParams("knn-past", { k: 2.5 })).toThrow(/knn-past: k must be an integer/);
    expect(() => resolveMethodParams("skeleton-cache", { beta: -1 })).toThrow(/beta must be a finite number/);
    expect(() => resolveMethodParams("skeleton-cache", { hedge: "maybe" })).toThrow(
      /hedge must be one of auto, on, off/,
    );
    expect(resolveMethodParams("knn-past", { k: "7" }).k).toBe(7);
  });

  it("refuses ablation weights for a method that does not fuse", () => {
    const weights = buildFusionWeights(uniformPrior(3), 3);
    expect(() =>
      createMethod("tda", { numClasses: 3, channels: C, prior: uniformPrior(3), weights }),
    ).toThrow(/tda does not use fusion weights/);
  });
});

describe("checkStream", () => {
  it("gives every method the same run as the unchecked stream, and refuses a NaN descriptor up front", () => {
    const input = stream(40, 3, 11);
    const checked = checkStream(input);
    expect(checkStream(checked)).toBe(checked);
    for (const name of methodNames()) {
      const plain = onlinePass(input, build(name, 3));
      const again = onlinePass(checked, build(name, 3));
      expect(Array.from(again.refinedPred)).toEqual(Array.from(plain.refinedPred));
      expect(Array.from(again.refinedLogits)).toEqual(Array.from(plain.refinedLogits));
    }
    const bad = new Float32Array(input.descriptors.data);
    bad[17] = Number.NaN;
    expect(() =>
      checkStream({ logits: input.logits, descriptors: { data: bad, shape: input.descriptors.shape } }),
    ).toThrow(NonFiniteError);
  });
});
