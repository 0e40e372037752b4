import { ValueError } from "@skeleton-cache/errors";
import { afterEach, describe, expect, it } from "vitest";
import { z } from "zod";
import { defineRegistry, type RegistryEntry, registryStore, STORE_KEY } from "./index.js";

/** A plug point of the tests: entries that scale a number. */
interface Scaler extends RegistryEntry {
  readonly factor: number;
  run(config: { x: number }): number;
}

let kinds = 0;
/** A fresh plug point per test (the store is process-wide). */
function scalers(builtins?: () => readonly Scaler[]) {
  return defineRegistry<Scaler>({
    kind: `test-scaler-${++kinds}`,
    noun: "scaler",
    functions: ["run"],
    ...(builtins ? { builtins } : {}),
  });
}

function scaler(name: string, factor: number, extra: Partial<Scaler> = {}): Scaler {
  return {
    name,
    description: `multiplies x by ${factor}`,
    configSchema: z.strictObject({ x: z.number().finite() }),
    factor,
    run: ({ x }) => x * factor,
    ...extra,
  };
}

afterEach(() => {
  for (const kind of [...registryStore().plugPoints.keys()])
    if (kind.startsWith("test-scaler-")) registryStore().plugPoints.delete(kind);
});

describe("registration", () => {
  it("keeps the store on globalThis under one versioned key", () => {
    const registry = scalers();
    registry.register(scaler("double", 2));
    const store = (globalThis as unknown as Record<symbol, unknown>)[
      Symbol.for("@skeleton-cache/registry/1")
    ];
    expect(store).toBe(registryStore());
    expect(STORE_KEY).toBe(Symbol.for("@skeleton-cache/registry/1"));
    expect(
      registryStore()
        .plugPoints.get(registry.kind)
        ?.entries.map((s) => s.entry.name),
    ).toEqual(["double"]);
  });

  it("refuses a bad name, priority, description, schema or function, naming field and value", () => {
    const registry = scalers();
    const refused = (entry: Scaler) => {
      try {
        registry.register(entry);
      } catch (error) {
        return error as ValueError;
      }
      throw new Error("registered");
    };
    const badName = refused(scaler("Double It", 2));
    expect(badName).toBeInstanceOf(ValueError);
    expect(badName.message).toMatch(/^scaler name "Double It" is invalid/);
    expect(badName.details).toMatchObject({ field: "name", value: "Double It" });
    expect(refused(scaler("auto", 2)).message).toMatch(/"auto" is reserved/);
    expect(refused(scaler("x", 2, { priority: Number.NaN })).details).toMatchObject({ field: "priority" });
    expect(refused(scaler("x", 2, { description: "" })).details).toMatchObject({ field: "description" });
    const schema = refused(scaler("x", 2, { configSchema: { parse() {} } as never }));
    expect(schema.message).toMatch(/^scaler "x" needs a zod configSchema/);
    expect(schema.details.field).toBe("configSchema");
    const run = refused(scaler("x", 2, { run: undefined as never }));
    expect(run.message).toBe('scaler "x" needs a run function, got undefined');
    expect(registry.list()).toEqual([]);
  });

  it("the same name at the same priority is an error; the identical entry again is a no-op", () => {
    const registry = scalers();
    const double = scaler("double", 2);
    registry.register(double);
    registry.register(double);
    expect(() => registry.register(scaler("double", 3))).toThrow(
      'scaler "double" is already registered at priority 0; give yours a higher priority',
    );
    expect(registry.get("double")).toBe(double);
  });

  it("a higher priority takes the name for lookup; unregistering it brings the lower back", () => {
    const registry = scalers();
    const shipped = scaler("double", 2);
    const mine = scaler("double", 2.5, { priority: 10 });
    registry.register(shipped);
    registry.register(mine);
    expect(registry.get("double")).toBe(mine);
    expect(registry.list()).toEqual(["double"]);
    expect(registry.describe().map((d) => [d.name, d.priority, d.active])).toEqual([
      ["double", 10, true],
      ["double", 0, false],
    ]);
    expect(registry.unregister("double", 10)).toBe(true);
    expect(registry.get("double")).toBe(shipped);
    expect(registry.unregister("double")).toBe(true);
    expect(registry.has("double")).toBe(false);
    expect(registry.unregister("double")).toBe(false);
  });

  it("a second copy of a package (same origin) leaves the first copy's entry in place", () => {
    const registry = scalers();
    const first = scaler("double", 2, { origin: "@example/scalers" });
    registry.register(first);
    registry.register(scaler("double", 2, { origin: "@example/scalers" }));
    expect(registry.get("double")).toBe(first);
    expect(() => registry.register(scaler("double", 2, { origin: "@other/scalers" }))).toThrow(
      /already registered at priority 0 by @example\/scalers/,
    );
  });

  it("registers builtins on first use, not when defined, before the first registration", () => {
    let calls = 0;
    const registry = scalers(() => {
      calls++;
      return [scaler("identity", 1)];
    });
    expect(calls).toBe(0);
    registry.register(scaler("double", 2));
    expect(calls).toBe(1);
    expect(registry.list()).toEqual(["identity", "double"]);
    expect(calls).toBe(1);
    // A second copy of the defining package: its own builtins object, the same names — nothing added.
    const again = defineRegistry<Scaler>({
      kind: registry.kind,
      noun: "scaler",
      builtins: () => [scaler("identity", 1)],
    });
    expect(again.list()).toEqual(["identity", "double"]);
    expect(registryStore().plugPoints.get(registry.kind)?.entries).toHaveLength(2);
  });
});

