import { accuracy } from "@skeleton-cache/metrics";
import { uniformPrior } from "@skeleton-cache/prior";
import { ALL_SLOTS, GLOBAL_SLOT, type LabelledStream } from "@skeleton-cache/skeleton";
import { permutation, seededRandom, type Tensor } from "@skeleton-cache/tensor";
import { onlinePass } from "@skeleton-cache/tta";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  ABLATIONS,
  ablations,
  bestMean,
  buildMethod,
  checkGrid,
  describeProtocols,
  earlyStreamAccuracy,
  gridPoints,
  gridSearch,
  imbalancedStream,
  ordersProtocol,
  protocolNames,
  registerProtocol,
  resolveProtocol,
  unregisterProtocol,
} from "./index.js";

function stream(N: number, U: number, seed: number): LabelledStream & { readonly descriptors: Tensor } {
  const random = seededRandom(seed);
  const C = 3;
  const labels = Int32Array.from({ length: N }, () => Math.floor(random.next() * U));
  const descriptors = Float32Array.from({ length: N * 8 * C }, (_, i) => {
    const sample = Math.floor(i / (8 * C));
    return (i % C === labels[sample]! % C ? 1.5 : 0) + Math.abs(random.normal());
  });
  const logits = Float32Array.from({ length: N * U }, () => random.normal());
  return {
    kind: "descriptors",
    logits: { data: logits, shape: [N, U] },
    descriptors: { data: descriptors, shape: [N, 8, C] },
    labels,
  };
}

const setup = (method: string, params = {}) => ({ method, params, prior: uniformPrior(4, 0.3) });

describe("grids", () => {
  it("enumerate the cartesian product, first key outermost", () => {
    expect(gridPoints({ a: [1, 2], b: [3, 4, 5] })).toEqual([
      { a: 1, b: 3 },
      { a: 1, b: 4 },
      { a: 1, b: 5 },
      { a: 2, b: 3 },
      { a: 2, b: 4 },
      { a: 2, b: 5 },
    ]);
  });

  it("must name the method's own parameters", () => {
    expect(() => checkGrid("knn-past", { alpha: [1] })).toThrow(/knn-past takes no hyper-parameter "alpha"/);
    expect(() => checkGrid("knn-past", { k: [0] })).toThrow(/knn-past: k must be an integer/);
    expect(() => checkGrid("tda", { posAlpha: [0.5, 1], posBeta: [3] })).not.toThrow();
  });

  it("gridSearch runs each point as an online pass and keeps the first best", () => {
    const data = stream(40, 4, 3);
    const { points, best } = gridSearch(data, setup("knn-past"), { k: [1, 3], lambda: [0.5, 2] });
    expect(points.map((p) => p.values)).toEqual(gridPoints({ k: [1, 3], lambda: [0.5, 2] }));
    for (const point of points) {
      const run = onlinePass(data, buildMethod(data, setup("knn-past", point.values)));
      expect(point.correct).toBe(accuracy(run.refinedPred, data.labels).correct);
    }
    const top = Math.max(...points.map((p) => p.correct));
    expect(best).toBe(points.find((p) => p.correct === top));
  });

  it("bestMean takes the highest mean, the first on ties", () => {
    expect(bestMean([1, 3, 2, 3])).toBe(1);
    expect(bestMean([5, 5 + 1e-12])).toBe(0);
  });
});

describe("orders", () => {
  it("runs the online pass over seeded permutations seed, seed + 1, ...", () => {
    const data = stream(30, 4, 5);
    const result = ordersProtocol(data, setup("skeleton-cache-mean"), { R: 3, seed: 7 });
    expect(result.seeds).toEqual([7, 8, 9]);
    result.seeds.forEach((seed, r) => {
      const run = onlinePass(data, buildMethod(data, setup("skeleton-cache-mean")), {
        order: permutation(30, seed),
      });
      expect(result.top1[r]).toBe(accuracy(run.refinedPred, data.labels).percent);
    });
    expect(result.summary.mean).toBeCloseTo(result.top1.reduce((a, b) => a + b, 0) / 3, 12);
  });
});

describe("ablations", () => {
  it("are built from the slot layout: global, + spatial, + temporal, all", () => {
    expect(ABLATIONS.map((a) => a.slots)).toEqual([
      [GLOBAL_SLOT],
      [0, 1, 2, 3, GLOBAL_SLOT],
      [4, 5, 6, GLOBAL_SLOT],
      [...ALL_SLOTS],
    ]);
  });

  it("'all' with the run's prior is the plain online pass; methods without fusion are refused", () => {
    const data = stream(30, 4, 8);
    const rows = ablations(data, setup("skeleton-cache"), { priorIsUniform: true, uniformGamma: 0.3 });
    expect(rows.map((r) => `${r.prior} ${r.id}`)).toEqual(ABLATIONS.map((a) => `uniform ${a.id}`));
    const plain = onlinePass(data, buildMethod(data, setup("skeleton-cache")));
    expect(rows.at(-1)!.correct).toBe(accuracy(plain.refinedPred, data.labels).correct);
    expect(() => ablations(data, setup("tda"), { priorIsUniform: true, uniformGamma: 0.3 })).toThrow(
      /tda does not fuse/,
    );
  });
});

