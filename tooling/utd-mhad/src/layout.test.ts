import fs from "node:fs";
import path from "node:path";
import { modelPreprocessing, readOnnxBackboneConfig } from "@skeleton-cache/backbone-onnx";
import { resolvePreprocessing } from "@skeleton-cache/datasets";
import { KINECT_V1_20 } from "@skeleton-cache/skeleton";
import { describe, expect, it } from "vitest";
import { listModelDirs } from "./make-bundles.js";
import { UTD_INPUT, UTD_PREPROCESS } from "./preprocessing.js";

const MODEL_PY = new URL("../python/model.py", import.meta.url);

describe("python/model.py graph", () => {
  const text = fs.readFileSync(MODEL_PY, "utf8");

  it("uses the Kinect v1 bones and centre of @skeleton-cache/skeleton", () => {
    const block = /BONES = \[([\s\S]*?)\]\n/.exec(text)?.[1] ?? "";
    const bones = [...block.matchAll(/\((\d+), (\d+)\)/g)].map((m) => [Number(m[1]), Number(m[2])]);
    expect(bones).toEqual(KINECT_V1_20.bones.map(([a, b]) => [a, b]));
    expect(Number(/^CENTER = (\d+)$/m.exec(text)?.[1])).toBe(KINECT_V1_20.graphCenter);
    expect(Number(/^NUM_JOINTS = (\d+)$/m.exec(text)?.[1])).toBe(KINECT_V1_20.numJoints);
  });

  it("matches the preprocessing the bundles use", () => {
    expect(UTD_PREPROCESS.frames).toBe(UTD_INPUT.frames);
    expect(UTD_PREPROCESS.bodies).toBe(UTD_INPUT.persons);
    expect(UTD_INPUT.joints).toBe(KINECT_V1_20.numJoints);
  });
});

describe("committed models' adapter configs", () => {
  it("carry the preprocessing the bundles were made with, so skc extract needs no flags", () => {
    const dirs = listModelDirs();
    expect(dirs).toHaveLength(24);
    for (const dir of dirs) {
      const config = readOnnxBackboneConfig(path.join(dir, "model.backbone.json"));
      expect(resolvePreprocessing(modelPreprocessing(config)), dir).toEqual(
        resolvePreprocessing(UTD_PREPROCESS),
      );
    }
  });
});
