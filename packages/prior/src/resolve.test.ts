/** Resolving a prior by file, shipped id or "uniform" for a set of candidate classes, with its coverage check. */
import fs from "node:fs";
import path from "node:path";
import { exitCodeOf, FormatError, ValueError } from "@skeleton-cache/errors";
import { candidateClasses, candidateNames, classCatalog } from "@skeleton-cache/skeleton";
import { tempDir } from "@skeleton-cache/test-support";
import { describe, expect, it } from "vitest";
import { z } from "zod";
import {
  loadPrior,
  loadPublishedPrior,
  type NamedPrior,
  type Prior,
  type PriorCandidates,
  PUBLISHED_PRIORS,
  publishedPriorPath,
  registerPrior,
  resolvePrior,
  savePrior,
  uniformPrior,
  unregisterPrior,
} from "./index.js";

/** The candidates of a split (as a bundle with class_ids.npy and meta gives them). */
function splitCandidates(
  split: string,
  mode: "zsl" | "validation-zsl" = "zsl",
  extra: Partial<PriorCandidates> = {},
): PriorCandidates {
  return {
    classIds: candidateClasses(split, mode),
    classIdsKnown: true,
    classNames: candidateNames(split, mode),
    split,
    bundle: `demo/${split}`,
    ...extra,
  };
}

/** The error `fn` throws. */
function thrown(fn: () => unknown): Error {
  try {
    fn();
  } catch (error) {
    return error as Error;
  }
  throw new Error("expected an error, none was thrown");
}

describe("a prior by shipped id, file or uniform", () => {
  it("a shipped id: the authors' priors are published, the project's LLM prior is shipped", () => {
    const ntu = resolvePrior("ntu60_55_5", { key: "prior", candidates: splitCandidates("ntu60_55_5") });
    expect(ntu).toMatchObject({ kind: "published", source: "ntu60_55_5", fromDatasetPrior: false });
    expect(ntu.prior.classes).toEqual(loadPublishedPrior("ntu60_55_5").classes);
    const utd = resolvePrior("utd-mhad", { key: "prior", candidates: splitCandidates("utd_mhad_22_5") });
    expect(utd).toMatchObject({ kind: "shipped", source: "utd-mhad", fromDatasetPrior: true });
  });

  it("a dataset prior is selected for the candidates by their class ids, named after their split", () => {
    const { prior } = resolvePrior("utd-mhad", { candidates: splitCandidates("utd_mhad_22_5") });
    const dataset = loadPublishedPrior("utd-mhad");
    expect(prior).toMatchObject({ kind: "split", numClasses: 5, split: "utd_mhad_22_5" });
    expect(prior.classes).toEqual(candidateClasses("utd_mhad_22_5").map((id) => dataset.classes[id]));
  });

  it("a file: loaded and checked like a shipped one", () => {
    const file = path.join(tempDir(), "mine.json");
    savePrior(file, loadPublishedPrior("ntu60_55_5"));
    const resolved = resolvePrior(file, { key: "prior", candidates: splitCandidates("ntu60_55_5") });
    expect(resolved).toMatchObject({ kind: "file", source: file, fromDatasetPrior: false });
    expect(resolved.prior.classes).toEqual(loadPrior(file).classes);
  });

  it('"uniform": equal part and phase importances with the given γ, one class per candidate, their names kept', () => {
    const candidates = splitCandidates("ntu60_55_5");
    const resolved = resolvePrior("uniform", { uniformGamma: 0.3, candidates });
    expect(resolved).toMatchObject({ kind: "uniform", source: "uniform", fromDatasetPrior: false });
    expect(resolved.prior).toEqual(uniformPrior(5, 0.3, candidates.classNames));
    expect(resolvePrior("uniform", { candidates }).prior.classes[0]!.gamma).toBe(0.5);
  });

  it("none named: the shipped prior of the candidates' split, else of their dataset", () => {
    expect(resolvePrior(undefined, { candidates: splitCandidates("ntu60_48_12") }).source).toBe(
      "ntu60_48_12",
    );
    const utd = splitCandidates("utd_mhad_22_5", "zsl", { split: "my_split", dataset: "utd-mhad" });
    expect(resolvePrior(undefined, { candidates: utd }).source).toBe("utd-mhad");
  });

  it("none named and none shipped: the error names the flag of the option", () => {
    const candidates = splitCandidates("ntu60_55_5", "zsl", { split: "synthetic_u5", dataset: "mine" });
    const error = thrown(() => resolvePrior(undefined, { key: "prior", candidates }));
    expect(error).toBeInstanceOf(ValueError);
    expect(error.message).toBe(
      `no prior given for bundle demo/ntu60_55_5: pass --prior FILE | ${PUBLISHED_PRIORS.join(" | ")} | uniform`,
    );
    expect(() => resolvePrior(undefined, { key: "validationPrior", candidates })).toThrow(
      /^no validationPrior given for bundle demo\/ntu60_55_5: pass --validation-prior FILE \| /,
    );
  });

  it("a file that does not exist (and is no shipped id) is a FormatError naming the option and the file", () => {
    const missing = path.join(tempDir(), "nope.json");
    const error = thrown(() =>
      resolvePrior(missing, { key: "prior", candidates: splitCandidates("ntu60_55_5") }),
    ) as FormatError;
    expect(error).toBeInstanceOf(FormatError);
    expect(error.message).toBe(
      `prior ${missing}: cannot read prior: no such file, and not a shipped prior id (${PUBLISHED_PRIORS.join(", ")}) or "uniform"`,
    );
    expect(error.details).toMatchObject({ file: missing, field: "prior", value: missing });
    expect(exitCodeOf(error)).toBe(2);
  });

  it("without candidates: a file or a shipped id as loaded, no coverage check", () => {
    expect(resolvePrior("utd-mhad")).toMatchObject({ kind: "shipped", fromDatasetPrior: false });
    expect(resolvePrior("utd-mhad").prior.numClasses).toBe(27);
    expect(resolvePrior(publishedPriorPath("ntu60_48_12")).prior.numClasses).toBe(12);
    expect(() => resolvePrior("no-such-prior")).toThrow(/^no-such-prior: cannot read prior: no such file/);
  });
});

