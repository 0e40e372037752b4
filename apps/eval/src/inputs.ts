import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { assertBundleComplete, readBundle } from "@skeleton-cache/bundle";
import { FormatError, ValueError } from "@skeleton-cache/errors";
import {
  assertPriorCovers,
  loadPrior,
  loadPublishedPrior,
  type Prior,
  PUBLISHED_PRIOR_ORIGINS,
  PUBLISHED_PRIORS,
  selectPriorForSplit,
  uniformPrior,
} from "@skeleton-cache/prior";
import {
  candidateClasses,
  classCatalog,
  getSplit,
  isDatasetId,
  LAYOUTS,
  type SkeletonLayout,
} from "@skeleton-cache/skeleton";
import type { Tensor } from "@skeleton-cache/tensor";
import { streamDescriptors } from "@skeleton-cache/tta";

/** Where the shipped SYNTHETIC demo lives (works from src/ and from dist/). */
export const DEMO_DIR = fileURLToPath(new URL("../assets/demo/", import.meta.url));
export const DEMO_VALIDATION_DIR = path.join(DEMO_DIR, "validation");
/** The published prior the synthetic demo uses (named by its bundle's meta.split). */
export const DEMO_PRIOR = "ntu60_55_5";
/** Where the shipped real-data demo lives: UTD-MHAD 22/5 through this project's ST-GCN (see src/utd-demo.ts). */
export const UTD_DEMO_DIR = fileURLToPath(new URL("../assets/demo-utd-mhad/", import.meta.url));

/** The shipped demos: `utd-mhad` (real skeletons, the default) and `synthetic`. */
export const DEMOS = {
  "utd-mhad": {
    dir: UTD_DEMO_DIR,
    validation: path.join(UTD_DEMO_DIR, "validation"),
    assets: "demo-utd-mhad",
  },
  synthetic: { dir: DEMO_DIR, validation: DEMO_VALIDATION_DIR, assets: "demo" },
} as const;
export type DemoName = keyof typeof DEMOS;
export const DEMO_NAMES = Object.keys(DEMOS) as DemoName[];

function demoLabel(target: string): string {
  for (const [name, demo] of Object.entries(DEMOS)) {
    const sub = path.relative(demo.dir, target);
    if (sub.startsWith("..")) continue;
    return sub
      ? `demo ${name} ${sub} (apps/eval/assets/${demo.assets}/${sub})`
      : `demo ${name} (apps/eval/assets/${demo.assets})`;
  }
  return target;
}

/** A bundle ready for evaluation: descriptors computed once. */
export interface EvalData {
  /** Path as given (or the demo directory). */
  readonly source: string;
  readonly isDemo: boolean;
  /** (N, U) base logits. */
  readonly logits: Tensor;
  /** (N, 8, C) descriptors (given, or extracted from F by Eq. 3–4). */
  readonly descriptors: Tensor;
  /** Which array the bundle held. */
  readonly input: "features" | "descriptors";
  readonly labels: Int32Array;
  /** Dataset class ids of the candidates (0..U-1 when the bundle gives none). */
  readonly classIds: Int32Array;
  /** Whether the bundle gave class ids. */
  readonly classIdsKnown: boolean;
  readonly classNames: string[];
  readonly meta: Record<string, unknown>;
  readonly synthetic: boolean;
  readonly numSamples: number;
  readonly numClasses: number;
  readonly channels: number;
}

/** Checks a bundle directory's required files up front, so the message names the missing file. */
function checkBundleDirectory(target: string, label = "bundle"): void {
  for (const required of ["logits.npy", "labels.npy"]) {
    const file = path.join(target, required);
    if (!fs.existsSync(file)) {
      throw new FormatError(`${label} ${target}: ${file} is missing`, {
        file,
        field: required.replace(".npy", ""),
      });
    }
  }
  if (
    !fs.existsSync(path.join(target, "features.npy")) &&
    !fs.existsSync(path.join(target, "descriptors.npy"))
  ) {
    throw new FormatError(
      `${label} ${target}: needs ${path.join(target, "features.npy")} (N, C, T, V) or ${path.join(target, "descriptors.npy")} (N, 8, C)`,
      { file: target, field: "features" },
    );
  }
}

/**
 * The joint layout of a bundle's feature volume: `--layout` when given, else
 * the one its meta.json records, else undefined (the descriptors' NTU-25
 * default). An unknown id names where it came from and the known ones.
 */
