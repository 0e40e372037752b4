import fs from "node:fs";
import path from "node:path";
import { ValueError } from "@skeleton-cache/errors";
import { dataPath, itWithData, tempDir } from "@skeleton-cache/test-support";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  assertPriorCovers,
  loadPrior,
  loadPublishedPrior,
  PUBLISHED_PRIORS,
  parsePrior,
  priorToJson,
  publishedPriorPath,
  savePrior,
  selectPriorForSplit,
  uniformPrior,
} from "./index.js";

const referencePriors = ["ntu60_55_5", "ntu60_48_12", "ntu120_110_10", "ntu120_96_24"];

describe("published priors", () => {
  it.each(referencePriors)("%s: the shipped file loads as its split prior, parts normalised", (id) => {
    const file = publishedPriorPath(id);
    const prior = loadPrior(file);
    const raw = JSON.parse(fs.readFileSync(file, "utf8"));
    expect(prior.kind).toBe("split");
    expect(prior.split).toBe(id);
    expect(prior.numClasses).toBe(raw.num_classes);
    for (let u = 0; u < prior.numClasses; u++) {
      const entry = prior.classes[u]!;
      const given = raw.weights[String(u)];
      const spatialSum = given.spatial.reduce((a: number, b: number) => a + b, 0);
      expect(entry.spatial[2]).toBeCloseTo(given.spatial[2] / spatialSum, 12);
      expect(entry.gamma).toBe(given.gamma);
    }
    expect(loadPublishedPrior(id).classes).toEqual(prior.classes);
  });

  for (const id of referencePriors) {
    const rel = `reference/priors/${id}.json`;
    itWithData([rel], `${id}: the shipped copy is the authors' file, byte for byte`, () => {
      expect(fs.readFileSync(publishedPriorPath(id)).equals(fs.readFileSync(dataPath(rel)))).toBe(true);
    });
  }

  itWithData(
    ["priors/utd-mhad.json"],
    "the shipped UTD-MHAD prior is the data folder's copy, byte for byte",
    () => {
      const data = fs.readFileSync(dataPath("priors/utd-mhad.json"));
      expect(fs.readFileSync(publishedPriorPath("utd-mhad")).equals(data)).toBe(true);
    },
  );

  it("the UTD-MHAD dataset prior loads as a dataset prior and re-indexes for a split", () => {
    const prior = loadPublishedPrior("utd-mhad");
    expect(prior.kind).toBe("dataset");
    expect(prior.numClasses).toBe(27);
    const split = selectPriorForSplit(prior, [25, 3, 10]);
    expect(split.kind).toBe("split");
    expect(split.numClasses).toBe(3);
    expect(split.classes[0]).toEqual(prior.classes[3]);
    expect(split.classes[2]).toEqual(prior.classes[25]);
    expect(split.classNames).toEqual([prior.classNames![3], prior.classNames![10], prior.classNames![25]]);
  });

  it.each([...PUBLISHED_PRIORS])("%s round-trips through save and load", (id) => {
    const prior = loadPublishedPrior(id);
    const dir = tempDir("skc-prior-");
    const file = path.join(dir, "p.json");
    savePrior(file, prior);
    const again = loadPrior(file);
    expect(again.kind).toBe(prior.kind);
    for (let u = 0; u < prior.numClasses; u++) {
      const a = prior.classes[u]!;
      const b = again.classes[u]!;
      for (let i = 0; i < 4; i++) expect(b.spatial[i]).toBeCloseTo(a.spatial[i]!, 6);
      for (let i = 0; i < 3; i++) expect(b.temporal[i]).toBeCloseTo(a.temporal[i]!, 6);
      expect(b.gamma).toBe(a.gamma);
    }
    // saving twice gives the same bytes
    const file2 = path.join(dir, "q.json");
    savePrior(file2, again);
    savePrior(file, again);
    expect(fs.readFileSync(file2)).toEqual(fs.readFileSync(file));
  });
});

describe("validation errors name the field and the value", () => {
  const good = {
    split: "x",
    num_classes: 2,
    weights: { "0": { spatial: [1, 1, 1, 1], temporal: [1, 1, 1], gamma: 0.3 } },
  };
  it("negative importance", () => {
    const bad = structuredClone(good);
    bad.weights["0"].spatial[1] = -0.2;
    expect(() => parsePrior(bad, "p.json")).toThrow(
      /p\.json: invalid prior: weights\.0\.spatial\.1: .*found -0\.2/,
    );
  });
  it("wrong length", () => {
    const bad = structuredClone(good) as unknown as { weights: Record<string, { temporal: number[] }> };
    bad.weights["0"]!.temporal = [1, 2];
    expect(() => parsePrior(bad, "p.json")).toThrow(/weights\.0\.temporal/);
  });
  it("gamma out of range, NaN-like strings, missing num_classes", () => {
    expect(() => parsePrior({ ...good, weights: { "0": { gamma: 1.5 } } }, "p.json")).toThrow(
      /weights\.0\.gamma.*1\.5/,
    );
    expect(() => parsePrior({ ...good, weights: { "0": { gamma: "NaN" } } }, "p.json")).toThrow(ValueError);
    expect(() => parsePrior({ weights: {} }, "p.json")).toThrow(/num_classes/);
  });
  it("class key beyond num_classes", () => {
    expect(() => parsePrior({ ...good, weights: { "5": { gamma: 0.1 } } }, "p.json")).toThrow(
      /class key "5"/,
    );
  });
  it("malformed JSON file", () => {
    const dir = tempDir("skc-prior-");
    const file = path.join(dir, "bad.json");
    fs.writeFileSync(file, "{ not json");
    expect(() => loadPrior(file)).toThrow(/bad\.json: prior is not valid JSON/);
  });
  it("missing spatial / temporal fall back to uniform; missing classes are named", () => {
    const prior = parsePrior({ split: "x", num_classes: 2, weights: { "1": { gamma: 0.2 } } });
    expect(prior.classes[1]!.spatial).toEqual([0.25, 0.25, 0.25, 0.25]);
    expect(() => assertPriorCovers(prior, 2)).toThrow(/no importances for class 0/);
    expect(() => assertPriorCovers(prior, 3)).toThrow(/prior has 2 classes but there are 3/);
  });
});

describe("normalisation", () => {
  it("every loaded importance vector sums to 1", () => {
    const vec = (n: number) =>
      fc.array(fc.double({ min: 0, max: 100, noNaN: true }), { minLength: n, maxLength: n });
    fc.assert(
      fc.property(vec(4), vec(3), fc.double({ min: 0, max: 1, noNaN: true }), (spatial, temporal, gamma) => {
        fc.pre(spatial.some((v) => v > 1e-300) && temporal.some((v) => v > 1e-300));
        const prior = parsePrior({
          split: "p",
          num_classes: 1,
          weights: { "0": { spatial, temporal, gamma } },
        });
        const entry = prior.classes[0]!;
        expect(entry.spatial.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 9);
        expect(entry.temporal.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 9);
      }),
    );
  });
  it("uniform prior", () => {
    const prior = uniformPrior(5, 0.4);
    expect(prior.classes.every((c) => c!.gamma === 0.4)).toBe(true);
    expect(() => uniformPrior(0)).toThrow(ValueError);
    expect(priorToJson(prior).num_classes).toBe(5);
  });
});
