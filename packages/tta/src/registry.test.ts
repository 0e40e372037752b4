/** Methods as registry entries: a user's own method, priorities, refusals, the params' zod schema, two copies. */
import { ValueError } from "@skeleton-cache/errors";
import { uniformPrior } from "@skeleton-cache/prior";
import { afterEach, describe, expect, it } from "vitest";
import {
  createMethod,
  describeMethods,
  getMethodSpec,
  type MethodDefinition,
  methodNames,
  onlinePass,
  registerMethod,
  resolveMethodParams,
  type StepResult,
  skeletonCache,
  type TestTimeMethod,
  unregisterMethod,
} from "./index.js";

/** A method no identity imitates: it predicts (backbone argmax + shift) mod U. */
function shiftMethod(name = "test-shift"): MethodDefinition {
  return {
    name,
    title: "Shift",
    description: "predicts the class after the backbone's",
    reference: "a test of the registry",
    params: { shift: { kind: "integer", description: "classes to move", default: 1, min: 0, max: 100 } },
    grid: { shift: [0, 1, 2] },
    capabilities: { blocksFill: false, fusionWeights: false, slots: "global" },
    create(context, params): TestTimeMethod {
      const U = context.numClasses;
      const refinedLogits = new Float64Array(U);
      let steps = 0;
      const result = {
        baselinePred: 0,
        refinedPred: 0,
        entropy: 0,
        inserted: false,
        hedgeBlock: -1,
        hedgeInserted: false,
      };
      return {
        name,
        numClasses: U,
        channels: context.channels,
        refinedLogits,
        get steps() {
          return steps;
        },
        blocksFull: false,
        step(sample): StepResult {
          let best = 0;
          for (let u = 1; u < U; u++)
            if (sample.logits[sample.logitsOffset + u]! > sample.logits[sample.logitsOffset + best]!)
              best = u;
          const pred = (best + (params.shift as number)) % U;
          refinedLogits.fill(0);
          refinedLogits[pred] = 1;
          steps++;
          Object.assign(result, { baselinePred: best, refinedPred: pred });
          return result;
        },
        predict() {
          throw new ValueError(`${name} has no memory to predict from`);
        },
        reset() {
          steps = 0;
        },
        snapshot: () => ({ method: name, steps, memories: [] }),
      };
    },
  };
}

afterEach(() => {
  for (const name of ["test-shift", "test-bad"]) unregisterMethod(name);
  unregisterMethod("skeleton-cache", 5);
});

describe("registerMethod", () => {
  it("a user's method runs by name after the shipped ones, with its params checked by the derived schema", () => {
    registerMethod(shiftMethod());
    expect(methodNames()).toEqual(["skeleton-cache", "skeleton-cache-mean", "knn-past", "tda", "test-shift"]);
    expect(resolveMethodParams("test-shift")).toEqual({ shift: 1 });
    expect(resolveMethodParams("test-shift", { shift: "2" })).toEqual({ shift: 2 });
    expect(() => resolveMethodParams("test-shift", { shift: 101 })).toThrow(
      "method test-shift: shift must be an integer in 0..100, got 101",
    );
    expect(() => resolveMethodParams("test-shift", { k: 1 })).toThrow(
      'method test-shift takes no hyper-parameter "k" (it takes shift)',
    );
    const logits = Float32Array.of(3, 1, 0, 0, 2, 1, 1, 0, 5);
    const run = onlinePass(
      {
        logits: { data: logits, shape: [3, 3] },
        descriptors: { data: new Float32Array(3 * 8 * 2), shape: [3, 8, 2] },
      },
      createMethod("test-shift", { numClasses: 3, channels: 2, prior: uniformPrior(3) }, { shift: 2 }),
    );
    expect(Array.from(run.baselinePred)).toEqual([0, 1, 2]);
    expect(Array.from(run.refinedPred)).toEqual([2, 0, 1]);
  });

  it("the same definition again is a no-op; another under the name at the same priority is refused", () => {
    const mine = shiftMethod();
    const spec = registerMethod(mine);
    expect(registerMethod(mine)).toBe(spec);
    expect(getMethodSpec("test-shift")).toBe(spec);
    expect(() => registerMethod(shiftMethod())).toThrow(
      'method "test-shift" is already registered at priority 0',
    );
  });

  it("a higher priority takes a shipped method's name; unregistering it gives the shipped one back", () => {
    registerMethod({ ...shiftMethod("skeleton-cache"), priority: 5 });
    expect(getMethodSpec("skeleton-cache").title).toBe("Shift");
    expect(methodNames().filter((n) => n === "skeleton-cache")).toHaveLength(1);
    expect(unregisterMethod("skeleton-cache", 5)).toBe(true);
    expect(getMethodSpec("skeleton-cache")).toBe(skeletonCache);
  });

  it("refuses a default outside its range, a grid over a choice, a reserved name and missing capabilities", () => {
    const bad = (changes: Partial<MethodDefinition>) => () =>
      registerMethod({ ...shiftMethod("test-bad"), ...changes });
    expect(
      bad({ params: { shift: { kind: "integer", description: "d", default: 200, min: 0, max: 100 } } }),
    ).toThrow("method test-bad: the default of shift (200) must be an integer in 0..100");
    expect(
      bad({
        params: { mode: { kind: "choice", description: "d", default: "a", choices: ["a", "b"] } },
        grid: { mode: [1] },
      }),
    ).toThrow("method test-bad: grid key mode is not a numeric hyper-parameter of the method");
    expect(bad({ grid: { shift: [1000] } })).toThrow(
      "method test-bad: shift must be an integer in 0..100, got 1000",
    );
    expect(bad({ name: "all" })).toThrow('method name "all" is reserved');
    expect(bad({ capabilities: undefined as never })).toThrow(/method test-bad needs capabilities/);
    expect(bad({ create: undefined as never })).toThrow('method "test-bad" needs a create function');
    expect(methodNames()).not.toContain("test-bad");
  });

  it("describes each method with its hyper-parameters as JSON Schema (ranges, defaults, descriptions)", () => {
    const knn = describeMethods().find((d) => d.name === "knn-past")!;
    expect(knn).toMatchObject({ priority: 0, active: true, origin: "@skeleton-cache/tta" });
    expect(knn.configSchema).toMatchObject({
      type: "object",
      additionalProperties: false,
      properties: {
        k: { type: "integer", minimum: 1, maximum: 10000, default: 5, description: "neighbours voting" },
        lambda: { type: "number", minimum: 0, default: 2 },
      },
    });
    const hedge = (
      describeMethods().find((d) => d.name === "skeleton-cache")!.configSchema as {
        properties: Record<string, unknown>;
      }
    ).properties.hedge;
    expect(hedge).toMatchObject({ enum: ["auto", "on", "off"], default: "auto" });
  });

  it("a method registered through another installed copy of this package is found here", async () => {
    const other = (await import(
      /* @vite-ignore */ `${new URL("../dist/index.js", import.meta.url).href}?copy=2`
    )) as typeof import("./index.js");
    expect(other.registerMethod).not.toBe(registerMethod);
    other.registerMethod(shiftMethod());
    expect(methodNames()).toContain("test-shift");
    expect(other.methodNames()).toEqual(methodNames());
    expect(methodNames().filter((n) => n === "tda")).toHaveLength(1);
  });
});