export function bundleLayout(
  flag: string | undefined,
  recorded: unknown,
  target: string,
): SkeletonLayout | undefined {
  const id = flag ?? recorded;
  if (id === undefined) return undefined;
  const layout = typeof id === "string" ? LAYOUTS[id] : undefined;
  if (!layout) {
    const where = flag !== undefined ? "option --layout" : `${target}: meta.json layout`;
    throw new ValueError(
      `${where}: unknown joint layout ${JSON.stringify(id)}; known: ${Object.keys(LAYOUTS).join(", ")}`,
      {
        ...(flag !== undefined ? {} : { file: target }),
        field: flag !== undefined ? "--layout" : "layout",
        value: id,
        expected: Object.keys(LAYOUTS),
      },
    );
  }
  return layout;
}

/**
 * Reads a bundle (a directory of .npy files + meta.json, .npz, .safetensors
 * or the authors' .pt) with @skeleton-cache/bundle and computes its
 * descriptors once (Eq. 3–4 when it holds feature volumes).
 */
export function loadEvalData(
  target: string,
  isDemo = false,
  role: "bundle" | "validationBundle" = "bundle",
  options: { readonly layout?: string | undefined } = {},
): EvalData {
  let stat: fs.Stats;
  const label = role === "bundle" ? "bundle" : "validation bundle (--validation-bundle)";
  try {
    stat = fs.statSync(target);
  } catch {
    throw new FormatError(`${label} ${target}: no such file or directory`, { file: target, field: role });
  }
  if (stat.isDirectory()) {
    assertBundleComplete(target);
    checkBundleDirectory(target, label);
  }
  const bundle = readBundle(target);
  const meta = bundle.meta as Record<string, unknown>;
  const { logits, labels, classIds } = bundle;
  const [numSamples, numClasses] = logits.shape as [number, number];
  const input = bundle.descriptors ? "descriptors" : "features";
  const layout = bundleLayout(options.layout, meta.layout, target);
  const descriptors = streamDescriptors(
    bundle.descriptors ? { logits, descriptors: bundle.descriptors } : { logits, features: bundle.features! },
    layout ? { layout } : {},
  );
  const identity = classIds.every((id, u) => id === u);
  const classIdsKnown = stat.isDirectory()
    ? fs.existsSync(path.join(target, "class_ids.npy"))
    : !identity || (typeof meta.dataset === "string" && isDatasetId(meta.dataset));
  const dataset = typeof meta.dataset === "string" && isDatasetId(meta.dataset) ? meta.dataset : undefined;
  const catalog = dataset && classIdsKnown ? classCatalog(dataset).names : undefined;
  const classNames = Array.from(classIds, (id, u) => catalog?.[id] ?? `class ${u}`);
  return {
    source: isDemo ? demoLabel(target) : target,
    isDemo,
    logits,
    descriptors,
    input,
    labels,
    classIds,
    classIdsKnown,
    classNames,
    meta,
    synthetic: meta.synthetic === true,
    numSamples,
    numClasses,
    channels: descriptors.shape[2]!,
  };
}

/** A resolved prior and how it was named. */
export interface ResolvedPrior {
  readonly prior: Prior;
  /** "published": the authors' GPT-4o priors; "shipped": an LLM prior this project wrote (utd-mhad). */
  readonly kind: "published" | "shipped" | "file" | "uniform";
  /** The id, the file, or "uniform". */
  readonly source: string;
  /** Whether it was a dataset prior (covering every class of the dataset), selected for the bundle's classes. */
  readonly fromDatasetPrior: boolean;
}

/** The authors' published priors are "published"; an LLM prior this project wrote is "shipped". */
function shippedKind(id: string): "published" | "shipped" {
  return PUBLISHED_PRIOR_ORIGINS[id as keyof typeof PUBLISHED_PRIOR_ORIGINS] === "authors"
    ? "published"
    : "shipped";
}

function splitOrNull(id: string | undefined) {
  if (!id) return null;
  try {
    return getSplit(id);
  } catch {
    return null;
  }
}

/**
 * Resolves `--prior` (a file, a published id, or "uniform") for a bundle and
 * checks that it covers exactly the bundle's candidate classes: same count,
 * every class present, and — where both sides name their classes by dataset
 * id — the same class at every index.
 */
