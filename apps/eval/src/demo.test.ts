import fs from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { demoFiles } from "../scripts/demo-files.js";
import { DEMO_DIR, loadStream } from "./inputs.js";

describe("the shipped synthetic demo", () => {
  it("the committed demo bundle is exactly what scripts/make-demo.ts regenerates", () => {
    for (const [dir, files] of demoFiles()) {
      for (const [name, bytes] of files) {
        const committed = fs.readFileSync(path.join(DEMO_DIR, dir, name));
        expect(committed.equals(Buffer.from(bytes)), `${dir}/${name}`).toBe(true);
      }
    }
  });

  it("the demo is labelled synthetic, small, and has the NTU60 55/5 unseen classes", () => {
    const data = loadStream(DEMO_DIR, true);
    expect(data.meta!.synthetic).toBe(true);
    expect(data.source).toBe("demo synthetic (apps/eval/assets/demo)");
    expect(Array.from(data.classIds!)).toEqual([10, 11, 19, 26, 56]);
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
