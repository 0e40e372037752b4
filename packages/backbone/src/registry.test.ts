import { ValueError } from "@skeleton-cache/errors";
import { afterEach, describe, expect, it } from "vitest";
import { z } from "zod";
import {
  type Backbone,
  type BackboneAdapter,
  createBackbone,
  describeBackbones,
  encodeDataset,
  getBackboneAdapter,
  hasBackbone,
  listBackbones,
  registerBackbone,
  resolveBackbone,
  unregisterBackbone,
} from "./index.js";

const ConstantConfig = z.strictObject({
  value: z.number().finite(),
  candidateClasses: z.array(z.number().int().nonnegative()).min(1),
  batchSize: z.number().int().positive().default(2),
});

/** A toy adapter: logits filled with `value` (its config's value, plus `offset`). */
function constantAdapter(name: string, offset = 0): BackboneAdapter<typeof ConstantConfig, number> {
  return {
    name,
    description: "every logit is config.value",
    configSchema: ConstantConfig,
    async create(config) {
      const classes = config.candidateClasses;
      const backbone: Backbone<number> = {
        name,
        candidateClasses: classes,
        batchSize: config.batchSize,
        async encode(batch) {
          return {
            logits: {
              data: new Float32Array(batch.length * classes.length).fill(config.value + offset),
              shape: [batch.length, classes.length],
            },
            features: { data: new Float32Array(batch.length), shape: [batch.length, 1, 1, 1] },
          };
        },
        encodeAll: (samples) => encodeDataset(backbone, samples),
        async close() {},
      };
      return backbone;
    },
  };
}

/** An adapter that accepts any object with a `path` and refuses it at create time. */
const refusing: BackboneAdapter<z.ZodObject<{ path: z.ZodString }>, number> = {
  name: "test-refuses",
  description: "always refuses",
  configSchema: z.object({ path: z.string() }),
  async create(config) {
    throw new ValueError(`${config.path}: no such model file`, { file: config.path });
  },
};

