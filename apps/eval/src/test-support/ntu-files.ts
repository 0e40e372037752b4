/**
 * Synthetic raw NTU RGB+D `.skeleton` files (the official text format, one
 * tracked body, seeded smooth motion), so extraction tests need no research
 * data. Not real skeletons: they exercise the readers, not recognition.
 */
import fs from "node:fs";
import path from "node:path";
import { seededRandom } from "@skeleton-cache/tensor";

/** The text of a `.skeleton` file: `frames` frames, one body of 25 joints moving smoothly. */
export function syntheticSkeletonText(seed: number, frames: number): string {
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

/**
 * Writes `count` synthetic samples named S001C001P<p>R001A<a> cycling through
 * `actions` (1-based NTU action numbers); returns the sample names in file
 * (sorted) order.
 */
export function writeSyntheticNtu(
  dir: string,
  count: number,
  actions: readonly number[],
  frames = 40,
): string[] {
  fs.mkdirSync(dir, { recursive: true });
  const names: string[] = [];
  for (let i = 0; i < count; i++) {
    const performer = String(Math.floor(i / actions.length) + 1).padStart(3, "0");
    const action = String(actions[i % actions.length]!).padStart(3, "0");
    const name = `S001C001P${performer}R001A${action}`;
    fs.writeFileSync(path.join(dir, `${name}.skeleton`), syntheticSkeletonText(i + 1, frames - (i % 7)));
    names.push(name);
  }
  return names.sort();
}