describe("stream checks", () => {
  it("early-stream accuracy counts the first ⌈fraction · N⌉ stream positions", () => {
    const labels = [0, 1, 1, 0, 1];
    const predictions = [0, 0, 1, 1, 1];
    // stream positions: samples 4, 3, 0, 2, 1 → the first ⌈0.4 · 5⌉ = 2 are samples 4 (right) and 3 (wrong)
    const early = earlyStreamAccuracy(predictions, labels, { order: [4, 3, 0, 2, 1], fraction: 0.4 });
    expect([early.correct, early.total]).toEqual([1, 2]);
    expect(() => earlyStreamAccuracy(predictions, labels, { order: [0], fraction: 0 })).toThrow(/fraction/);
  });

  it("an imbalanced stream keeps ⌈keep · n⌉ of one class, the rest in stream order (property)", () => {
    const data = stream(40, 4, 11);
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 3 }),
        fc.integer(),
        fc.double({ min: 0.05, max: 1, noNaN: true }),
        (cls, seed, keep) => {
          const order = permutation(40, seed);
          const { stream: cut, samples } = imbalancedStream(data, { order, cls, keep });
          const ofClass = Array.from(data.labels).filter((l) => l === cls).length;
          const keptOfClass = Array.from(cut.labels).filter((l) => l === cls).length;
          expect(keptOfClass).toBe(Math.ceil(keep * ofClass));
          expect(cut.labels.length).toBe(40 - ofClass + keptOfClass);
          expect(cut.logits.shape[0]).toBe(40 - ofClass + keptOfClass);
          // the kept samples in their stream order, each with its own logits and label
          const positions = Array.from(samples, (s) => order.indexOf(s));
          expect([...positions].sort((a, b) => a - b)).toEqual(positions);
          samples.forEach((sample, i) => {
            expect(cut.labels[i]).toBe(data.labels[sample]);
            expect(cut.logits.data[i * 4 + 2]).toBe(data.logits.data[sample * 4 + 2]);
            expect(cut.descriptors!.data[i * 24 + 23]).toBe(data.descriptors.data[sample * 24 + 23]);
          });
        },
      ),
      { numRuns: 30 },
    );
  });
});

describe("the protocol registry", () => {
  const config = { orders: 2, seed: 0, grid: { alpha: [1] } };

  it("ships online, validation, orders and reference, each with a description and a config schema", () => {
    expect(protocolNames()).toEqual(["online", "validation", "orders", "reference"]);
    const described = describeProtocols();
    expect(described.map((d) => [d.name, d.priority, d.active])).toEqual([
      ["online", 0, true],
      ["validation", 0, true],
      ["orders", 0, true],
      ["reference", 0, true],
    ]);
    expect(described.find((d) => d.name === "orders")!.configSchema).toMatchObject({
      properties: { orders: { type: "integer", minimum: 1 } },
    });
    expect(resolveProtocol("reference", config).entry.selectsOnTestLabels).toBe(true);
    expect(() => resolveProtocol("orders", { ...config, orders: 0 })).toThrow(
      /protocol "orders" config: field "orders" is 0: the orders protocol needs R ≥ 1/,
    );
    expect(() => resolveProtocol("oracle", config)).toThrow(
      'unknown protocol "oracle"; known protocols: online, validation, orders, reference',
    );
  });

  it("validates an entry; the same name at the same priority is refused, a higher priority takes the name", () => {
    const online = resolveProtocol("online", config).entry;
    expect(() => registerProtocol({ ...online, name: "broken", run: undefined } as never)).toThrow(
      /protocol "broken" needs a run function/,
    );
    expect(() => registerProtocol({ ...online, name: "broken", spread: "yes" } as never)).toThrow(
      /protocol broken needs spread: true \| false/,
    );
    // Another copy of the shipped entry (same origin) is a no-op; another package's, refused.
    expect(() => registerProtocol({ ...online, origin: "test" })).toThrow(
      /protocol "online" is already registered at priority 0/,
    );
    const mine = { ...online, priority: 5, description: "online, mine", origin: "test" };
    registerProtocol(mine);
    try {
      expect(resolveProtocol("online", config).entry).toBe(mine);
      expect(protocolNames()[0]).toBe("online");
    } finally {
      expect(unregisterProtocol("online", 5)).toBe(true);
    }
    expect(resolveProtocol("online", config).entry).toBe(online);
  });
});
