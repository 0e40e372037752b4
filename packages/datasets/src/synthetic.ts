/**
 * Synthetic raw NTU RGB+D `.skeleton` files (the official text format, one
 * tracked body, seeded smooth motion), so examples and tests of extraction
 * need no research data. Not real skeletons: they exercise the readers and
 * the pipeline, not recognition.
 */
import fs from "node:fs";
import path from "node:path";
import { ValueError } from "@skeleton-cache/errors";
import { seededRandom } from "@skeleton-cache/tensor";

/** One synthetic sample: its seed (the joints' positions and speed) and its length. */
export interface SyntheticSkeletonOptions {
  readonly seed: number;
  readonly frames: number;
}

/** The text of a `.skeleton` file: `frames` frames, one body of 25 joints moving smoothly. */
export function syntheticNtuSkeletonText(options: SyntheticSkeletonOptions): string {
  const { seed, frames } = options;
  const random = seededRandom(seed);
  const base = Array.from({ length: 25 }, () => [
    random.next() - 0.5,
    random.next() * 1.6 - 0.8,
    3 + random.next(),
  ]);
  const speed = 0.5 + random.next();
  const lines = [String(frames)];
  for (let t = 0; t < frames; t++) {
    lines.push("1", "72057594037931101 0 1 1 1 1 0 0.02764709 0.05745083 2", "25");
    for (const [v, [x, y, z]] of base.entries()) {
      const phase = Math.sin(speed * t * 0.2 + v * 0.3) * 0.05;
      lines.push(`${(x! + phase).toFixed(6)} ${(y! - phase).toFixed(6)} ${z!.toFixed(6)} 0 0 0 0 0 0 0 0 2`);
    }
  }
  return `${lines.join("\n")}\n`;
}

/** What `writeSyntheticNtu` writes. */
export interface SyntheticNtuOptions {
  /** How many samples. */
  readonly count: number;
  /** 1-based NTU action numbers, cycled through (sample i has action `actions[i % length]`). */
  readonly actions: readonly number[];
  /** Frames of the longest sample (sample i has `frames − i mod 7`); default 40. */
  readonly frames?: number;
}

/**
 * Writes `count` synthetic samples named S001C001P<p>R001A<a> (performer p
 * counts the rounds through `actions`) into `dir`; returns the sample names
 * in file (sorted) order.
 */
export function writeSyntheticNtu(dir: string, options: SyntheticNtuOptions): string[] {
  const { count, actions, frames = 40 } = options;
  if (!Number.isInteger(count) || count < 0 || count > 999 * Math.max(1, actions.length))
    throw new ValueError("synthetic NTU samples: count is a whole number, at most 999 per action", {
      field: "count",
      value: count,
    });
  if (actions.length === 0 || actions.some((a) => !Number.isInteger(a) || a < 1 || a > 120))
    throw new ValueError("synthetic NTU samples need 1-based action numbers in 1…120", {
      field: "actions",
      value: [...actions],
    });
  if (!Number.isInteger(frames) || frames < 7)
    throw new ValueError("synthetic NTU samples need at least 7 frames (sample i has frames − i mod 7)", {
      field: "frames",
      value: frames,
    });
  fs.mkdirSync(dir, { recursive: true });
  const names: string[] = [];
  for (let i = 0; i < count; i++) {
    const performer = String(Math.floor(i / actions.length) + 1).padStart(3, "0");
    const action = String(actions[i % actions.length]!).padStart(3, "0");
    const name = `S001C001P${performer}R001A${action}`;
    const text = syntheticNtuSkeletonText({ seed: i + 1, frames: frames - (i % 7) });
    fs.writeFileSync(path.join(dir, `${name}.skeleton`), text);
    names.push(name);
  }
  return names.sort();
}
