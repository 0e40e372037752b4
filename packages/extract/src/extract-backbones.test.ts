/**
 * `extractBundle` goes through the backbone registry: the http adapter against
 * a real local server, `backbone: "auto"` refusing with every adapter's
 * reason, execution providers refused by name; every preprocessing option of
 * @skeleton-cache/datasets is applied and recorded; PKU-MMD clips.
 */
import fs from "node:fs";
import http from "node:http";
import type { AddressInfo } from "node:net";
import path from "node:path";
import { HTTP_BACKBONE_PROTOCOL } from "@skeleton-cache/backbone";
import { loadOnnxBackbone } from "@skeleton-cache/backbone-onnx";
import { NtuSkeletonDataset, preprocessSequence, writeSyntheticNtu } from "@skeleton-cache/datasets";
import { exitCodeOf } from "@skeleton-cache/errors";
import { encodeNpz, type NpyArray, parseNpy, readNpy, toFloat32 } from "@skeleton-cache/formats";
import { dataPath, itWithData, tempDir } from "@skeleton-cache/test-support";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { extractBundle } from "./extract.js";
import { MODEL, ONNX, rejection } from "./test-support/run.js";

const CLASSES = 7;

/** The server's "model": features (N, 3, T, V) = persons' mean of x; logits[n, k] = (k + 1) · mean(features_n). */
function serve(x: NpyArray): Map<string, NpyArray> {
  const [n, c, t, v, m] = x.shape as [number, number, number, number, number];
  const data = toFloat32(x);
  const features = new Float32Array(n * c * t * v);
  const logits = new Float32Array(n * CLASSES);
  for (let s = 0; s < n; s++) {
    let sum = 0;
    for (let i = 0; i < c * t * v; i++) {
      let mean = 0;
      for (let p = 0; p < m; p++) mean += data[(s * c * t * v + i) * m + p]!;
      features[s * c * t * v + i] = mean / m;
      sum += mean / m;
    }
    for (let k = 0; k < CLASSES; k++) logits[s * CLASSES + k] = ((k + 1) * sum) / (c * t * v);
  }
  return new Map<string, NpyArray>([
    ["logits", { dtype: "f4", shape: [n, CLASSES], data: logits }],
    ["features", { dtype: "f4", shape: [n, c, t, v], data: features }],
  ]);
}

