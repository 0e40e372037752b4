import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { assertBundleComplete, readBundleDescriptors } from "@skeleton-cache/bundle";
import { FormatError, ValueError } from "@skeleton-cache/errors";
import { LAYOUTS, type LabelledStream, type SkeletonLayout } from "@skeleton-cache/skeleton";
import type { Tensor } from "@skeleton-cache/tensor";
import type { DemoId } from "./config.js";

/** Where the shipped SYNTHETIC demo lives (works from src/ and from dist/). */
export const DEMO_DIR = fileURLToPath(new URL("../assets/demo/", import.meta.url));
export const DEMO_VALIDATION_DIR = path.join(DEMO_DIR, "validation");
/** The published prior the synthetic demo uses (named by its bundle's meta.split). */
export const DEMO_PRIOR = "ntu60_55_5";
/** Where the shipped real-data demo lives: UTD-MHAD 22/5 through this project's ST-GCN (see scripts/utd-demo-files.ts). */
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

/** How `loadStream` reads a bundle. */
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
 * or the authors' .pt) as a labelled stream with @skeleton-cache/bundle,
 * its descriptors computed once (Eq. 3–4 when it holds feature volumes: F
 * is streamed in chunks and described as it is read). Its `source` is the
 * path, or the demo's label; a missing file is named up front.
 */
export function loadStream(
  target: string,
  isDemo = false,
  role: "bundle" | "validationBundle" = "bundle",
  options: LoadOptions = {},
): LabelledStream & { readonly descriptors: Tensor } {
  const label = role === "bundle" ? "bundle" : "validation bundle (--validation-bundle)";
  if (!fs.existsSync(target))
    throw new FormatError(`${label} ${target}: no such file or directory`, { file: target, field: role });
  if (fs.statSync(target).isDirectory()) {
    assertBundleComplete(target);
    checkBundleDirectory(target, label);
  }
  const { layout: layoutId, ...read } = options;
  const layout = bundleLayout(layoutId);
  const stream = readBundleDescriptors(target, { ...read, ...(layout ? { layout } : {}) });
  return { ...stream, source: isDemo ? demoLabel(target) : target };
}
