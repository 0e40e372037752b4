import { spawnSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { readNpy } from "@skeleton-cache/formats";
import { childEnv, dataPath, itWithData, REPO, tempDir } from "@skeleton-cache/test-support";
import { describe, expect, it } from "vitest";
import { readStgcnLabels } from "../ntu-arrays.js";
import { writeNtuSkeleton } from "../test-support/ntu-files.js";

const bin = fileURLToPath(new URL("./ntu-gendata.ts", import.meta.url));
const run = (...args: string[]) =>
  spawnSync(process.execPath, ["--conditions=@skc/source", "--import", "tsx", bin, ...args], {
    cwd: REPO,
    encoding: "utf8",
    env: childEnv(),
  });

describe("skc-ntu-gendata", () => {
  it("writes train_data.npy / train_label.pkl of the benchmark's part, with progress on stderr", () => {
    const input = tempDir("skc-ntu-in-");
    writeNtuSkeleton(input, "S001C002P001R001A001", 40, 1, 1); // camera 2: xview train
    writeNtuSkeleton(input, "S001C003P002R001A005", 60, 2, 2); // camera 3: xview train
    writeNtuSkeleton(input, "S001C001P003R001A011", 30, 1, 3); // camera 1: xview val
    const out = tempDir("skc-ntu-out-");
    const ok = run(
      "--input",
      input,
      "--out",
      out,
      "--benchmark",
      "xview",
      "--split",
      "train",
      "--frames",
      "50",
    );
    expect(ok.stderr).toContain("ntu-gendata: 2/2 (100%)");
    expect(ok.status).toBe(0);
    expect(readNpy(path.join(out, "train_data.npy")).shape).toEqual([2, 3, 50, 25, 2]);
    const labels = readStgcnLabels(path.join(out, "train_label.pkl"));
    expect(labels.names).toEqual(["S001C002P001R001A001.skeleton", "S001C003P002R001A005.skeleton"]);
    expect(labels.labels).toEqual([0, 4]);
  });

  it("takes the common flags: --quiet prints nothing, --json the result as one JSON document", () => {
    const input = tempDir("skc-ntu-in-");
    writeNtuSkeleton(input, "S001C002P001R001A001", 40, 1, 1);
    const quiet = run("--input", input, "--out", tempDir("skc-ntu-out-"), "--frames", "20", "--quiet");
    expect(quiet.status).toBe(0);
    expect(quiet.stdout + quiet.stderr).toBe("");
    const out = tempDir("skc-ntu-out-");
    const json = run("--input", input, "--out", out, "--frames", "20", "--json");
    expect(json.status).toBe(0);
    expect(JSON.parse(json.stdout)).toMatchObject({
      dataFile: path.join(out, "data.npy"),
      shape: [1, 3, 20, 25, 2],
      names: ["S001C002P001R001A001.skeleton"],
    });
  });

  it("--help shows the defaults and an example; bad input exits 2 naming the flag", () => {
    const help = run("--help");
    expect(help.status).toBe(0);
    expect(help.stdout).toMatch(/--frames <T>\s+output frames \(default: 300\)/);
    expect(help.stdout).toMatch(/--temporal <mode>[\s\S]*default: "zero-pad"/);
    expect(help.stdout).toContain("Example:\n  $ skc-ntu-gendata --input");
    const frames = run("--input", ".", "--out", ".", "--frames", "0");
    expect(frames.status).toBe(2);
    expect(frames.stderr).toContain('skc-ntu-gendata: error: --frames: "0" is not an integer ≥ 1');
    const missing = run("--frames", "3");
    expect(missing.status).toBe(2);
    expect(missing.stderr).toContain("skc-ntu-gendata: error: required option --input not specified");
    const nope = path.join(tempDir("skc-ntu-"), "nope");
    const bad = run("--input", nope, "--out", tempDir("skc-ntu-"));
    expect(bad.status).toBe(2);
    expect(bad.stderr).toContain(`skc-ntu-gendata: error: ${nope}: cannot list`);
    expect(fs.existsSync(nope)).toBe(false);
  });

  itWithData(["real/ntu"], "converts the real NTU samples (xview train: the two camera-2/3 files)", () => {
    const out = tempDir("skc-ntu-out-");
    const ok = run(
      "--input",
      dataPath("real/ntu"),
      "--out",
      out,
      "--benchmark",
      "xview",
      "--split",
      "train",
      "--frames",
      "50",
    );
    expect(ok.status).toBe(0);
    expect(readNpy(path.join(out, "train_data.npy")).shape).toEqual([2, 3, 50, 25, 2]);
  });
});
