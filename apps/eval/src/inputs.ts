import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { assertBundleComplete, readBundleDescriptors } from "@skeleton-cache/bundle";
import { FormatError, ValueError } from "@skeleton-cache/errors";
import type { PriorCandidates } from "@skeleton-cache/prior";
import {
  candidateClasses,
  classCatalog,
  getSplit,
  isDatasetId,
  LAYOUTS,
  type SkeletonLayout,
} from "@skeleton-cache/skeleton";
import type { Tensor } from "@skeleton-cache/tensor";
import type { DemoId } from "./config.js";

/** Where the shipped SYNTHETIC demo lives (works from src/ and from dist/). */
export const DEMO_DIR = fileURLToPath(new URL("../assets/demo/", import.meta.url));
export const DEMO_VALIDATION_DIR = path.join(DEMO_DIR, "validation");
/** The published prior the synthetic demo uses (named by its bundle's meta.split). */
export const DEMO_PRIOR = "ntu60_55_5";
/** Where the shipped real-data demo lives: UTD-MHAD 22/5 through this project's ST-GCN (see src/utd-demo.ts). */
export const UTD_DEMO_DIR = fileURLToPath(new URL("../assets/demo-utd-mhad/", import.meta.url));

/** Where the SYNTHETIC GZSL demo lives: every NTU60 class as a candidate (the 55 seen + 5 unseen of ntu60_55_5). */
export const GZSL_DEMO_DIR = fileURLToPath(new URL("../assets/demo-gzsl/", import.meta.url));

/** The shipped demos: `utd-mhad` (real skeletons, the default), `synthetic` and `synthetic-gzsl`. */
export const DEMOS: Readonly<
  Record<
    DemoId,
    {
      readonly dir: string;
      readonly validation?: string;
      readonly assets: string;
      /** The prior when none is named (default: the published prior of the bundle's split). */
      readonly prior?: string;
    }
  >
> = {
  "utd-mhad": {
    dir: UTD_DEMO_DIR,
    validation: path.join(UTD_DEMO_DIR, "validation"),
    assets: "demo-utd-mhad",
  },
  synthetic: { dir: DEMO_DIR, validation: DEMO_VALIDATION_DIR, assets: "demo" },
  // The published ntu60_55_5 prior covers the 5 unseen classes only; the 60 GZSL candidates get the uniform one.
  "synthetic-gzsl": { dir: GZSL_DEMO_DIR, assets: "demo-gzsl", prior: "uniform" },
};

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

/** How `loadEvalData` reads a bundle. */
export interface LoadOptions {
  /** Joint layout id (`--layout`), overriding the one the bundle's meta records. */
  readonly layout?: string | undefined;
  /** Descriptor kernel: "wasm" (default where available) or "js". */
  readonly kernel?: "wasm" | "js";
  /** Called as chunks of F are described. */
  readonly onProgress?: (done: number, total: number) => void;
}

/**
 * The joint layout `--layout` names, or undefined (then the bundle's own:
 * the one its meta.json records, else NTU-25). An unknown id names the known ones.
 */
export function bundleLayout(flag: string | undefined): SkeletonLayout | undefined {
  if (flag === undefined) return undefined;
  const layout = LAYOUTS[flag];
  if (!layout)
    throw new ValueError(
      `--layout: unknown joint layout ${JSON.stringify(flag)}; known: ${Object.keys(LAYOUTS).join(", ")}`,
      { field: "--layout", value: flag, expected: Object.keys(LAYOUTS) },
    );
  return layout;
}

/**
 * Reads a bundle (a directory of .npy files + meta.json, .npz, .safetensors
 * or the authors' .pt) with @skeleton-cache/bundle and computes its
 * descriptors once (Eq. 3–4 when it holds feature volumes). F is streamed in
 * chunks and described as it is read, so it never sits whole in memory.
 */
export function loadEvalData(
  target: string,
  isDemo = false,
  role: "bundle" | "validationBundle" = "bundle",
  options: LoadOptions = {},
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
  const { layout: layoutId, ...read } = options;
  const layout = bundleLayout(layoutId);
  const bundle = readBundleDescriptors(target, { ...read, ...(layout ? { layout } : {}) });
  // meta.json was checked (keys, format version) by the bundle reader, naming its file.
  const meta = bundle.meta as Record<string, unknown>;
  const { logits, labels, classIds, descriptors, input } = bundle;
  const [numSamples, numClasses] = logits.shape as [number, number];
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

/**
 * The candidate classes of a bundle, as @skeleton-cache/prior's `resolvePrior`
 * checks a prior against them; `split` is the run's (`--split`), else the bundle's.
 */
export function priorCandidates(data: EvalData, split?: string | undefined): PriorCandidates {
  const metaSplit = typeof data.meta.split === "string" ? data.meta.split : undefined;
  return {
    classIds: data.classIds,
    classIdsKnown: data.classIdsKnown,
    classNames: data.classNames,
    dataset: typeof data.meta.dataset === "string" ? data.meta.dataset : undefined,
    split: split ?? metaSplit,
    bundle: data.source,
  };
}

/**
 * Refuses a validation bundle that cannot belong to the test bundle: another
 * dataset, or (where both say) another split.
 */
export function checkValidationBundle(test: EvalData, validation: EvalData): void {
  const field = "validationBundle";
  for (const key of ["dataset", "split"] as const) {
    const a = test.meta[key];
    const b = validation.meta[key];
    if (typeof a === "string" && typeof b === "string" && a !== b) {
      throw new ValueError(
        `validation bundle (--validation-bundle) ${validation.source} is of ${key} ${b}, but the test bundle ${test.source} is of ${key} ${a}: α and β must be chosen on the same ${key}'s validation classes`,
        { field, value: b, expected: a },
      );
    }
  }
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
