import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { readNpy, toIntArray } from "@skeleton-cache/formats";
import { permutation } from "@skeleton-cache/tensor";
import { describe, expect, it } from "vitest";
import { UTD_DEMO_SPEC, utdDemoFiles } from "../scripts/utd-demo-files.js";
import { loadStream, UTD_DEMO_DIR } from "./inputs.js";

const REPO = fileURLToPath(new URL("../../../", import.meta.url));

describe("the real-data demo (UTD-MHAD)", () => {
  it("the committed files are exactly what scripts/make-demo.ts makes from the benchmark bundles", () => {
    for (const [dir, files] of utdDemoFiles(REPO)) {
      for (const [name, bytes] of files) {
        const committed = fs.readFileSync(path.join(UTD_DEMO_DIR, dir, name));
        expect(committed.equals(Buffer.from(bytes)), `${dir}/${name}`).toBe(true);
      }
    }
  });

  it("is the 22/5 seed-0 benchmark bundle in a seeded order: same samples, same labels, real, not synthetic", () => {
    const data = loadStream(UTD_DEMO_DIR, true);
    expect(data.meta!.synthetic === true).toBe(false);
    expect(data.meta!.dataset).toBe("utd-mhad");
    const source = path.join(REPO, UTD_DEMO_SPEC.test.from);
    const labels = toIntArray(readNpy(path.join(source, "labels.npy")));
    const order = permutation(labels.length, UTD_DEMO_SPEC.test.orderSeed);
    expect(Array.from(data.labels)).toEqual(order.map((i) => labels[i]));
    const sourceMeta = JSON.parse(fs.readFileSync(path.join(source, "meta.json"), "utf8"));
    expect(data.meta!.sampleNames).toEqual(order.map((i) => sourceMeta.sampleNames[i]));
  });
});
