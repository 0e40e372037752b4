import fs from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { demoFiles } from "./demo.js";
import { DEMO_DIR, loadEvalData } from "./inputs.js";
import { generateSynthetic } from "./synthetic.js";

describe("synthetic generator", () => {
  it("is deterministic and seed-dependent", () => {
    const options = { seed: 7, samples: 40, classIds: [1, 4, 9], channels: 8 };
    const a = generateSynthetic(options);
    const b = generateSynthetic(options);
    expect(Buffer.from(a.descriptors.buffer).equals(Buffer.from(b.descriptors.buffer))).toBe(true);
    expect(Array.from(a.labels)).toEqual(Array.from(b.labels));
    const c = generateSynthetic({ ...options, seed: 8 });
    expect(Buffer.from(a.logits.buffer).equals(Buffer.from(c.logits.buffer))).toBe(false);
    // balanced classes
    const counts = [0, 0, 0];
    for (const label of a.labels) counts[label]!++;
    expect(counts.sort()).toEqual([13, 13, 14]);
  });

  it("rejects bad options", () => {
    expect(() => generateSynthetic({ seed: 1, samples: 0, classIds: [0, 1], channels: 4 })).toThrow(
      /samples/,
    );
    expect(() => generateSynthetic({ seed: 1, samples: 4, classIds: [3, 1], channels: 4 })).toThrow(
      /ascending/,
    );
  });

  it("the committed demo bundle is exactly what scripts/make-demo.ts regenerates", () => {
    for (const [dir, files] of demoFiles()) {
      for (const [name, bytes] of files) {
        const committed = fs.readFileSync(path.join(DEMO_DIR, dir, name));
        expect(committed.equals(Buffer.from(bytes)), `${dir}/${name}`).toBe(true);
      }
    }
  });

  it("the demo is labelled synthetic, small, and has the NTU60 55/5 unseen classes", () => {
    const data = loadEvalData(DEMO_DIR, true);
    expect(data.synthetic).toBe(true);
    expect(data.meta.synthetic).toBe(true);
    expect(Array.from(data.classIds)).toEqual([10, 11, 19, 26, 56]);
    expect(data.descriptors.shape).toEqual([600, 8, 64]);
    let bytes = 0;
    const walk = (dir: string) => {
      for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
        if (entry.isDirectory()) walk(path.join(dir, entry.name));
        else bytes += fs.statSync(path.join(dir, entry.name)).size;
      }
    };
    walk(DEMO_DIR);
    expect(bytes).toBeLessThan(2 * 1024 * 1024);
  });
});
