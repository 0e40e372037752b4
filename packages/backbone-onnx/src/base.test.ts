/**
 * The entry points' side effects, in a plain Node process against the built
 * package: `/base` registers nothing and loads no onnxruntime; the main entry
 * registers "onnx" and still loads onnxruntime only when a model is opened.
 */
import { execFileSync } from "node:child_process";
import { fileURLToPath, pathToFileURL } from "node:url";
import { describe, expect, it } from "vitest";

const dist = (file: string) => pathToFileURL(fileURLToPath(new URL(`../dist/${file}`, import.meta.url))).href;
const CONFIG = fileURLToPath(new URL("../fixtures/stgcn-tiny/model.backbone.json", import.meta.url));

function inNode(script: string): Record<string, unknown> {
  const prelude = `
    import { createRequire } from "node:module";
    const ortLoaded = () => Object.keys(createRequire(import.meta.url).cache).some((f) => f.includes("onnxruntime-node"));
    const registered = () => [...(globalThis[Symbol.for("@skeleton-cache/registry/1")]?.plugPoints.values() ?? [])]
      .flatMap((point) => point.entries.map((s) => point.kind + ":" + s.entry.name));`;
  return JSON.parse(
    execFileSync(process.execPath, ["--input-type=module", "-e", prelude + script], { encoding: "utf8" }),
  );
}

describe("entry points", () => {
  it("/base reads a config and gives the adapter without registering it or loading onnxruntime", () => {
    const out = inNode(`
      const base = await import(${JSON.stringify(dist("base.js"))});
      const config = base.readOnnxBackboneConfig(${JSON.stringify(CONFIG)});
      console.log(JSON.stringify({ input: config.input.name, adapter: base.onnxAdapter.name, ort: ortLoaded(), registered: registered() }));`);
    expect(out).toEqual({ input: "x", adapter: "onnx", ort: false, registered: [] });
  });

  it("the main entry registers onnx (and, on that first use, the shipped adapters) but loads onnxruntime only to open a model", () => {
    const out = inNode(`
      const main = await import(${JSON.stringify(dist("index.js"))});
      const afterImport = { ort: ortLoaded(), registered: registered() };
      main.executionProviderStatus();
      console.log(JSON.stringify({ afterImport, ortAfterUse: ortLoaded() }));`);
    expect(out).toEqual({
      afterImport: { ort: false, registered: ["backbone:precomputed", "backbone:http", "backbone:onnx"] },
      ortAfterUse: true,
    });
  });
});