describe("lookup", () => {
  it("lists names by descending priority, then registration order", () => {
    const registry = scalers();
    registry.register(scaler("a", 1));
    registry.register(scaler("b", 1, { priority: -1 }));
    registry.register(scaler("c", 1, { priority: 5 }));
    registry.register(scaler("d", 1));
    expect(registry.list()).toEqual(["c", "a", "d", "b"]);
    expect(registry.entries().map((e) => e.name)).toEqual(["c", "a", "d", "b"]);
  });

  it("an unknown name names the known ones", () => {
    const registry = scalers();
    registry.register(scaler("double", 2));
    expect(() => registry.require("triple")).toThrow('unknown scaler "triple"; known scalers: double');
  });

  it("describes each entry with its config schema as JSON Schema", () => {
    const registry = scalers();
    registry.register(scaler("double", 2, { origin: "@example/scalers" }));
    const [described] = registry.describe();
    expect(described).toMatchObject({
      name: "double",
      priority: 0,
      description: "multiplies x by 2",
      active: true,
      origin: "@example/scalers",
    });
    expect(described!.configSchema).toMatchObject({
      type: "object",
      properties: { x: { type: "number" } },
      required: ["x"],
      additionalProperties: false,
    });
  });
});

describe("resolve", () => {
  function three() {
    const registry = scalers();
    registry.register(scaler("small", 1, { configSchema: z.object({ x: z.number().max(10) }) }));
    registry.register(scaler("large", 100, { configSchema: z.object({ x: z.number().min(1000) }) }));
    registry.register(
      scaler("named", 5, { priority: -1, configSchema: z.strictObject({ x: z.number(), unit: z.string() }) }),
    );
    return registry;
  }

  it("a name gives its entry with the config checked (defaults applied), naming field and value when wrong", () => {
    const registry = scalers();
    registry.register(
      scaler("double", 2, {
        configSchema: z.strictObject({ x: z.number(), round: z.boolean().default(false) }),
      }),
    );
    expect(registry.resolve("double", { x: 3 }).config).toEqual({ x: 3, round: false });
    const error = (() => {
      try {
        registry.resolve("double", { x: "3" }, { source: "s.json" });
      } catch (e) {
        return e as ValueError;
      }
    })()!;
    expect(error).toBeInstanceOf(ValueError);
    expect(error.message).toBe(
      `${registry.kind} "double" config (s.json): field "x" is "3": Invalid input: expected number, received string`,
    );
    expect(error.details).toEqual({ file: "s.json", field: "x", value: "3" });
  });

  it('"auto" takes the first entry by priority then registration order whose schema accepts the config', () => {
    const registry = three();
    expect(registry.resolve("auto", { x: 5 }).entry.name).toBe("small");
    expect(registry.resolve("auto", { x: 5000 }).entry.name).toBe("large");
    expect(registry.find({ x: 5000 })?.entry.name).toBe("large");
    expect(registry.find({ x: 50 })).toBeUndefined();
    registry.register(scaler("first", 7, { priority: 1 }));
    expect(registry.resolve("auto", { x: 5 }).entry.name).toBe("first");
    expect(registry.resolve("auto", { x: 5 }, { names: ["large", "small"] }).entry.name).toBe("small");
  });

  it("when nothing fits, one error lists every candidate and why it was refused", () => {
    const registry = three();
    const error = (() => {
      try {
        registry.resolve("auto", { x: 50 }, { source: "mine.json", names: [...registry.list(), "gone"] });
      } catch (e) {
        return e as ValueError;
      }
    })()!;
    expect(error).toBeInstanceOf(ValueError);
    expect(error.message.split("\n")).toEqual([
      "no scaler accepts mine.json:",
      '  small: field "x" is 50: Too big: expected number to be <=10',
      '  large: field "x" is 50: Too small: expected number to be >=1000',
      '  named: field "unit" is missing: Invalid input: expected string, received undefined',
      "  gone: not registered",
    ]);
    expect(error.details).toEqual({
      file: "mine.json",
      field: registry.kind,
      value: ["small", "large", "named", "gone"],
    });
    expect(() => scalers().resolve("auto", {})).toThrow(
      "no scaler accepts the config (no scaler is registered):",
    );
  });

  it("resolveWith also refuses an entry whose use throws, and tries the next (entries with a run function)", async () => {
    const registry = scalers();
    registry.register(
      scaler("picky", 2, {
        run: ({ x }) => {
          if (x < 0) throw new ValueError(`picky: x must be ≥ 0, got ${x}\nmore detail`);
          return 2 * x;
        },
      }),
    );
    registry.register(scaler("triple", 3));
    const run = (entry: Scaler, config: unknown) => entry.run(config as { x: number });
    expect(await registry.resolveWith("auto", { x: 2 }, run)).toBe(4);
    expect(await registry.resolveWith("auto", { x: -2 }, run)).toBe(-6);
    await expect(registry.resolveWith("auto", { x: -2 }, run, { names: ["picky"] })).rejects.toThrow(
      "no scaler accepts the config:\n  picky: picky: x must be ≥ 0, got -2",
    );
    // A named entry's failure is its own error, not a refusal.
    await expect(registry.resolveWith("picky", { x: -2 }, run)).rejects.toThrow(/^picky: x must be ≥ 0/);
  });
});
