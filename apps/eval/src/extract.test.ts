/** `skc extract` with the tiny ST-GCN ONNX fixture over the raw NTU samples of the research data (real/ntu). */
import fs from "node:fs";
import path from "node:path";
import { dataPath, itWithData, repoPath, tempDir } from "@skeleton-cache/test-support";
import { describe, expect, it } from "vitest";
import { main } from "./cli.js";
import { loadEvalData } from "./inputs.js";
import { captureIo } from "./test-support/io.js";

const MODEL = repoPath("packages/backbone-onnx/fixtures/stgcn-tiny/model.onnx");
const NTU = dataPath("real/ntu");

describe("skc extract", () => {
  itWithData(
    ["real/ntu"],
    "writes a descriptors-only GZSL bundle of the split's samples that skc eval reads",
    async () => {
      const dir = tempDir();
      const out = path.join(dir, "ntu-gzsl.npz");
      const capture = captureIo();
      const code = await main(
        [
          "extract",
          "--model",
          MODEL,
          "--data",
          NTU,
          "--split",
          "ntu60_55_5",
          "--candidates",
          "gzsl",
          "--descriptors-only",
          "--out",
          out,
          "--quiet",
        ],
        capture.io,
      );
      expect(capture.stderr).toBe("");
      expect(code).toBe(0);
      const data = loadEvalData(out);
      expect(data.input).toBe("descriptors");
      expect(data.numClasses).toBe(60);
      expect(data.meta.synthetic).toBe(false);
      // A001 drink water, A003, A011 reading, A017, A034, A058 → class ids = action − 1, all candidates of the GZSL set.
      const names = data.meta.sampleNames as string[];
      expect(Array.from(data.labels)).toEqual(names.map((name) => Number(name.slice(-3)) - 1));
      const run = captureIo();
      const evalOut = path.join(dir, "run");
      expect(
        await main(
          [
            "eval",
            "--bundle",
            out,
            "--prior",
            "uniform",
            "--gzsl",
            "--out",
            evalOut,
            "--quiet",
            "--no-plots",
            "--no-ablations",
          ],
          run.io,
        ),
      ).toBe(0);
      const report = JSON.parse(fs.readFileSync(path.join(evalOut, "report.json"), "utf8"));
      expect(report.gzsl.seenIndices).toHaveLength(55);
      expect(report.bundle.numSamples).toBe(6);
    },
  );

  it("a split of another dataset, or no candidates, is bad input", async () => {
    const capture = captureIo();
    const NTU = tempDir("skc-ntu-"); // the options are checked before any file is read
    const out = path.join(tempDir(), "b");
    expect(await main(["extract", "--model", MODEL, "--data", NTU, "--out", out], capture.io)).toBe(2);
    expect(capture.stderr).toContain("--split");
    const other = captureIo();
    expect(
      await main(
        ["extract", "--model", MODEL, "--data", NTU, "--split", "ntu120_110_10", "--out", out],
        other.io,
      ),
    ).toBe(2);
    expect(other.stderr).toContain("ntu120");
    expect(fs.existsSync(out)).toBe(false);
  });
});
