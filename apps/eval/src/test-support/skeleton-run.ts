/**
 * Small synthetic runs with raw skeleton files, for report.html tests and
 * the bench: a SYNTHETIC bundle (@skeleton-cache/evaluate's generateSynthetic) whose meta
 * names its samples and a folder of NTU `.skeleton` text files written
 * here — a stick figure whose right arm swings with a class-dependent
 * amplitude (one file per class; each sample's file is a symbolic link to
 * its class's, so thousands of samples cost little).
 */
import fs from "node:fs";
import path from "node:path";
import { generateSynthetic, type SyntheticOptions } from "@skeleton-cache/evaluate";
import type { PageData } from "@skeleton-cache/report";
import { NTU25 } from "@skeleton-cache/skeleton";
import { syntheticBundleFiles } from "../../scripts/demo-files.js";

/** A standing pose in the NTU-25 joint order: x right, y up, z depth (metres). */
const POSE: readonly (readonly [number, number, number])[] = [
  [0, 0, 3],
  [0, 0.3, 3],
  [0, 0.6, 3],
  [0, 0.75, 3],
  [-0.18, 0.52, 3],
  [-0.25, 0.28, 3],
  [-0.28, 0.05, 3],
  [-0.29, -0.02, 3],
  [0.18, 0.52, 3],
  [0.25, 0.28, 3],
  [0.28, 0.05, 3],
  [0.29, -0.02, 3],
  [-0.1, -0.02, 3],
  [-0.11, -0.45, 3],
  [-0.12, -0.85, 3],
  [-0.12, -0.9, 2.9],
  [0.1, -0.02, 3],
  [0.11, -0.45, 3],
  [0.12, -0.85, 3],
  [0.12, -0.9, 2.9],
  [0, 0.52, 3],
  [-0.3, -0.08, 3],
  [-0.26, -0.03, 3],
  [0.3, -0.08, 3],
  [0.26, -0.03, 3],
];
/** Right elbow, wrist, hand, hand tip, thumb: they swing about the right shoulder (joint 8). */
const RIGHT_ARM = [9, 10, 11, 23, 24];

/** Joint positions (25 × 3) of frame t of T for a class with swing `amplitude` (radians); body m shifted along x. */
export function posture(t: number, T: number, amplitude: number, m = 0): number[][] {
  const angle = amplitude * Math.sin((2 * Math.PI * t) / T);
  const [sx, sy] = POSE[8]!;
  return POSE.map(([x, y, z], v) => {
    let px = x;
    let py = y;
    if (RIGHT_ARM.includes(v)) {
      const dx = x - sx;
      const dy = y - sy;
      px = sx + dx * Math.cos(angle) - dy * Math.sin(angle);
      py = sy + dx * Math.sin(angle) + dy * Math.cos(angle);
    }
    return [px + 0.9 * m, py, z];
  });
}

/** The text of an NTU RGB+D `.skeleton` file (the official format) with `bodies` figures for T frames. */
export function ntuSkeletonText(T: number, amplitude: number, bodies = 1): string {
  const lines = [String(T)];
  for (let t = 0; t < T; t++) {
    lines.push(String(bodies));
    for (let m = 0; m < bodies; m++) {
      lines.push(`${72057594037931000 + m} 0 1 1 1 1 0 0.01 -0.02 2`, String(NTU25.numJoints));
      for (const [x, y, z] of posture(t, T, amplitude, m)) {
        const depthX = 256 + 300 * x!;
        const depthY = 212 - 300 * y!;
        lines.push(
          `${x!.toFixed(5)} ${y!.toFixed(5)} ${z!.toFixed(5)} ${depthX.toFixed(3)} ${depthY.toFixed(3)} ${(4 * depthX).toFixed(2)} ${(4 * depthY).toFixed(2)} 0.9 0 0.1 0 2`,
        );
      }
    }
  }
  return `${lines.join("\n")}\n`;
}

/** The NTU name of sample i of action id `action` (0-based class id): unique per sample. */
export function ntuName(i: number, classId: number): string {
  const pad = (n: number, w: number) => String(n).padStart(w, "0");
  return `S${pad(1 + Math.floor(i / 900), 3)}C001P${pad(1 + (i % 900), 3)}R001A${pad(classId + 1, 3)}`;
}

export interface SkeletonRun {
  readonly bundle: string;
  readonly rawDir: string;
  readonly names: string[];
  readonly labels: Int32Array;
}

/**
 * Writes `root/bundle` (SYNTHETIC descriptors + meta naming the samples and
 * `root/raw`) and `root/raw/*.skeleton` (links to `root/classes/*.skeleton`).
 */
export function writeSkeletonRun(
  root: string,
  options: SyntheticOptions & { readonly frames?: number },
): SkeletonRun {
  const { frames = 40, ...synthetic } = options;
  const labels = generateSynthetic(synthetic).labels;
  const names = Array.from(labels, (u, i) => ntuName(i, synthetic.classIds[u]!));
  const rawDir = path.join(root, "raw");
  const classDir = path.join(root, "classes");
  fs.mkdirSync(rawDir, { recursive: true });
  fs.mkdirSync(classDir, { recursive: true });
  synthetic.classIds.forEach((_, u) => {
    // Every third class is a two-person action.
    fs.writeFileSync(
      path.join(classDir, `${u}.skeleton`),
      ntuSkeletonText(frames, 0.4 + 0.35 * u, u % 3 === 2 ? 2 : 1),
    );
  });
  for (const [i, name] of names.entries())
    fs.symlinkSync(path.join(classDir, `${labels[i]}.skeleton`), path.join(rawDir, `${name}.skeleton`));
  const bundle = path.join(root, "bundle");
  fs.mkdirSync(bundle, { recursive: true });
  for (const [file, bytes] of syntheticBundleFiles(synthetic, {
    dataset: "ntu60",
    sampleNames: names,
    data: rawDir,
  }))
    fs.writeFileSync(path.join(bundle, file), bytes);
  return { bundle, rawDir, names, labels };
}

/**
 * `skc eval` on a skeleton run's bundle as the report.html tests, bench and
 * screenshot run it: uniform prior, no progress, no PNG plots; `extra` adds
 * flags (e.g. `--no-ablations`, `--protocol orders`).
 */
export function skeletonEvalArgs(bundle: string, out: string, ...extra: string[]): string[] {
  return ["eval", "--bundle", bundle, "--prior", "uniform", "--out", out, "--quiet", "--no-plots", ...extra];
}

/** The JSON a report.html carries (its #skc-data block). */
export function pageDataOf(html: string): PageData {
  const match = /<script type="application\/json" id="skc-data">(.*?)<\/script>/s.exec(html);
  if (!match) throw new Error("report.html has no #skc-data block");
  return JSON.parse(match[1]!) as PageData;
}
