/** The method of docs/write-your-own-method.md: the page shows this file verbatim; loaded as a plug-in, it runs. */
import fs from "node:fs";
import { fileURLToPath } from "node:url";
import { NonFiniteError, ValueError } from "@skeleton-cache/errors";
import { uniformPrior } from "@skeleton-cache/prior";
import { importPlugin } from "@skeleton-cache/registry";
import { afterAll, describe, expect, it } from "vitest";
import {
  createMethod,
  describeMethods,
  getMethodSpec,
  methodNames,
  onlinePass,
  predictWithCache,
  resolveMethodParams,
  unregisterMethod,
} from "./index.js";

const EXAMPLE = new URL("../examples/running-prototype.mjs", import.meta.url);
const PAGE = new URL("../../../docs/write-your-own-method.md", import.meta.url);

/** Two samples, U = 2, C = 2: descriptors zero but the global slot (7). */
function stream(logits: number[], globals: number[][]) {
  const N = globals.length;
  const descriptors = new Float32Array(N * 8 * 2);
  for (let n = 0; n < N; n++) descriptors.set(globals[n]!, (n * 8 + 7) * 2);
  return {
    logits: { data: Float32Array.from(logits), shape: [N, 2] },
    descriptors: { data: descriptors, shape: [N, 8, 2] },
  };
}

const build = (params: Record<string, unknown> = {}) =>
  createMethod("running-prototype", { numClasses: 2, channels: 2, prior: uniformPrior(2) }, params);

describe("docs/write-your-own-method.md", () => {
  afterAll(() => unregisterMethod("running-prototype"));

  it("shows the example file verbatim", () => {
    const page = fs.readFileSync(PAGE, "utf8");
    const code = fs.readFileSync(EXAMPLE, "utf8");
    expect(page).toContain(`\`\`\`js\n${code}\`\`\``);
  });

  it("importPlugin (what --method-module calls) loads it and it registers running-prototype", async () => {
    const loaded = await importPlugin(fileURLToPath(EXAMPLE), { flag: "--method-module", kind: "method" });
    expect(loaded.registered).toEqual(["running-prototype"]);
    expect(methodNames()).toContain("running-prototype");
    expect(getMethodSpec("running-prototype").title).toBe("Running prototype");
    expect(resolveMethodParams("running-prototype")).toEqual({ lambda: 1, confidence: 0.5 });
    expect(() => resolveMethodParams("running-prototype", { confidence: 2 })).toThrow(
      "method running-prototype: confidence must be a finite number in 0..1, got 2",
    );
    expect(describeMethods().find((d) => d.name === "running-prototype")?.configSchema).toMatchObject({
      properties: { lambda: { type: "number", minimum: 0, default: 1 } },
    });
  });

  it("refines with the cosine to the prototype of earlier confident predictions", () => {
    // Sample 0: no prototype yet → the backbone's class 0 (p = e/(e+1) ≥ 0.5: it joins class 0).
    // Sample 1: the backbone says 1 (0.5 > 0), but z = (0 + 1·cos((1,0),(1,0)), 0.5) = (1, 0.5) → class 0.
    const input = stream(
      [1, 0, 0, 0.5],
      [
        [3, 0],
        [2, 0],
      ],
    );
    const run = onlinePass(input, build());
    expect(Array.from(run.baselinePred)).toEqual([0, 1]);
    expect(Array.from(run.refinedPred)).toEqual([0, 0]);
    expect(Array.from(run.refinedLogits)).toEqual([1, 0, 1, 0.5]);
    expect(run.method.snapshot().memories[0]!.blocks.map((b) => b.ids)).toEqual([[0, 1], []]);
    // λ = 0 is the backbone; a confidence nobody reaches keeps every prototype empty.
    expect(Array.from(onlinePass(input, build({ lambda: 0 })).refinedPred)).toEqual([0, 1]);
    expect(Array.from(onlinePass(input, build({ confidence: 1 })).refinedPred)).toEqual([0, 1]);
  });

  it("refuses NaN logits and the second pass with typed errors; reset replays the stream", () => {
    const input = stream(
      [1, 0, 0, 0.5],
      [
        [3, 0],
        [2, 0],
      ],
    );
    const method = build();
    const first = Array.from(onlinePass(input, method).refinedLogits);
    method.reset();
    expect(Array.from(onlinePass(input, method).refinedLogits)).toEqual(first);
    expect(() => predictWithCache(method, input, input.descriptors)).toThrow(ValueError);
    const bad = stream(
      [1, Number.NaN, 0, 0.5],
      [
        [3, 0],
        [2, 0],
      ],
    );
    expect(() => onlinePass(bad, build())).toThrow(NonFiniteError);
    expect(() => onlinePass(bad, build())).toThrow("sample 0: base logit 1 is NaN");
  });
});
