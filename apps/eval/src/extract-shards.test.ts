/**
 * `skc extract --shard i/n` writes one part; `skc bundle merge` joins a
 * complete set into the bytes a single run writes, and refuses a set with a
 * missing or duplicated part, naming it.
 */
import fs from "node:fs";
import path from "node:path";
import { REPO, tempDir } from "@skeleton-cache/test-support";
import { describe, expect, it } from "vitest";
import { main } from "./cli.js";
import { captureIo } from "./test-support/io.js";
import { writeSyntheticNtu } from "./test-support/ntu-files.js";

const MODEL = path.join(REPO, "packages/backbone-onnx/fixtures/stgcn-tiny/model.onnx");

function filesOf(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const name of fs.readdirSync(dir).sort())
    out[name] = fs.readFileSync(path.join(dir, name)).toString("base64");
  return out;
}

describe("skc extract --shard and skc bundle merge", () => {
  it("three parts merge into the bytes of one run (on two workers); a missing or doubled part is refused by name", async () => {
    const root = tempDir("skc-shards-cli-");
    const data = path.join(root, "ntu");
    writeSyntheticNtu(data, 23, [1, 2, 3]);
    const args = (out: string, extra: string[]) => [
      "extract",
      "--model",
      MODEL,
      "--data",
      data,
      "--classes",
      "0,1,2",
      "--descriptors-only",
      "--chunk-size",
      "5",
      "--out",
      out,
      "--quiet",
      ...extra,
    ];
    const whole = path.join(root, "whole");
    expect(await main(args(whole, ["--workers", "2"]), captureIo().io)).toBe(0);
    const parts = [0, 1, 2].map((i) => path.join(root, `part-${i}`));
    for (const [i, part] of parts.entries()) {
      expect(await main(args(part, ["--shard", `${i}/3`, "--workers", "0"]), captureIo().io)).toBe(0);
      const meta = JSON.parse(fs.readFileSync(path.join(part, "meta.json"), "utf8"));
      expect(meta.shard).toEqual({ index: i, count: 3, offset: [0, 7, 15][i], total: 23 });
    }
    const merged = path.join(root, "merged");
    const io = captureIo();
    expect(await main(["bundle", "merge", parts[2]!, parts[0]!, parts[1]!, "--out", merged], io.io)).toBe(0);
    expect(io.stdout).toBe(`merged 3 parts into ${merged}: 23 samples, descriptors\n`);
    expect(filesOf(merged)).toEqual(filesOf(whole));

    const missing = captureIo();
    expect(
      await main(["bundle", "merge", parts[0]!, parts[2]!, "--out", path.join(root, "m2")], missing.io),
    ).toBe(2);
    expect(missing.stderr).toBe("skc bundle merge: error: part 1/3 is missing (given: 0/3, 2/3)\n");
    const doubled = captureIo();
    expect(
      await main(["bundle", "merge", ...parts, parts[1]!, "--out", path.join(root, "m3")], doubled.io),
    ).toBe(2);
    expect(doubled.stderr).toBe(
      `skc bundle merge: error: part 1/3 is given twice: ${parts[1]} and ${parts[1]}\n`,
    );
    expect(fs.existsSync(path.join(root, "m2")) || fs.existsSync(path.join(root, "m3"))).toBe(false);
  });

  it("a shard spec out of range, an empty part, or a shard written to a file, is bad input", async () => {
    const root = tempDir("skc-shards-cli-");
    const base = ["extract", "--model", MODEL, "--data", root, "--classes", "0"];
    const range = captureIo();
    expect(await main([...base, "--shard", "3/3", "--out", path.join(root, "b")], range.io)).toBe(2);
    expect(range.stderr).toContain('skc extract: error: --shard: "3/3" is not i/n with 0 ≤ i < n');
    const data = path.join(root, "ntu");
    writeSyntheticNtu(data, 2, [1]);
    const empty = captureIo();
    const few = [
      "extract",
      "--model",
      MODEL,
      "--data",
      data,
      "--classes",
      "0",
      "--shard",
      "0/3",
      "--out",
      path.join(root, "p"),
    ];
    expect(await main(few, empty.io)).toBe(2);
    expect(empty.stderr).toContain("--shard: part 0/3 holds no sample (there are 2); use at most 2 parts");
    const file = captureIo();
    expect(await main([...base, "--shard", "0/2", "--out", path.join(root, "b.npz")], file.io)).toBe(2);
    expect(file.stderr).toContain("a shard part is a directory");
  });
});
