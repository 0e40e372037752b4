import { ValueError } from "@skeleton-cache/errors";
import { afterEach, describe, expect, it } from "vitest";
import {
  type Backbone,
  type BackboneFactory,
  createBackbone,
  encodeDataset,
  hasBackbone,
  listBackbones,
  registerBackbone,
  unregisterBackbone,
} from "./index.js";

function constantFactory(value: number): BackboneFactory {
  return async (config: unknown) => {
    const classes = (config as { classes: number[] }).classes;
    const backbone: Backbone<number> = {
      name: "constant",
      candidateClasses: classes,
      batchSize: 2,
      async encode(batch) {
        return {
          logits: {
            data: new Float32Array(batch.length * classes.length).fill(value),
            shape: [batch.length, classes.length],
          },
          features: { data: new Float32Array(batch.length), shape: [batch.length, 1, 1, 1] },
        };
      },
      encodeAll: (samples) => encodeDataset(backbone, samples),
      async close() {},
    };
    return backbone as Backbone<unknown>;
  };
}

describe("backbone registry", () => {
  afterEach(() => {
    unregisterBackbone("test-const");
    unregisterBackbone("test-other");
  });

  it("creates a registered adapter by name and passes the config", async () => {
    registerBackbone("test-const", constantFactory(4));
    expect(hasBackbone("test-const")).toBe(true);
    expect(listBackbones()).toContain("test-const");
    const backbone = await createBackbone<number>("test-const", { classes: [1, 2, 3] });
    const out = await backbone.encode([0, 0]);
    expect(out.logits.shape).toEqual([2, 3]);
    expect(Array.from(out.logits.data)).toEqual([4, 4, 4, 4, 4, 4]);
  });

  it("lists names sorted", () => {
    registerBackbone("test-other", constantFactory(1));
    registerBackbone("test-const", constantFactory(1));
    const names = listBackbones();
    expect(names.indexOf("test-const")).toBeLessThan(names.indexOf("test-other"));
  });

  it("names the unknown adapter and what is registered", async () => {
    registerBackbone("test-const", constantFactory(1));
    await expect(createBackbone("nope", {})).rejects.toThrow(ValueError);
    await expect(createBackbone("nope", {})).rejects.toThrow(/no backbone adapter named "nope".*test-const/);
  });

  it("refuses a second factory under a taken name unless replace is set", async () => {
    const first = constantFactory(1);
    registerBackbone("test-const", first);
    registerBackbone("test-const", first);
    expect(() => registerBackbone("test-const", constantFactory(2))).toThrow(/already registered/);
    registerBackbone("test-const", constantFactory(2), { replace: true });
    const out = await (await createBackbone<number>("test-const", { classes: [0] })).encode([0]);
    expect(out.logits.data[0]).toBe(2);
  });

  it("rejects invalid names and non-functions", () => {
    expect(() => registerBackbone("Bad Name", constantFactory(1))).toThrow(
      /backbone name "Bad Name" is invalid/,
    );
    expect(() => registerBackbone("ok", 3 as unknown as BackboneFactory)).toThrow(/not a function/);
    expect(unregisterBackbone("test-const")).toBe(false);
  });
});