describe("the coverage check", () => {
  it("a split prior on another split's classes is refused, naming the class and both ids", () => {
    // The demo's validation bundle holds the validation classes (ids 16, 21, ...), the prior the unseen ones (10, 11, ...).
    const candidates = splitCandidates("ntu60_55_5", "validation-zsl");
    const error = thrown(() => resolvePrior("ntu60_55_5", { key: "prior", candidates }));
    expect(error).toBeInstanceOf(ValueError);
    expect(error.message).toMatch(/class 0 is dataset id 10 \(reading\) but the bundle's class 0 is id 16/);
    expect(exitCodeOf(error)).toBe(2);
  });

  it("a prior with another number of classes is refused, naming both counts", () => {
    const error = thrown(() =>
      resolvePrior("ntu60_48_12", { key: "prior", candidates: splitCandidates("ntu60_55_5") }),
    );
    expect(error.message).toMatch(/ntu60_48_12 has 12 classes but bundle .* has 5/);
    expect(exitCodeOf(error)).toBe(2);
  });

  it("a prior naming another split is refused (exit 2), naming the split", () => {
    const dir = tempDir();
    const prior = JSON.parse(fs.readFileSync(publishedPriorPath("ntu60_55_5"), "utf8"));
    prior.split = "ntu120_110_10";
    const file = path.join(dir, "wrong-split.json");
    fs.writeFileSync(file, JSON.stringify(prior));
    const error = thrown(() =>
      resolvePrior(file, { key: "prior", candidates: splitCandidates("ntu60_55_5") }),
    ) as ValueError;
    expect(exitCodeOf(error)).toBe(2);
    expect(error.message).toContain("names split ntu120_110_10, which has 10 unseen classes, but holds 5");
    expect(error.details).toMatchObject({ file, field: "split", value: "ntu120_110_10" });
  });

  it("where the class ids are unknown, a split prior is checked by count only; a dataset prior is refused", () => {
    const unknown = { classIds: [0, 1, 2, 3, 4], classIdsKnown: false, bundle: "b.pt" };
    expect(resolvePrior("ntu60_55_5", { candidates: unknown }).prior.numClasses).toBe(5);
    expect(() => resolvePrior("utd-mhad", { key: "prior", candidates: unknown })).toThrow(
      "prior utd-mhad: a dataset prior needs the bundle's class ids (class_ids.npy) to pick the candidates",
    );
  });

  it("a prior without importances for a candidate is refused, naming the class", () => {
    const file = path.join(tempDir(), "partial.json");
    const prior = loadPublishedPrior("ntu60_55_5");
    savePrior(file, { ...prior, classes: prior.classes.map((entry, u) => (u === 3 ? null : entry)) });
    expect(() => resolvePrior(file, { candidates: splitCandidates("ntu60_55_5") })).toThrow(
      `${file}: no importances for class 3 (jump up)`,
    );
  });
});

/** A dataset prior file (uniform importances, keyed by dataset class id) for `dataset`. */
function datasetPriorFile(dataset: string, numClasses: number, classNames?: readonly string[]): string {
  const prior: Prior = { ...uniformPrior(numClasses, 0.4, classNames), kind: "dataset", dataset };
  const file = path.join(tempDir(), `${dataset}.json`);
  savePrior(file, prior);
  return file;
}

describe("the datasets of the prior and of the candidates", () => {
  const ntu60 = () => splitCandidates("ntu60_55_5", "zsl", { dataset: "ntu60" });

  it("a prior for another dataset is refused by name, naming both datasets", () => {
    const file = datasetPriorFile("mine", 5);
    const error = thrown(() => resolvePrior(file, { key: "prior", candidates: ntu60() })) as ValueError;
    expect(error).toBeInstanceOf(ValueError);
    expect(error.message).toBe(
      `prior ${file} is a prior for dataset mine, but bundle demo/ntu60_55_5 is of dataset ntu60: use a prior of ntu60 (or of a dataset whose class catalog contains ntu60's: ntu120)`,
    );
    expect(error.details).toMatchObject({ file, field: "dataset", value: "mine", expected: "ntu60" });
    expect(exitCodeOf(error)).toBe(2);
  });

  it("a split prior is of its split's dataset: ntu60_55_5 on UTD-MHAD classes is refused by name", () => {
    const utd = splitCandidates("utd_mhad_22_5", "zsl", { dataset: "utd-mhad" });
    expect(() => resolvePrior("ntu60_55_5", { key: "prior", candidates: utd })).toThrow(
      "prior ntu60_55_5 is a prior for dataset ntu60, but bundle demo/utd_mhad_22_5 is of dataset utd-mhad: use a prior of utd-mhad",
    );
  });

  it("a prior of a dataset whose catalog does not contain the candidates' is refused (ntu60 on ntu120)", () => {
    const file = datasetPriorFile("ntu60", 60, classCatalog("ntu60").names);
    const ntu120 = splitCandidates("ntu120_110_10", "zsl", { dataset: "ntu120" });
    expect(() => resolvePrior(file, { key: "validationPrior", candidates: ntu120 })).toThrow(
      `validationPrior ${file} is a prior for dataset ntu60, but bundle demo/ntu120_110_10 is of dataset ntu120: use a prior of ntu120`,
    );
  });

  it("a prior whose class catalog contains the candidates' (ntu120 on ntu60) is accepted, with a note saying so; no other prior has one", () => {
    const file = datasetPriorFile("ntu120", 120, classCatalog("ntu120").names);
    const resolved = resolvePrior(file, { key: "prior", candidates: ntu60() });
    expect(resolved).toMatchObject({ kind: "file", fromDatasetPrior: true });
    expect(resolved.prior.classNames).toEqual(candidateNames("ntu60_55_5"));
    expect(resolved.note).toBe(
      `prior ${file} is a prior for dataset ntu120 and bundle demo/ntu60_55_5 is of dataset ntu60: accepted, as ntu120's class catalog contains ntu60's (its classes 0–59, same ids)`,
    );
    // A prior of the candidates' own dataset, or where either dataset or the class ids are unknown, carries none.
    expect(resolvePrior("ntu60_55_5", { candidates: ntu60() }).note).toBeUndefined();
    expect(resolvePrior("uniform", { candidates: ntu60() }).note).toBeUndefined();
    const unnamed = { classIds: [0, 1, 2, 3, 4], classIdsKnown: true };
    expect(resolvePrior(datasetPriorFile("mine", 5), { candidates: unnamed }).note).toBeUndefined();
    const anonymous = { classIds: [0, 1, 2, 3, 4], classIdsKnown: false, dataset: "synthetic" };
    expect(resolvePrior("ntu60_55_5", { candidates: anonymous }).note).toBeUndefined();
  });
});

describe("a prior registered by a program", () => {
  it("resolves by its id (kind registered) and, fitting the candidates' split, when no prior is named", () => {
    const classIds = [3, 7, 9];
    const mine: NamedPrior = {
      name: "my-split-prior",
      description: "uniform over my 3-class split",
      configSchema: z.object({ split: z.literal("my_split") }),
      load: () => uniformPrior(3, 0.25),
    };
    registerPrior(mine);
    try {
      const candidates = { classIds, classIdsKnown: true, split: "my_split", bundle: "mine" };
      expect(resolvePrior("my-split-prior", { candidates })).toMatchObject({
        kind: "registered",
        source: "my-split-prior",
      });
      expect(resolvePrior(undefined, { candidates })).toMatchObject({
        kind: "registered",
        source: "my-split-prior",
      });
      // A program's prior under a shipped id (higher priority) is not the shipped one any more.
      registerPrior({ ...mine, name: "utd-mhad", priority: 1 });
      expect(resolvePrior("utd-mhad", { candidates })).toMatchObject({
        kind: "registered",
        source: "utd-mhad",
      });
    } finally {
      unregisterPrior("my-split-prior");
      unregisterPrior("utd-mhad", 1);
    }
  });
});
