/**
 * The committed bundles are what the TypeScript pipeline gives: re-encode the
 * first samples of one test bundle and one validation bundle from the raw
 * UTD-MHAD files (research data, real/utd-mhad) with the committed ONNX models and compare.
 */
import fs from "node:fs";
import path from "node:path";
import { readBundleDir } from "@skeleton-cache/bundle";
import { readNpy, toFloat32 } from "@skeleton-cache/formats";
import { itWithData } from "@skeleton-cache/test-support";
import { describe, expect, it } from "vitest";
import { encodeModel, listModelDirs } from "./make-bundles.js";
import { BENCH_DIR } from "./paths.js";

const SAMPLES = 6;

function maxAbsDiff(a: Float32Array, b: Float32Array, length: number): number {
  let worst = 0;
  for (let i = 0; i < length; i++) worst = Math.max(worst, Math.abs(a[i]! - b[i]!));
  return worst;
}

describe("bundles from the pipeline", () => {
  const models = listModelDirs();

  it("every model has a bundle and every bundle a model", () => {
    const bundles = fs
      .readdirSync(path.join(BENCH_DIR, "bundles"))
      .flatMap((split) => fs.readdirSync(path.join(BENCH_DIR, "bundles", split)).map((n) => `${split}/${n}`))
      .sort();
    expect(models.map((m) => path.relative(path.join(BENCH_DIR, "models"), m)).sort()).toEqual(bundles);
  });

  for (const name of ["utd_mhad_22_5/seed0", "utd_mhad_14_13/fold0"]) {
    itWithData(
      ["real/utd-mhad"],
      `${name}: the first ${SAMPLES} samples re-encode to the committed bundle`,
      async () => {
        const modelDir = path.join(BENCH_DIR, "models", name);
        const fresh = await encodeModel(modelDir, undefined, SAMPLES);
        const dir = path.join(BENCH_DIR, "bundles", name);
        const committed = readBundleDir(dir);
        const u = committed.classIds!.length;
        expect([...fresh.bundle.classIds!]).toEqual([...committed.classIds!]);
        expect([...fresh.bundle.labels]).toEqual([...committed.labels.slice(0, SAMPLES)]);
        expect(maxAbsDiff(fresh.bundle.logits.data, committed.logits.data, SAMPLES * u)).toBeLessThan(1e-3);
        const per = committed.descriptors!.shape[1]! * committed.descriptors!.shape[2]!;
        expect(fresh.bundle.descriptors!.shape.slice(1)).toEqual(committed.descriptors!.shape.slice(1));
        expect(
          maxAbsDiff(fresh.bundle.descriptors!.data, committed.descriptors!.data, SAMPLES * per),
        ).toBeLessThan(1e-3);
        const names = toFloat32(readNpy(path.join(dir, "logits-names.npy")));
        expect(maxAbsDiff(fresh.namesLogits.data, names, SAMPLES * u)).toBeLessThan(1e-3);
      },
    );
  }
});
