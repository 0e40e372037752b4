/** `skc eval` computes descriptors with the joint layout a bundle records (meta.json `layout`); `--layout` overrides it. */
import fs from "node:fs";
import path from "node:path";
import { writeBundleDir } from "@skeleton-cache/bundle";
import { seededRandom } from "@skeleton-cache/tensor";
import { tempDir } from "@skeleton-cache/test-support";
import { describe, expect, it } from "vitest";
import { main } from "./cli.js";
import { captureIo } from "./test-support/io.js";

/** A features bundle with V = 20 joints (the Kinect v1 layout of UTD-MHAD). */
function kinectBundle(dir: string, layout?: string, dataset = "utd-mhad"): void {
  const random = seededRandom(7);
  const [n, u, c, t, v] = [12, 3, 4, 6, 20];
  writeBundleDir(dir, {
    kind: "features",
    logits: { data: Float32Array.from({ length: n * u }, () => random.next()), shape: [n, u] },
    features: {
      data: Float32Array.from({ length: n * c * t * v }, () => random.next() - 0.5),
      shape: [n, c, t, v],
    },
    labels: Int32Array.from({ length: n }, (_, i) => i % u),
    classIds: Int32Array.from([4, 14, 17]),
    meta: { dataset, ...(layout ? { layout } : {}) },
  });
}

function evalArgs(bundle: string, out: string, extra: string[] = []): string[] {
  return [
    "eval",
    "--bundle",
    bundle,
    "--prior",
    "uniform",
    "--out",
    out,
    "--quiet",
    "--no-plots",
    "--no-ablations",
    ...extra,
  ];
}

describe("joint layout of a bundle", () => {
  it("is read from meta.json; --layout overrides it; a wrong one is named", async () => {
    const root = tempDir("skc-layout-");
    const recorded = path.join(root, "recorded");
    kinectBundle(recorded, "kinect-v1-20");
    expect(await main(evalArgs(recorded, path.join(root, "r1")), captureIo().io)).toBe(0);
    expect(fs.existsSync(path.join(root, "r1", "report.json"))).toBe(true);

    const bare = path.join(root, "bare");
    kinectBundle(bare);
    const refused = captureIo();
    expect(await main(evalArgs(bare, path.join(root, "r2")), refused.io)).toBe(2);
    expect(refused.stderr).toContain('feature volume has V = 20 joints but layout "ntu25" has 25');
    expect(
      await main(evalArgs(bare, path.join(root, "r3"), ["--layout", "kinect-v1-20"]), captureIo().io),
    ).toBe(0);

    const unknown = path.join(root, "unknown");
    kinectBundle(unknown, "kinect-v3");
    const io = captureIo();
    expect(await main(evalArgs(unknown, path.join(root, "r4")), io.io)).toBe(2);
    expect(io.stderr).toContain(
      `${unknown}: meta layout "kinect-v3" is not a known joint layout (ntu25, kinect-v1-20, coco17)`,
    );
  });

  it("skc bundle validate refuses what skc eval refuses, with one message naming the bundle and --layout", async () => {
    const root = tempDir("skc-layout-validate-");
    const bundle = path.join(root, "ntu60-v20");
    kinectBundle(bundle, undefined, "ntu60");
    const validate = captureIo();
    expect(await main(["bundle", "validate", bundle, "--quiet"], validate.io)).toBe(2);
    expect(validate.stdout).toBe("");
    const evaluated = captureIo();
    expect(await main(evalArgs(bundle, path.join(root, "run")), evaluated.io)).toBe(2);
    const message = (io: { stderr: string }, command: string) =>
      io.stderr.replace(`skc ${command}: error: `, "");
    expect(message(validate, "bundle validate")).toBe(message(evaluated, "eval"));
    expect(message(validate, "bundle validate")).toContain(`${bundle}: feature volume has V = 20 joints`);
    expect(message(validate, "bundle validate")).toContain("--layout kinect-v1-20");
    expect(fs.existsSync(path.join(root, "run"))).toBe(false);

    // (--quiet would print no verdict: the exit code says it.)
    const valid = captureIo();
    expect(await main(["bundle", "validate", bundle, "--layout", "kinect-v1-20"], valid.io)).toBe(0);
    expect(valid.stdout).toMatch(/^valid: .*ntu60-v20 .*layout kinect-v1-20/);
  });
});
