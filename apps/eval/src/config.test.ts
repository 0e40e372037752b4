import fs from "node:fs";
import path from "node:path";
import { ValueError } from "@skeleton-cache/errors";
import { tempDir } from "@skeleton-cache/test-support";
import { describe, expect, it } from "vitest";
import { parseEvalConfig, REFERENCE_GRID, resolveConfig } from "./config.js";

describe("config", () => {
  it("fills defaults: online, α 1, β 5, K 8, hedge auto, the reference grid", () => {
    const config = parseEvalConfig({});
    expect(config).toMatchObject({ protocol: "online", alpha: 1, beta: 5, K: 8, hedge: "auto", seed: 0 });
    expect(config.grid).toEqual({ alpha: [...REFERENCE_GRID.alpha], beta: [...REFERENCE_GRID.beta] });
  });

  it("rejects an unknown key, naming it and the file", () => {
    expect(() => parseEvalConfig({ alpah: 2 }, "run.yaml")).toThrow(/run.yaml: unknown key "alpah"/);
    expect(() => parseEvalConfig({ gzsl: { calibraton: 1 } })).toThrow(/unknown key "gzsl.calibraton"/);
    try {
      parseEvalConfig({ alpah: 2 });
    } catch (error) {
      expect(error).toBeInstanceOf(ValueError);
      expect((error as ValueError).details.field).toBe("alpah");
    }
  });

  it("names the key and the value of a bad value; a flag is named as the user types it", () => {
    expect(() => parseEvalConfig({ K: 0 })).toThrow(/K: .*found 0/);
    expect(() => parseEvalConfig({ protocol: "oracle" })).toThrow(/protocol: .*"oracle"/);
    expect(() => resolveConfig(undefined, { alpha: Number.NaN })).toThrow(/^--alpha: .*\(found NaN\)$/);
    expect(() => resolveConfig(undefined, { hedgeMargin: 2 })).toThrow(/^--hedge-margin: .*found 2/);
    expect(() => resolveConfig(undefined, { K: 5000 })).toThrow(/^-K\/--capacity: .*found 5000/);
    expect(() => resolveConfig(undefined, { K: 0 })).not.toThrow(/--K\b/);
    expect(() => resolveConfig(undefined, { seed: -1 }, { seed: "-s/--seed" })).toThrow(/^-s\/--seed: /);
  });

  it("reads YAML and JSON, resolves relative paths against the file, lets flags win", () => {
    const dir = tempDir();
    const yamlFile = path.join(dir, "run.yaml");
    fs.writeFileSync(yamlFile, "bundle: data/b\nprior: ntu60_55_5\nalpha: 2\ngzsl:\n  seen: [1, 2]\n");
    const config = resolveConfig(yamlFile, { alpha: 3, gzsl: { calibration: 0.5 } });
    expect(config.bundle).toBe(path.join(dir, "data/b"));
    expect(config.prior).toBe("ntu60_55_5");
    expect(config.alpha).toBe(3);
    expect(config.gzsl).toMatchObject({ seen: [1, 2], calibration: 0.5 });
    const jsonFile = path.join(dir, "run.json");
    fs.writeFileSync(jsonFile, JSON.stringify({ protocol: "orders", orders: 3 }));
    expect(resolveConfig(jsonFile, {})).toMatchObject({ protocol: "orders", orders: 3 });
    fs.writeFileSync(jsonFile, "{ nope");
    expect(() => resolveConfig(jsonFile, {})).toThrow(/run.json: not valid JSON/);
    expect(() => resolveConfig(path.join(dir, "missing.yaml"), {})).toThrow(
      /missing.yaml: cannot read config/,
    );
  });
});
