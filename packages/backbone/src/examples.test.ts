/** The adapter of docs/write-your-own-adapter.md: the page shows this file verbatim, and it runs. */
import fs from "node:fs";
import { ValueError } from "@skeleton-cache/errors";
import { describe, expect, it } from "vitest";
import { JointMotionConfig } from "../examples/joint-motion-adapter.js";
import { createBackbone, getBackboneAdapter, listBackbones } from "./index.js";

const EXAMPLE = new URL("../examples/joint-motion-adapter.ts", import.meta.url);
const PAGE = new URL("../../../docs/write-your-own-adapter.md", import.meta.url);

/** A sample (3, T = 3, V = 2, M = 1) where joint `moving` moves by `step` per frame along x. */
function sample(moving: number, step: number) {
  const data = new Float32Array(3 * 3 * 2);
  for (let t = 0; t < 3; t++) data[(0 * 3 + t) * 2 + moving] = t * step;
  return { data, shape: [3, 3, 2, 1] };
}

describe("docs/write-your-own-adapter.md", () => {
  it("shows the example file verbatim", () => {
    const page = fs.readFileSync(PAGE, "utf8");
    const code = fs.readFileSync(EXAMPLE, "utf8");
    expect(page).toContain(`\`\`\`ts\n${code}\`\`\``);
  });

  it("the example registers itself and encodes: velocities as features, prototype cosines as logits", async () => {
    expect(listBackbones()).toContain("joint-motion");
    expect(getBackboneAdapter("joint-motion")?.configSchema).toBe(JointMotionConfig);
    const backbone = await createBackbone("joint-motion", {
      prototypes: [
        [1, 0],
        [0, 1],
        [1, 1],
      ],
      candidateClasses: [0, 1],
    });
    const { logits, features } = await backbone.encode([sample(0, 0.5), sample(1, 2)]);
    expect(features.shape).toEqual([2, 3, 2, 2]);
    // Sample 0: joint 0 moves 0.5 per frame along x.
    expect(Array.from(features.data.subarray(0, 4))).toEqual([0.5, 0, 0.5, 0]);
    // Profiles (1/6, 0) and (0, 4/6): cosine 1 with their own prototype, 0 with the other; / 0.1.
    expect(Array.from(logits.data)).toEqual([10, 0, 0, 10]);
    expect(logits.shape).toEqual([2, 2]);
    await backbone.close();
  });

  it("a wrong config is refused by the registry, naming adapter, field and value", async () => {
    await expect(createBackbone("joint-motion", { prototypes: [[1]], batchSize: 0 })).rejects.toThrow(
      new ValueError(
        'backbone "joint-motion" config: field "batchSize" is 0: Too small: expected number to be >0',
      ).message,
    );
    await expect(
      createBackbone("joint-motion", { prototypes: [[1]], candidateClasses: [3] }),
    ).rejects.toThrow(/candidateClasses\[0\] is 3; the model has 1 classes/);
  });
});
