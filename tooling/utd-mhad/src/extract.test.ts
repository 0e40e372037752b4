/**
 * `skc extract` (loader → preprocessing → ONNX adapter → descriptors) makes
 * the committed bundles: run it over the raw UTD-MHAD files with a committed
 * model and compare with that model's bundle, whole.
 */
import fs from "node:fs";
import path from "node:path";
import { createProgress, runExtract } from "@skeleton-cache/eval";
import { readNpy } from "@skeleton-cache/formats";
import { itWithData, tempDir } from "@skeleton-cache/test-support";
import { describe, expect } from "vitest";
import { BENCH_DIR, UTD_DIR } from "./paths.js";
import { UTD_PREPROCESS } from "./preprocessing.js";

describe("skc extract reproduces the committed bundles", () => {
  for (const name of ["utd_mhad_22_5/seed0", "utd_mhad_14_13/fold1"]) {
    itWithData(["real/utd-mhad"], name, async () => {
      const model = path.join(BENCH_DIR, "models", name, "model.onnx");
      const committed = path.join(BENCH_DIR, "bundles", name);
      const classes = Array.from(readNpy(path.join(committed, "class_ids.npy")).data, Number);
      const out = path.join(tempDir("skc-utd-extract-"), "bundle");
      const result = await runExtract(
        {
          model,
          data: UTD_DIR,
          dataset: "utd-mhad",
          candidates: "zsl",
          classes,
          frames: UTD_PREPROCESS.frames!,
          temporal: UTD_PREPROCESS.temporal!,
          center: UTD_PREPROCESS.center!,
          batchSize: 16,
          descriptorsOnly: true,
          out,
        },
        createProgress(true),
      );
      expect(result.stored).toBe("descriptors");
      for (const file of ["descriptors.npy", "logits.npy", "labels.npy", "class_ids.npy"]) {
        const ours = fs.readFileSync(path.join(out, file));
        expect(ours.equals(fs.readFileSync(path.join(committed, file))), file).toBe(true);
      }
    });
  }
});
