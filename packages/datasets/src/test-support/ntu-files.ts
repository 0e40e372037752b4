/**
 * Small NTU RGB+D `.skeleton` files in the official text format, with seeded
 * joint positions: for tests that need real-format files but not real people
 * (the real samples are research data, see test-support's `dataPath`).
 */
import fs from "node:fs";
import path from "node:path";
import { seededRandom } from "@skeleton-cache/tensor";

/** Writes `<dir>/<name>.skeleton` with `frames` frames of `bodies` tracked bodies (25 joints each). */
export function writeNtuSkeleton(dir: string, name: string, frames: number, bodies = 1, seed = 1): string {
  const random = seededRandom(seed);
  const lines = [String(frames)];
  for (let t = 0; t < frames; t++) {
    lines.push(String(bodies));
    for (let m = 0; m < bodies; m++) {
      lines.push(`7205759403793110${m} 0 1 1 1 1 0 0.02764709 0.05745083 2`, "25");
      for (let v = 0; v < 25; v++) {
        const [x, y, z] = [random.next() - 0.5 + m, random.next() + 0.1 * t, 3 + random.next()];
        lines.push(
          `${x.toFixed(6)} ${y.toFixed(6)} ${z.toFixed(6)} 277.4 191.8 1036.2 519.2 -0.2 0.05 0.97 -0.12 2`,
        );
      }
    }
  }
  const file = path.join(dir, `${name}.skeleton`);
  fs.writeFileSync(file, `${lines.join("\r\n")}\r\n`);
  return file;
}
