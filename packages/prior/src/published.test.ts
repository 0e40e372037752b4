/** Shipped priors as registry entries: lookup by id, the prior of a stream, a user's own prior. */
import { afterEach, describe, expect, it } from "vitest";
import { z } from "zod";
import {
  describePriors,
  getNamedPrior,
  hasPrior,
  listPriors,
  loadPrior,
  loadPublishedPrior,
  type NamedPrior,
  PUBLISHED_PRIORS,
  priorFor,
  publishedPriorPath,
  registerPrior,
  uniformPrior,
  unregisterPrior,
} from "./index.js";

/** A user's prior: uniform over 3 classes, for the stream of split "my_3_split". */
const mine: NamedPrior = {
  name: "my-prior",
  description: "uniform over the 3 unseen classes of my split",
  configSchema: z.object({ split: z.literal("my_3_split") }),
  load: () => uniformPrior(3, 0.25),
};

afterEach(() => {
  unregisterPrior("my-prior");
  unregisterPrior("utd-mhad", 1);
});

describe("the prior registry", () => {
  it("holds the shipped priors by id, in PUBLISHED_PRIORS order, each loading its file", () => {
    expect(listPriors().slice(0, 5)).toEqual([...PUBLISHED_PRIORS]);
    for (const id of PUBLISHED_PRIORS) {
      expect(hasPrior(id)).toBe(true);
      expect(loadPublishedPrior(id)).toEqual(loadPrior(publishedPriorPath(id)));
    }
    expect(() => loadPublishedPrior("ntu60_50_10")).toThrow(
      'unknown prior "ntu60_50_10"; known priors: ntu60_55_5, ntu60_48_12, ntu120_110_10, ntu120_96_24, utd-mhad',
    );
  });

  it("finds the prior of a stream by its split, else its dataset; none fitting is undefined", () => {
    expect(priorFor({ split: "ntu60_55_5", dataset: "ntu60" })).toBe("ntu60_55_5");
    expect(priorFor({ split: "utd_mhad_22_5", dataset: "utd-mhad" })).toBe("utd-mhad");
    expect(priorFor({ split: "ntu60_50_10", dataset: "ntu60" })).toBeUndefined();
    expect(priorFor({})).toBeUndefined();
  });

  it("a user's prior registers, loads by id and fits its stream; the same id again is refused", () => {
    registerPrior(mine);
    registerPrior(mine);
    expect(listPriors().at(-1)).toBe("my-prior");
    expect(loadPublishedPrior("my-prior").numClasses).toBe(3);
    expect(getNamedPrior("my-prior")).toBe(mine);
    expect(priorFor({ split: "my_3_split", dataset: "ntu60" })).toBe("my-prior");
    expect(() => registerPrior({ ...mine })).toThrow('prior "my-prior" is already registered at priority 0');
    expect(() => registerPrior({ ...mine, name: "My Prior" })).toThrow(/prior name "My Prior" is invalid/);
  });

  it("a higher priority takes a shipped id; describe shows which streams each prior fits", () => {
    registerPrior({
      ...mine,
      name: "utd-mhad",
      priority: 1,
      configSchema: z.object({ dataset: z.literal("utd-mhad") }),
    });
    expect(loadPublishedPrior("utd-mhad").numClasses).toBe(3);
    expect(priorFor({ dataset: "utd-mhad" })).toBe("utd-mhad");
    const described = describePriors().filter((d) => d.name === "utd-mhad");
    expect(described.map((d) => [d.priority, d.active])).toEqual([
      [1, true],
      [0, false],
    ]);
    expect(describePriors().find((d) => d.name === "ntu60_55_5")?.configSchema).toMatchObject({
      properties: { split: { const: "ntu60_55_5" } },
      required: ["split"],
    });
    unregisterPrior("utd-mhad", 1);
    expect(loadPublishedPrior("utd-mhad").numClasses).toBe(27);
  });
});
