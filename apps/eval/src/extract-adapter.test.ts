/** `skc extract --backbone-module`: the adapter of docs/write-your-own-adapter.md through the command line, on worker threads. */
import fs from "node:fs";
import path from "node:path";
import { readNpy } from "@skeleton-cache/formats";
import { REPO, tempDir } from "@skeleton-cache/test-support";
import { describe, expect, it } from "vitest";
import { main } from "./cli.js";
import { captureIo } from "./test-support/io.js";
import { writeSyntheticNtu } from "./test-support/ntu-files.js";

const EXAMPLE = path.join(REPO, "packages/backbone/examples/joint-motion-adapter.ts");

describe("your own adapter through skc extract", () => {
  it("--backbone-module registers it (in every worker), --backbone picks it, skc eval reads the bundle", async () => {
    const root = tempDir("skc-own-adapter-");
    const data = path.join(root, "ntu");
    writeSyntheticNtu(data, 12, [1, 2, 3]);
    const config = path.join(root, "motion.json");
    const prototypes = [0, 1, 2].map((k) => Array.from({ length: 25 }, (_, v) => ((v + k) % 5) + 1));
    fs.writeFileSync(config, JSON.stringify({ prototypes }));
    const out = path.join(root, "B");
    const io = captureIo();
    const args = [
      "extract",
      "--backbone-module",
      EXAMPLE,
      "--backbone",
      "joint-motion",
      "--backbone-config",
      config,
    ];
    const run = [
      ...args,
      "--data",
      data,
      "--classes",
      "all",
      "--frames",
      "20",
      "--chunk-size",
      "4",
      "--workers",
      "2",
      "--out",
      out,
      "--quiet",
    ];
    expect(await main(run, io.io)).toBe(0);
    expect(io.stderr).toBe("");
    const meta = JSON.parse(fs.readFileSync(path.join(out, "meta.json"), "utf8"));
    expect(meta.backbone).toBe("joint-motion:joint-motion (3 prototypes)");
    expect(readNpy(path.join(out, "features.npy")).shape).toEqual([12, 3, 19, 25]);
    expect(readNpy(path.join(out, "logits.npy")).shape).toEqual([12, 3]);
    const evalRun = captureIo();
    const evalArgs = [
      "eval",
      "--bundle",
      out,
      "--prior",
      "uniform",
      "--out",
      path.join(root, "run"),
      "--quiet",
      "--no-plots",
    ];
    expect(await main(evalArgs, evalRun.io)).toBe(0);

    const missing = captureIo();
    const absent = path.join(root, "no-such-adapter.js");
    const bad = [
      "extract",
      "--backbone-module",
      absent,
      "--data",
      data,
      "--classes",
      "all",
      "--out",
      path.join(root, "C"),
    ];
    expect(await main(bad, missing.io)).toBe(2);
    expect(missing.stderr).toContain(`skc extract: error: --backbone-module: cannot import ${absent}`);
  });
});
