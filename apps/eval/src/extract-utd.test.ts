/**
 * The documented UTD-MHAD command, as a user types it —
 * `skc extract --model .../utd_mhad_22_5/seed0/model.onnx --data <utd> --dataset utd-mhad --split utd_mhad_22_5 --out B` —
 * reproduces the committed benchmark bundle: the model's adapter config
 * carries its preprocessing (T = 64 resampled, one body, centred on the first
 * frame), so no flag is needed; `skc eval --bundle B` infers the joint layout
 * from meta.json and computes the committed descriptors byte for byte.
 */
import crypto from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import { encodeNpy } from "@skeleton-cache/formats";
import { dataPath, itWithData, REPO, tempDir } from "@skeleton-cache/test-support";
import { describe, expect } from "vitest";
import { main } from "./cli.js";
import { loadEvalData } from "./inputs.js";
import { captureIo } from "./test-support/io.js";

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

describe("skc extract reproduces the committed UTD-MHAD bundles", () => {
  itWithData(
    [UTD],
    "the plain documented command (utd_mhad_22_5/seed0), then skc eval --bundle",
    async () => {
      const model = path.join(BENCH, "models/utd_mhad_22_5/seed0/model.onnx");
      const committed = path.join(BENCH, "bundles/utd_mhad_22_5/seed0");
      const root = tempDir("skc-utd-extract-");
      const out = path.join(root, "B");
      const io = captureIo();
      const args = [
        "extract",
        "--model",
        model,
        "--data",
        dataPath(UTD),
        "--dataset",
        "utd-mhad",
        "--split",
        "utd_mhad_22_5",
      ];
      expect(await main([...args, "--out", out, "--quiet"], io.io)).toBe(0);
      expect(io.stderr).toBe("");
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
      expect(meta.data).toBe(path.resolve(dataPath(UTD)));

      // skc eval reads the features with the recorded layout: the committed descriptors, byte for byte.
      const data = loadEvalData(out);
      expect(data.input).toBe("features");
      expect(
        Buffer.from(encodeNpy(data.descriptors.data, data.descriptors.shape)).equals(
          fs.readFileSync(path.join(committed, "descriptors.npy")),
        ),
      ).toBe(true);
      const run = captureIo();
      const evalOut = path.join(root, "run");
      expect(
        await main(
          ["eval", "--bundle", out, "--out", evalOut, "--quiet", "--no-plots", "--no-ablations"],
          run.io,
        ),
      ).toBe(0);
      // Extracted in file order, the stream is sorted by label: the one thing skc eval warns about.
      expect(run.stderr).toMatch(
        /^skc eval: warning: the bundle's stream is sorted by label: .* use --protocol orders/,
      );
      expect(run.stderr.trim().split("\n")).toHaveLength(1);
      expect(JSON.parse(fs.readFileSync(path.join(evalOut, "report.json"), "utf8")).bundle.numSamples).toBe(
        160,
      );

      // With --descriptors-only every file of the committed bundle's arrays is reproduced.
      const small = path.join(root, "D");
      expect(await main([...args, "--descriptors-only", "--out", small, "--quiet"], captureIo().io)).toBe(0);
      expectArraysOf(small, committed);
    },
  );

  itWithData(
    [UTD],
    "utd_mhad_14_13/fold1 (validation model) with --classes from its held-out set",
    async () => {
      const model = path.join(BENCH, "models/utd_mhad_14_13/fold1/model.onnx");
      const committed = path.join(BENCH, "bundles/utd_mhad_14_13/fold1");
      const train = JSON.parse(fs.readFileSync(path.join(path.dirname(model), "train.json"), "utf8"));
      const out = path.join(tempDir("skc-utd-extract-"), "B");
      const args = ["extract", "--model", model, "--data", dataPath(UTD), "--dataset", "utd-mhad"];
      const classes = train.held_out_classes.join(",");
      expect(
        await main(
          [...args, "--classes", classes, "--descriptors-only", "--out", out, "--quiet"],
          captureIo().io,
        ),
      ).toBe(0);
      expectArraysOf(out, committed);
    },
  );

  itWithData(
    [UTD],
    "a failed one-step skc eval --model ... --dataset leaves no runs/bundle-* folder",
    async () => {
      const model = path.join(BENCH, "models/utd_mhad_22_5/seed0/model.onnx");
      const cwd = process.cwd();
      const root = tempDir("skc-one-step-");
      process.chdir(root);
      try {
        const io = captureIo();
        // The extraction succeeds; the prior (NTU-60 55/5: 5 other classes) does not fit, so the run fails.
        const code = await main(
          [
            "eval",
            "--model",
            model,
            "--data",
            dataPath(UTD),
            "--dataset",
            "utd-mhad",
            "--split",
            "utd_mhad_22_5",
            "--prior",
            "ntu60_55_5",
            "--quiet",
          ],
          io.io,
        );
        expect(code).toBe(2);
        expect(io.stderr).toMatch(/ntu60_55_5/);
        expect(fs.existsSync(path.join(root, "runs")) ? fs.readdirSync(path.join(root, "runs")) : []).toEqual(
          [],
        );
      } finally {
        process.chdir(cwd);
      }
    },
  );
});
