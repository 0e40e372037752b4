/**
 * `validateBundleStream` (`skc bundle validate`) refuses every bundle that
 * `readBundleDescriptors` (how `skc eval` reads one) refuses, with the same
 * message, and passes what it reads.
 */
import path from "node:path";
import { LAYOUTS } from "@skeleton-cache/skeleton";
import { seededRandom } from "@skeleton-cache/tensor";
import { tempDir } from "@skeleton-cache/test-support";
import { describe, expect, it } from "vitest";
import { readBundleDescriptors, validateBundleStream, writeBundleDir } from "./index.js";

/** A features bundle of V joints; `value` fills F (else seeded noise). */
function featureBundle(
  dir: string,
  options: { joints: number; meta: Record<string, unknown>; value?: number },
): string {
  const random = seededRandom(11);
  const [n, u, c, t, v] = [9, 3, 4, 6, options.joints];
  writeBundleDir(dir, {
    kind: "features",
    logits: { data: Float32Array.from({ length: n * u }, () => random.next()), shape: [n, u] },
    features: {
      data: Float32Array.from({ length: n * c * t * v }, () => options.value ?? random.next() - 0.5),
      shape: [n, c, t, v],
    },
    labels: Int32Array.from({ length: n }, (_, i) => i % u),
    meta: options.meta,
  });
  return dir;
}

/** The message `fn` throws ("" when it does not). */
function refusal(fn: () => unknown): string {
  try {
    fn();
    return "";
  } catch (error) {
    return (error as Error).message;
  }
}

describe("bundle validate runs every check eval runs on a bundle", () => {
  const root = tempDir("skc-bundle-validate-");

  it("V = 20 joints with no layout in its meta (dataset ntu60): both refuse, naming the bundle and --layout", () => {
    const bundle = featureBundle(path.join(root, "ntu60-v20"), { joints: 20, meta: { dataset: "ntu60" } });
    const byEval = refusal(() => readBundleDescriptors(bundle));
    expect(byEval).toContain(bundle);
    expect(byEval).toContain('feature volume has V = 20 joints but layout "ntu25" has 25');
    expect(byEval).toContain("--layout kinect-v1-20");
    expect(refusal(() => validateBundleStream(bundle))).toBe(byEval);

    const layout = LAYOUTS["kinect-v1-20"]!;
    expect(refusal(() => readBundleDescriptors(bundle, { layout }))).toBe("");
    const valid = validateBundleStream(bundle, { layout });
    expect(valid.layout).toBe("kinect-v1-20");
    expect(valid.valuesChecked).toBe(9 * 4 * 6 * 20);
  });

  it("an unknown layout in meta.json: both refuse with one message", () => {
    const bundle = featureBundle(path.join(root, "unknown"), { joints: 20, meta: { layout: "kinect-v3" } });
    const byEval = refusal(() => readBundleDescriptors(bundle));
    expect(byEval).toContain(`${bundle}: meta layout "kinect-v3" is not a known joint layout`);
    expect(refusal(() => validateBundleStream(bundle))).toBe(byEval);
  });

  it("finite F whose descriptors overflow float32: both refuse with one message", () => {
    const bundle = featureBundle(path.join(root, "huge"), { joints: 25, meta: {}, value: 3e38 });
    const byEval = refusal(() => readBundleDescriptors(bundle, { kernel: "wasm" }));
    expect(byEval).toContain("float32 overflow of finite features");
    expect(refusal(() => validateBundleStream(bundle, { kernel: "wasm" }))).toBe(byEval);
  });
});