let server: http.Server;
let url = "";
beforeAll(async () => {
  server = http.createServer((req, res) => {
    const parts: Buffer[] = [];
    req.on("data", (chunk: Buffer) => parts.push(chunk));
    req.on("end", () => {
      if (req.url === "/info") {
        res.writeHead(200, { "content-type": "application/json" }).end(
          JSON.stringify({
            protocol: HTTP_BACKBONE_PROTOCOL,
            name: "mean-pose-server",
            classes: CLASSES,
            input: { frames: 16, joints: 25, persons: 2 },
            preprocessing: { center: "per-frame" },
          }),
        );
        return;
      }
      const arrays = serve(parseNpy(new Uint8Array(Buffer.concat(parts))));
      res.writeHead(200, { "content-type": "application/x-npz" }).end(Buffer.from(encodeNpz(arrays)));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

describe("extractBundle through the backbone registry", () => {
  it("backbone http with a backboneConfig file: a bundle from a model served by another process", async () => {
    const root = tempDir("skc-extract-http-");
    const data = path.join(root, "ntu");
    const names = writeSyntheticNtu(data, { count: 10, actions: [1, 2, 3, 8] });
    const config = path.join(root, "server.yaml");
    fs.writeFileSync(config, `url: ${url}\ntimeoutMs: 10000\n`);
    const out = path.join(root, "B");
    const result = await extractBundle({
      backbone: "http",
      backboneConfig: config,
      data,
      classes: "all",
      out,
      workers: 2,
      chunkSize: 3,
    });
    expect(result.numSamples).toBe(names.length - 2);
    const meta = JSON.parse(fs.readFileSync(path.join(out, "meta.json"), "utf8"));
    expect(meta.backbone).toBe("http:mean-pose-server");
    expect(meta.model).toEqual({ adapter: "http", name: "mean-pose-server", location: url });
    // The server's preprocessing (T = 16, M = 2, per-frame centring) is used and recorded.
    expect(meta.preprocessing).toEqual({
      frames: 16,
      bodies: 2,
      bodySelection: "file-order",
      temporal: "zero-pad",
      center: "per-frame",
      align: false,
    });
    // --classes all: every class the model scores (A008 is id 7, beyond the server's 7 classes: left out).
    expect(Array.from(readNpy(path.join(out, "class_ids.npy")).data, Number)).toEqual([0, 1, 2, 3, 4, 5, 6]);
    expect([...meta.sampleNames].sort()).toEqual(names.filter((name) => !name.endsWith("A008")).sort());
    const features = toFloat32(readNpy(path.join(out, "features.npy")));
    const logits = toFloat32(readNpy(path.join(out, "logits.npy")));
    const dataset = new NtuSkeletonDataset(data, { dataset: "ntu60" });
    const x = preprocessSequence(dataset.load(meta.sampleNames[4]), meta.preprocessing);
    const want = serve({ dtype: "f4", shape: [1, ...x.shape], data: x.data });
    const per = 3 * 16 * 25;
    expect(Array.from(features.subarray(4 * per, 5 * per))).toEqual(
      Array.from(want.get("features")!.data as Float32Array),
    );
    expect(Array.from(logits.subarray(4 * CLASSES, 5 * CLASSES))).toEqual(
      Array.from(want.get("logits")!.data as Float32Array),
    );
  });

  it("backbone auto: the first adapter that takes the config, or one error with every adapter's reason", async () => {
    const root = tempDir("skc-extract-auto-");
    const data = path.join(root, "ntu");
    writeSyntheticNtu(data, { count: 4, actions: [1, 2] });
    const good = path.join(root, "good.json");
    fs.writeFileSync(good, JSON.stringify({ url }));
    const base = { backbone: "auto", data, classes: [0, 1] };
    await extractBundle({ ...base, backboneConfig: good, out: path.join(root, "A"), workers: 0 }, ONNX);
    expect(JSON.parse(fs.readFileSync(path.join(root, "A/meta.json"), "utf8")).model.adapter).toBe("http");
    const bad = path.join(root, "bad.json");
    fs.writeFileSync(bad, JSON.stringify({ weights: "mine.pt" }));
    const out = path.join(root, "B");
    const error = await rejection(extractBundle({ ...base, backboneConfig: bad, out }, ONNX));
    expect(exitCodeOf(error)).toBe(2);
    expect(error.message).toContain(`no backbone adapter accepts ${bad}:`);
    for (const adapter of ["precomputed", "http", "onnx"])
      expect(error.message).toMatch(new RegExp(`\\n {2}${adapter}: `));
    expect(fs.existsSync(out)).toBe(false);
  });

  it("a wrong adapter config names the adapter, the field and the value; an unavailable execution provider is named", async () => {
    const root = tempDir("skc-extract-config-");
    const data = path.join(root, "ntu");
    writeSyntheticNtu(data, { count: 4, actions: [1, 2] });
    const wrong = path.join(root, "onnx.json");
    fs.writeFileSync(wrong, JSON.stringify({ model: MODEL, threads: 0 }));
    const base = { data, classes: [0, 1], out: path.join(root, "B") };
    const error = await rejection(extractBundle({ ...base, backboneConfig: wrong }, ONNX));
    expect(exitCodeOf(error)).toBe(2);
    expect(error.message).toContain(`backbone "onnx" config (${wrong}): field "threads" is 0:`);
    const cuda = path.join(root, "cuda.json");
    fs.writeFileSync(cuda, JSON.stringify({ model: MODEL, executionProviders: ["cuda"] }));
    const { executionProviderStatus } = await import("@skeleton-cache/backbone-onnx");
    const status = executionProviderStatus().find((s) => s.name === "cuda")!;
    const code = await extractBundle({ ...base, backboneConfig: cuda }, ONNX).then(
      () => 0,
      (refused: Error) => {
        if (!status.available)
          expect(refused.message).toContain(`execution provider "cuda" is not available: ${status.missing}`);
        return exitCodeOf(refused);
      },
    );
    if (!status.available) expect(code).toBe(2);
    else expect([0, 2]).toContain(code);
  });

  it("applies every preprocessing option and records it in meta.json", async () => {
    const root = tempDir("skc-extract-pre-");
    const data = path.join(root, "ntu");
    const names = writeSyntheticNtu(data, { count: 3, actions: [5] });
    const out = path.join(root, "B");
    await extractBundle(
      {
        model: MODEL,
        data,
        classes: [4],
        bodySelection: "motion-energy",
        temporal: "repeat-pad",
        center: "per-frame",
        align: true,
        bodies: 2,
        out,
        workers: 0,
      },
      ONNX,
    );
    const meta = JSON.parse(fs.readFileSync(path.join(out, "meta.json"), "utf8"));
    const preprocessing = {
      frames: 64,
      bodies: 2,
      bodySelection: "motion-energy",
      temporal: "repeat-pad",
      center: "per-frame",
      align: true,
    } as const;
    expect(meta.preprocessing).toEqual(preprocessing);
    expect(meta.layout).toBe("ntu25");
    expect(meta.selection).toEqual({ keepMissing: false });
    const backbone = await loadOnnxBackbone({ model: MODEL, candidateClasses: [4] });
    try {
      const dataset = new NtuSkeletonDataset(data, { dataset: "ntu60" });
      const x = preprocessSequence(dataset.load(names[2]!), preprocessing);
      const want = await backbone.encode([{ data: x.data, shape: [...x.shape] }]);
      const logits = toFloat32(readNpy(path.join(out, "logits.npy")));
      expect(logits[meta.sampleNames.indexOf(names[2])]).toBe(want.logits.data[0]);
    } finally {
      await backbone.close();
    }
  });

  itWithData(["real/pku-mmd"], "reads PKU-MMD clips (one sample per labelled action instance)", async () => {
    const out = path.join(tempDir("skc-extract-pku-"), "B");
    await extractBundle(
      {
        model: MODEL,
        data: dataPath("real/pku-mmd"),
        dataset: "pku-mmd",
        classes: "all",
        limit: 6,
        minConfidence: 1,
        descriptorsOnly: true,
        out,
      },
      ONNX,
    );
    const meta = JSON.parse(fs.readFileSync(path.join(out, "meta.json"), "utf8"));
    expect(meta.dataset).toBe("pku-mmd");
    expect(meta.sampleNames).toHaveLength(6);
    for (const name of meta.sampleNames) expect(name).toMatch(/^\d{4}-[LMR]#\d+$/);
    expect(meta.selection).toEqual({ minConfidence: 1, limit: 6 });
    expect(readNpy(path.join(out, "descriptors.npy")).shape).toEqual([6, 8, 64]);
  });
});