describe("backbone registry", () => {
  afterEach(() => {
    for (const name of ["test-const", "test-other", "test-refuses"]) unregisterBackbone(name);
  });

  it("creates a registered adapter by name with its validated config (defaults applied)", async () => {
    registerBackbone(constantAdapter("test-const"));
    expect(hasBackbone("test-const")).toBe(true);
    expect(getBackboneAdapter("test-const")?.description).toBe("every logit is config.value");
    const backbone = await createBackbone<number>("test-const", { value: 4, candidateClasses: [1, 2, 3] });
    expect(backbone.batchSize).toBe(2);
    const out = await backbone.encode([0, 0]);
    expect(out.logits.shape).toEqual([2, 3]);
    expect(Array.from(out.logits.data)).toEqual([4, 4, 4, 4, 4, 4]);
  });

  it("a wrong config names the adapter, the field and the value", async () => {
    registerBackbone(constantAdapter("test-const"));
    const wrong = await createBackbone("test-const", {
      value: 1,
      candidateClasses: [0],
      batchSize: -3,
    }).catch((e: unknown) => e);
    expect(wrong).toBeInstanceOf(ValueError);
    expect((wrong as ValueError).message).toMatch(/^backbone "test-const" config: field "batchSize" is -3: /);
    expect((wrong as ValueError).details).toMatchObject({ field: "batchSize", value: -3 });
    await expect(
      createBackbone("test-const", { value: 1, candidateClasses: [0], batch: 3 }, { source: "b.json" }),
    ).rejects.toThrow(/backbone "test-const" config \(b\.json\): unknown field "batch"/);
    await expect(createBackbone("test-const", { candidateClasses: [0] })).rejects.toThrow(
      /field "value" is missing/,
    );
  });

  it("lists adapters in registration order", () => {
    registerBackbone(constantAdapter("test-other"));
    registerBackbone(constantAdapter("test-const"));
    const names = listBackbones();
    expect(names.indexOf("test-other")).toBeLessThan(names.indexOf("test-const"));
    expect(names).toContain("precomputed");
    expect(names).toContain("http");
  });

  it("names the unknown adapter and what is registered", async () => {
    registerBackbone(constantAdapter("test-const"));
    await expect(createBackbone("nope", {})).rejects.toThrow(ValueError);
    await expect(createBackbone("nope", {})).rejects.toThrow(/no backbone adapter named "nope".*test-const/);
  });

  it("refuses a second adapter under a taken name at the same priority; a higher priority takes the name", async () => {
    const first = constantAdapter("test-const");
    registerBackbone(first);
    registerBackbone(first);
    expect(() => registerBackbone(constantAdapter("test-const", 1))).toThrow(/already registered/);
    registerBackbone({ ...constantAdapter("test-const", 1), priority: 1 });
    const backbone = await createBackbone<number>("test-const", { value: 1, candidateClasses: [0] });
    expect((await backbone.encode([0])).logits.data[0]).toBe(2);
    // Unregistering the higher one brings the first back for lookup.
    expect(unregisterBackbone("test-const", 1)).toBe(true);
    expect(getBackboneAdapter("test-const")).toBe(first);
  });

  it("describes every adapter with its config as JSON Schema", () => {
    registerBackbone(constantAdapter("test-const"));
    const described = describeBackbones();
    expect(described.map((d) => d.name)).toEqual(listBackbones());
    expect(described.find((d) => d.name === "test-const")).toMatchObject({
      priority: 0,
      description: "every logit is config.value",
      active: true,
      configSchema: { type: "object", required: ["value", "candidateClasses"], additionalProperties: false },
    });
    expect(described.find((d) => d.name === "precomputed")).toMatchObject({
      origin: "@skeleton-cache/backbone",
    });
  });

  it("an adapter registered through another installed copy of this package is found here (one store)", async () => {
    // The built file under another URL: another module instance, as a second copy in node_modules would be.
    const other = (await import(
      /* @vite-ignore */ `${new URL("../dist/index.js", import.meta.url).href}?copy=2`
    )) as typeof import("./index.js");
    expect(other.registerBackbone).not.toBe(registerBackbone);
    other.registerBackbone(constantAdapter("test-other", 5));
    const backbone = await createBackbone<number>("test-other", { value: 1, candidateClasses: [0] });
    expect((await backbone.encode([0])).logits.data[0]).toBe(6);
    // Its shipped adapters are the same names once: the second copy's precomputed and http are not added again.
    expect(other.listBackbones()).toEqual(listBackbones());
    expect(listBackbones().filter((name) => name === "precomputed")).toHaveLength(1);
    expect(describeBackbones().filter((d) => d.name === "http")).toHaveLength(1);
  });

  it("rejects invalid names and adapters without a schema", () => {
    expect(() => registerBackbone({ ...constantAdapter("x"), name: "Bad Name" })).toThrow(
      /backbone adapter name "Bad Name" is invalid/,
    );
    expect(() =>
      registerBackbone({ ...constantAdapter("ok"), create: undefined as unknown as () => Promise<never> }),
    ).toThrow('backbone adapter "ok" needs a create function, got undefined');
    expect(() =>
      registerBackbone({ ...constantAdapter("ok"), configSchema: 3 as unknown as typeof ConstantConfig }),
    ).toThrow(/zod configSchema/);
    expect(unregisterBackbone("test-const")).toBe(false);
  });

  it("resolves a config to the first adapter that takes it", async () => {
    registerBackbone(refusing);
    registerBackbone(constantAdapter("test-const"));
    const backbone = await resolveBackbone<number>(
      { value: 7, candidateClasses: [0] },
      { names: ["test-refuses", "test-const"] },
    );
    expect(backbone.name).toBe("test-const");
    expect((await backbone.encode([0])).logits.data[0]).toBe(7);
  });

  it("when no adapter takes a config, one error lists every adapter and why it refused", async () => {
    registerBackbone(refusing);
    registerBackbone(constantAdapter("test-const"));
    const error = (await resolveBackbone({ path: "/no/model.bin" }, { source: "mine.json" }).catch(
      (e: unknown) => e,
    )) as ValueError;
    expect(error).toBeInstanceOf(ValueError);
    const lines = error.message.split("\n");
    expect(lines[0]).toBe("no backbone adapter accepts mine.json:");
    // One line per registered adapter, each with its reason.
    expect(lines.slice(1).map((line) => line.trim().split(":")[0])).toEqual(listBackbones());
    expect(error.message).toContain("  test-refuses: /no/model.bin: no such model file");
    expect(error.message).toContain('  test-const: field "value" is missing');
    expect(error.message).toMatch(/ {2}precomputed: .*"bundle"/);
    expect(error.message).toMatch(/ {2}http: .*"url"/);
  });
});