export function resolvePrior(
  spec: string | undefined,
  data: EvalData,
  options: { uniformGamma: number; split?: string | undefined; key?: string },
): ResolvedPrior {
  const key = options.key ?? "prior";
  let resolved: ResolvedPrior;
  if (spec === undefined) {
    // No prior named: the published prior of the bundle's split, else of its dataset.
    const published = PUBLISHED_PRIORS as readonly string[];
    const candidates = [data.meta.split, data.meta.dataset].filter((v): v is string => typeof v === "string");
    const id = candidates.find((candidate) => published.includes(candidate));
    if (id) {
      resolved = {
        prior: loadPublishedPrior(id),
        kind: shippedKind(id),
        source: id,
        fromDatasetPrior: false,
      };
    } else {
      throw new ValueError(
        `no ${key} given for bundle ${data.source}: pass --${key === "prior" ? "prior" : "validation-prior"} FILE | ${PUBLISHED_PRIORS.join(" | ")} | uniform`,
        { field: key },
      );
    }
  } else if (spec === "uniform") {
    resolved = {
      prior: uniformPrior(data.numClasses, options.uniformGamma, data.classNames),
      kind: "uniform",
      source: "uniform",
      fromDatasetPrior: false,
    };
  } else if ((PUBLISHED_PRIORS as readonly string[]).includes(spec)) {
    resolved = {
      prior: loadPublishedPrior(spec),
      kind: shippedKind(spec),
      source: spec,
      fromDatasetPrior: false,
    };
  } else {
    if (!fs.existsSync(spec)) {
      throw new FormatError(
        `${key} ${spec}: no such file, and not a published prior id (${PUBLISHED_PRIORS.join(", ")}) or "uniform"`,
        { file: spec, field: key },
      );
    }
    resolved = { prior: loadPrior(spec), kind: "file", source: spec, fromDatasetPrior: false };
  }
  let prior = resolved.prior;
  if (prior.kind === "dataset") {
    if (!data.classIdsKnown) {
      throw new ValueError(
        `${resolved.source}: a dataset prior needs the bundle's class ids (class_ids.npy) to pick the candidates`,
        { file: resolved.source, field: "class_ids" },
      );
    }
    prior = selectPriorForSplit(prior, Array.from(data.classIds), options.split);
    resolved = { ...resolved, fromDatasetPrior: true };
  }
  if (prior.numClasses !== data.numClasses) {
    throw new ValueError(
      `${key} ${resolved.source} has ${prior.numClasses} classes but bundle ${data.source} has ${data.numClasses} candidate classes`,
      { file: resolved.source, field: "num_classes", value: prior.numClasses, expected: data.numClasses },
    );
  }
  assertPriorCovers(prior, data.numClasses);
  // Same classes, index by index, where the prior names its split.
  const priorSplit = splitOrNull(prior.split);
  if (priorSplit && resolved.prior.kind === "split") {
    const expected = candidateClasses(priorSplit, "zsl");
    if (expected.length !== prior.numClasses) {
      throw new ValueError(
        `${key} ${resolved.source} names split ${priorSplit.id}, which has ${expected.length} unseen classes, but holds ${prior.numClasses}: it is not that split's prior`,
        { file: resolved.source, field: "split", value: prior.split, expected: expected.length },
      );
    }
    if (data.classIdsKnown) {
      const names = classCatalog(priorSplit.dataset).names;
      for (let u = 0; u < data.numClasses; u++) {
        if (expected[u] !== data.classIds[u]) {
          const priorName = prior.classNames?.[u] ?? names[expected[u]!];
          throw new ValueError(
            `${key} ${resolved.source} (split ${priorSplit.id}) does not match bundle ${data.source}: its class ${u} is dataset id ${expected[u]} (${priorName}) but the bundle's class ${u} is id ${data.classIds[u]} (${data.classNames[u]})`,
            { file: resolved.source, field: `weights.${u}`, value: data.classIds[u], expected: expected[u] },
          );
        }
      }
    }
  }
  return { ...resolved, prior };
}

/** Checks the bundle's class ids against a split's candidates (zsl or gzsl). */
export function checkBundleSplit(
  data: EvalData,
  splitId: string,
  mode: "zsl" | "gzsl" | "validation-zsl",
): void {
  const split = getSplit(splitId);
  if (!data.classIdsKnown) return;
  const expected = candidateClasses(split, mode);
  const names = classCatalog(split.dataset).names;
  if (expected.length !== data.numClasses) {
    throw new ValueError(
      `bundle ${data.source} has ${data.numClasses} candidate classes but split ${splitId} (${mode}) has ${expected.length}`,
      { field: "split", value: data.numClasses, expected: expected.length },
    );
  }
  for (let u = 0; u < expected.length; u++) {
    if (expected[u] !== data.classIds[u]) {
      throw new ValueError(
        `bundle ${data.source}: class ${u} is dataset id ${data.classIds[u]} but split ${splitId} (${mode}) has id ${expected[u]} (${names[expected[u]!]}) there`,
        { field: "split", position: u, value: data.classIds[u], expected: expected[u] },
      );
    }
  }
}
