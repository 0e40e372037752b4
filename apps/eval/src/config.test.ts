import fs from "node:fs";
import path from "node:path";
import { ValueError } from "@skeleton-cache/errors";
import { methodGridOf, methodParams } from "@skeleton-cache/evaluate";
import { tempDir } from "@skeleton-cache/test-support";
import { REFERENCE_GRID } from "@skeleton-cache/tta";
import { describe, expect, it } from "vitest";
import { parseEvalConfig, resolveConfig } from "./config.js";

describe("config", () => {
  it("fills defaults: online, skeleton-cache with α 1, β 5, K 8, hedge auto, the reference grid", () => {
    const config = parseEvalConfig({});
    expect(config).toMatchObject({ protocol: "online", method: "skeleton-cache", seed: 0, orders: 10 });
    expect(methodParams(config, "skeleton-cache")).toEqual({
      alpha: 1,
      beta: 5,
      K: 8,
      hedge: "auto",
      hedgeMargin: 0.5,
    });
    expect(methodGridOf(config, "skeleton-cache")).toEqual(REFERENCE_GRID);
  });

  it("gives each method its hyper-parameters: shorthands, --param, defaults; refuses what a method does not take", () => {
    const mean = resolveConfig(undefined, { method: "skeleton-cache-mean", alpha: 3 });
    expect(methodParams(mean, "skeleton-cache-mean")).toMatchObject({ alpha: 3, beta: 5, K: 8 });
    const knn = resolveConfig(undefined, { method: "knn-past", params: { "knn-past": { k: 7 } } });
    expect(methodParams(knn, "knn-past")).toEqual({ k: 7, lambda: 2 });
    // a shorthand the method does not take, a key it does not take, another method's params
    const withAlpha = resolveConfig(undefined, { method: "knn-past", alpha: 1 });
    expect(() => methodParams(withAlpha, "knn-past")).toThrow(
      'method knn-past takes no hyper-parameter "alpha" (it takes k, lambda)',
    );
    const badKey = resolveConfig(undefined, { method: "tda", params: { tda: { k: 3 } } });
    expect(() => methodParams(badKey, "tda")).toThrow(/method tda takes no hyper-parameter "k"/);
    const other = resolveConfig(undefined, { method: "tda", params: { "knn-past": { k: 3 } } });
    expect(() => methodParams(other, "tda")).toThrow(
      /params for method knn-past given, but the run's method is tda/,
    );
    // with "all", shorthands go to the methods that take them
    const all = resolveConfig(undefined, { method: "all", alpha: 2, params: { "knn-past": { k: 3 } } });
    expect(methodParams(all, "skeleton-cache").alpha).toBe(2);
    expect(methodParams(all, "knn-past")).toEqual({ k: 3, lambda: 2 });
    expect(() => resolveConfig(undefined, { method: "tent" })).toThrow(
      /--method: unknown method; known methods: skeleton-cache, skeleton-cache-mean, knn-past, tda, or all/,
    );
  });

  it("merges per-method params of a file and the flags key by key; a grid must fit the method", () => {
    const dir = tempDir();
    const file = path.join(dir, "run.yaml");
    fs.writeFileSync(
      file,
      "method: knn-past\nparams:\n  knn-past:\n    k: 9\n    lambda: 1\ngrid:\n  k: [1, 2]\n",
    );
    const config = resolveConfig(file, { params: { "knn-past": { lambda: 3 } } });
    expect(methodParams(config, "knn-past")).toEqual({ k: 9, lambda: 3 });
    expect(methodGridOf(config, "knn-past")).toEqual({ k: [1, 2] });
    expect(() => methodGridOf({ ...config, method: "tda" }, "tda")).toThrow(
      /method tda takes no hyper-parameter "k"/,
    );
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
    expect(methodParams(config, "skeleton-cache").alpha).toBe(3);
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
