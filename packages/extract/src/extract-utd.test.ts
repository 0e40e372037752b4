/**
 * The documented UTD-MHAD extraction, with the model, the data, the dataset
 * and the split given, in the dataset's order (`skc extract --model
 * .../utd_mhad_22_5/seed0/model.onnx --data <utd> --dataset utd-mhad --split
 * utd_mhad_22_5 --sample-order listed --out B`: the committed benchmark
 * bundles keep the reader's order, action, subject, trial) reproduces the
 * committed benchmark bundle: the model's adapter config carries its
 * preprocessing (T = 64 resampled, one body, centred on the first frame), so
 * no preprocessing option is needed; the bundle reader infers the joint
 * layout from meta.json and computes the committed descriptors byte for byte.
 * The default (shuffled) order holds the same samples, permuted.
 */
import crypto from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import { readBundleDescriptors } from "@skeleton-cache/bundle";
import { encodeNpy, readNpy } from "@skeleton-cache/formats";
import { dataPath, itWithData, REPO, tempDir } from "@skeleton-cache/test-support";
import { describe, expect } from "vitest";
import { extractBundle } from "./extract.js";
import { ONNX } from "./test-support/run.js";

const BENCH = path.join(REPO, "benchmarks/utd-mhad");
const UTD = "real/utd-mhad";

function sameBytes(a: string, b: string): boolean {
  return fs.readFileSync(a).equals(fs.readFileSync(b));
}

/** Every array of a descriptors-only bundle equals the committed bundle's, byte for byte. */
function expectArraysOf(dir: string, committed: string): void {
  for (const file of ["descriptors.npy", "logits.npy", "labels.npy", "class_ids.npy"])
    expect(sameBytes(path.join(dir, file), path.join(committed, file)), file).toBe(true);
}

describe("extractBundle reproduces the committed UTD-MHAD bundles", () => {
  itWithData(
    [UTD],
    "the plain documented extraction (utd_mhad_22_5/seed0), then the bundle reader",
    async () => {
      const model = path.join(BENCH, "models/utd_mhad_22_5/seed0/model.onnx");
      const committed = path.join(BENCH, "bundles/utd_mhad_22_5/seed0");
      const root = tempDir("skc-utd-extract-");
      const out = path.join(root, "B");
      const options = {
        model,
        data: dataPath(UTD),
        dataset: "utd-mhad",
        split: "utd_mhad_22_5",
        sampleOrder: "listed",
      } as const;
      await extractBundle({ ...options, out }, ONNX);
      for (const file of ["logits.npy", "labels.npy", "class_ids.npy"])
        expect(sameBytes(path.join(out, file), path.join(committed, file)), file).toBe(true);

      const meta = JSON.parse(fs.readFileSync(path.join(out, "meta.json"), "utf8"));
      const recorded = JSON.parse(fs.readFileSync(path.join(committed, "meta.json"), "utf8"));
      expect(meta.layout).toBe("kinect-v1-20");
      expect(meta.preprocessing).toEqual({
        ...recorded.preprocess,
        bodySelection: "file-order",
        align: false,
      });
      expect(meta.model.name).toBe("utd_mhad_22_5/seed0/model");
      expect(meta.backbone).toBe("onnx:utd_mhad_22_5/seed0/model");
      expect(meta.model.location).toBe(model);
      expect(meta.model.sha256).toBe(
        crypto.createHash("sha256").update(fs.readFileSync(model)).digest("hex"),
      );
      expect(recorded.backbone).toContain(meta.model.sha256);
      expect(meta.sampleNames).toEqual(recorded.sampleNames);
      expect(meta.order).toEqual({ kind: "listed" });
      expect(meta.data).toBe(path.resolve(dataPath(UTD)));

      // The reader describes the features with the recorded layout: the committed descriptors, byte for byte.
      const data = readBundleDescriptors(out);
      expect(data.kind).toBe("features");
      expect(
        Buffer.from(encodeNpy(data.descriptors.data, data.descriptors.shape)).equals(
          fs.readFileSync(path.join(committed, "descriptors.npy")),
        ),
      ).toBe(true);
      expect(data.logits.shape[0]).toBe(160);

      // With descriptorsOnly every file of the committed bundle's arrays is reproduced.
      const small = path.join(root, "D");
      await extractBundle({ ...options, descriptorsOnly: true, out: small }, ONNX);
      expectArraysOf(small, committed);

      // The default order: the same samples, shuffled; each row is the committed row of its sample.
      const shuffled = path.join(root, "S");
      const { sampleOrder: _listed, ...defaults } = options;
      await extractBundle({ ...defaults, descriptorsOnly: true, out: shuffled }, ONNX);
      const names: string[] = JSON.parse(
        fs.readFileSync(path.join(shuffled, "meta.json"), "utf8"),
      ).sampleNames;
      expect([...names].sort()).toEqual([...recorded.sampleNames].sort());
      expect(names).not.toEqual(recorded.sampleNames);
      const rows = (file: string, dir: string) => readNpy(path.join(dir, file)).data;
      const row = names.map((name: string) => recorded.sampleNames.indexOf(name));
      for (const file of ["logits.npy", "labels.npy"]) {
        const [ours, theirs] = [rows(file, shuffled), rows(file, committed)];
        const width = ours.length / names.length;
        const permuted = row.flatMap((i) => Array.from(theirs.subarray(i * width, (i + 1) * width), Number));
        expect(Array.from(ours, Number), file).toEqual(permuted);
      }
    },
  );

  itWithData(
    [UTD],
    "utd_mhad_14_13/fold1 (validation model) with classes from its held-out set",
    async () => {
      const model = path.join(BENCH, "models/utd_mhad_14_13/fold1/model.onnx");
      const committed = path.join(BENCH, "bundles/utd_mhad_14_13/fold1");
      const train = JSON.parse(fs.readFileSync(path.join(path.dirname(model), "train.json"), "utf8"));
      const out = path.join(tempDir("skc-utd-extract-"), "B");
      await extractBundle(
        {
          model,
          data: dataPath(UTD),
          dataset: "utd-mhad",
          classes: train.held_out_classes,
          sampleOrder: "listed", // the committed bundles keep the reader's order
          descriptorsOnly: true,
          out,
        },
        ONNX,
      );
      expectArraysOf(out, committed);
    },
  );
});
