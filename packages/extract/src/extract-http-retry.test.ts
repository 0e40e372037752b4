/**
 * `extractBundle` with the http backbone against a real local server that
 * fails every request twice (503, 429 with Retry-After, a dropped
 * connection, a reset), then answers: the bundle is byte-identical to one
 * from a server that never failed (issue 20 item 13).
 */
import { createHash } from "node:crypto";
import fs from "node:fs";
import http from "node:http";
import type { AddressInfo } from "node:net";
import path from "node:path";
import { HTTP_BACKBONE_PROTOCOL } from "@skeleton-cache/backbone";
import { writeSyntheticNtu } from "@skeleton-cache/datasets";
import { encodeNpz, type NpyArray, parseNpy, toFloat32 } from "@skeleton-cache/formats";
import { tempDir } from "@skeleton-cache/test-support";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { extractBundle } from "./extract.js";

const CLASSES = 5;

/** The server's model: features (N, 3, T, V) = persons' sum of x; logits[n, k] = Σ features_n · cos(k). */
function model(x: NpyArray): Map<string, NpyArray> {
  const [n, c, t, v, m] = x.shape as [number, number, number, number, number];
  const data = toFloat32(x);
  const features = new Float32Array(n * c * t * v);
  const logits = new Float32Array(n * CLASSES);
  for (let s = 0; s < n; s++) {
    let sum = 0;
    for (let i = 0; i < c * t * v; i++) {
      let total = 0;
      for (let p = 0; p < m; p++) total += data[(s * c * t * v + i) * m + p]!;
      features[s * c * t * v + i] = total;
      sum += total;
    }
    for (let k = 0; k < CLASSES; k++) logits[s * CLASSES + k] = sum * Math.cos(k);
  }
  return new Map<string, NpyArray>([
    ["logits", { dtype: "f4", shape: [n, CLASSES], data: logits }],
    ["features", { dtype: "f4", shape: [n, c, t, v], data: features }],
  ]);
}

type Failure = "503" | "429" | "drop" | "reset";
const FAILURES: Failure[] = ["503", "429", "drop", "reset"];

/**
 * A server speaking the http backbone protocol. With `failEach`, every
 * distinct request (GET /info; each POST /encode body, whichever worker sends
 * it) fails that many times, each time in the next way of FAILURES, before it
 * is answered. `failed` counts the failures served.
 */
function createServer(failEach: number) {
  const tries = new Map<string, number>();
  let failed = 0;
  let turn = 0;
  const server = http.createServer((req, res) => {
    const parts: Buffer[] = [];
    req.on("data", (chunk: Buffer) => parts.push(chunk));
    req.on("end", () => {
      const payload = Buffer.concat(parts);
      const key = `${req.url} ${createHash("sha256").update(payload).digest("hex")}`;
      const n = tries.get(key) ?? 0;
      tries.set(key, n + 1);
      if (n < failEach) {
        failed++;
        const failure = FAILURES[turn++ % FAILURES.length]!;
        const json = { "content-type": "application/json" };
        if (failure === "503") res.writeHead(503, json).end(JSON.stringify({ error: "busy" }));
        else if (failure === "429")
          res.writeHead(429, { ...json, "retry-after": "0" }).end(JSON.stringify({ error: "slow down" }));
        else if (failure === "drop") req.socket.destroy();
        else req.socket.resetAndDestroy();
        return;
      }
      if (req.url === "/info") {
        res.writeHead(200, { "content-type": "application/json" }).end(
          JSON.stringify({
            protocol: HTTP_BACKBONE_PROTOCOL,
            name: "sum-pose-server",
            classes: CLASSES,
            input: { frames: 12, joints: 25, persons: 2 },
          }),
        );
        return;
      }
      const arrays = model(parseNpy(new Uint8Array(payload)));
      res.writeHead(200, { "content-type": "application/x-npz" }).end(Buffer.from(encodeNpz(arrays)));
    });
  });
  return {
    server,
    failed: () => failed,
    url: () => `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
  };
}

const steady = createServer(0);
const flaky = createServer(2);

beforeAll(async () => {
  for (const { server } of [steady, flaky])
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
});
afterAll(async () => {
  for (const { server } of [steady, flaky]) {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  }
});

/** Every file of a bundle folder, by name, as bytes. */
function files(dir: string): Map<string, Buffer> {
  return new Map(fs.readdirSync(dir).map((name) => [name, fs.readFileSync(path.join(dir, name))]));
}

describe("extractBundle through a flaky http backbone", () => {
  it("a server that fails every request twice, then answers, gives the bundle of one that never failed", async () => {
    const root = tempDir("skc-extract-http-retry-");
    const data = path.join(root, "ntu");
    writeSyntheticNtu(data, { count: 9, actions: [1, 2, 3] });
    const extract = async (url: string, out: string) => {
      const config = path.join(root, `${path.basename(out)}.yaml`);
      // Short real waits (at most 4 ms each); Retry-After "0" is honoured as no wait.
      fs.writeFileSync(config, `url: ${url}\nretry:\n  attempts: 3\n  baseDelayMs: 1\n  maxDelayMs: 4\n`);
      return extractBundle({
        backbone: "http",
        backboneConfig: config,
        data,
        classes: "all",
        out,
        workers: 2,
        chunkSize: 2,
      });
    };
    const want = await extract(steady.url(), path.join(root, "steady"));
    const got = await extract(flaky.url(), path.join(root, "flaky"));
    expect(steady.failed()).toBe(0);
    // /info (the same request from the main thread and each worker) and every chunk of 2: each failed twice.
    expect(flaky.failed()).toBe(2 * (1 + Math.ceil(want.numSamples / 2)));
    expect(got.numSamples).toBe(want.numSamples);

    const a = files(path.join(root, "steady"));
    const b = files(path.join(root, "flaky"));
    expect([...b.keys()].sort()).toEqual([...a.keys()].sort());
    expect([...a.keys()]).toContain("logits.npy");
    expect([...a.keys()]).toContain("features.npy");
    for (const [name, bytes] of a) {
      if (name === "meta.json") continue;
      expect(b.get(name)!.equals(bytes), `${name} byte-identical`).toBe(true);
    }
    // meta.json differs only by the server's URL.
    const metaA = a.get("meta.json")!.toString("utf8");
    const metaB = b.get("meta.json")!.toString("utf8");
    expect(metaB.split(flaky.url()).join(steady.url())).toBe(metaA);
  });
});
