/**
 * The "http" adapter against a real node:http server on 127.0.0.1 that speaks
 * the protocol of the README: GET /info, POST /encode (.npy in, .npz out).
 */
import http from "node:http";
import type { AddressInfo } from "node:net";
import { FormatError, ShapeError, ValueError } from "@skeleton-cache/errors";
import { encodeNpz, type NpyArray, parseNpy, toFloat32 } from "@skeleton-cache/formats";
import type { Tensor } from "@skeleton-cache/tensor";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  createBackbone,
  createHttpBackbone,
  HTTP_BACKBONE_PROTOCOL,
  type HttpBackbone,
  HttpBackboneError,
  listBackbones,
} from "./index.js";

const K = 6;
const [T, V, M] = [4, 3, 2];

/** The model the server runs: features (N, 2, T, V) = persons' mean of x, y; logits[n, k] = (k + 1) · Σ features_n. */
function serverModel(x: Float32Array, n: number): { logits: Float32Array; features: Float32Array } {
  const features = new Float32Array(n * 2 * T * V);
  const logits = new Float32Array(n * K);
  for (let s = 0; s < n; s++) {
    let sum = 0;
    for (let c = 0; c < 2; c++)
      for (let t = 0; t < T; t++)
        for (let v = 0; v < V; v++) {
          let mean = 0;
          for (let m = 0; m < M; m++) mean += x[(((s * 3 + c) * T + t) * V + v) * M + m]!;
          mean /= M;
          features[((s * 2 + c) * T + t) * V + v] = mean;
          sum += mean;
        }
    for (let k = 0; k < K; k++) logits[s * K + k] = (k + 1) * sum;
  }
  return { logits, features };
}

type Mode = "ok" | "fail" | "refuse" | "slow" | "bad-shape" | "bad-info";
const requests: { method: string; url: string; type: string | undefined; shape?: number[] }[] = [];

function body(req: http.IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const parts: Buffer[] = [];
    req.on("data", (chunk: Buffer) => parts.push(chunk));
    req.on("end", () => resolve(Buffer.concat(parts)));
    req.on("error", reject);
  });
}

function handler(mode: Mode) {
  return async (req: http.IncomingMessage, res: http.ServerResponse) => {
    const payload = await body(req);
    const entry: (typeof requests)[number] = {
      method: req.method ?? "",
      url: req.url ?? "",
      type: req.headers["content-type"],
    };
    requests.push(entry);
    if (req.url === "/v1/info") {
      const info =
        mode === "bad-info"
          ? { protocol: "something-else/3", name: "x", classes: K }
          : {
              protocol: HTTP_BACKBONE_PROTOCOL,
              name: "toy-server",
              classes: K,
              input: { frames: T, joints: V, persons: M },
              preprocessing: { temporal: "resample", center: "first-frame" },
              sha256: "ab".repeat(32),
            };
      res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify(info));
      return;
    }
    if (req.url !== "/v1/encode" || req.method !== "POST") {
      res
        .writeHead(404, { "content-type": "application/json" })
        .end(JSON.stringify({ error: "no such endpoint" }));
      return;
    }
    if (mode === "slow") return; // never answers
    if (mode === "fail") {
      res
        .writeHead(500, { "content-type": "application/json" })
        .end(JSON.stringify({ error: "CUDA out of memory" }));
      return;
    }
    const x = parseNpy(new Uint8Array(payload), "request");
    entry.shape = [...x.shape];
    if (mode === "refuse") {
      res
        .writeHead(422, { "content-type": "application/json" })
        .end(JSON.stringify({ error: `expected (N, 3, ${T}, ${V}, ${M}), got (${x.shape.join(", ")})` }));
      return;
    }
    const n = x.shape[0]!;
    const out = serverModel(toFloat32(x), n);
    const arrays = new Map<string, NpyArray>([
      [
        "logits",
        {
          dtype: "f4",
          shape: mode === "bad-shape" ? [n, K - 1] : [n, K],
          data: out.logits.subarray(0, n * (mode === "bad-shape" ? K - 1 : K)),
        },
      ],
      ["features", { dtype: "f4", shape: [n, 2, T, V], data: out.features }],
    ]);
    res.writeHead(200, { "content-type": "application/x-npz" }).end(Buffer.from(encodeNpz(arrays)));
  };
}

const servers = new Map<Mode, { server: http.Server; url: string }>();

beforeAll(async () => {
  for (const mode of ["ok", "fail", "refuse", "slow", "bad-shape", "bad-info"] as Mode[]) {
    const server = http.createServer(handler(mode));
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const { port } = server.address() as AddressInfo;
    servers.set(mode, { server, url: `http://127.0.0.1:${port}/v1` });
  }
});

afterAll(async () => {
  for (const { server } of servers.values()) {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  }
});

const url = (mode: Mode) => servers.get(mode)!.url;

function sample(seed: number): Tensor {
  const data = new Float32Array(3 * T * V * M);
  for (let i = 0; i < data.length; i++) data[i] = Math.sin(seed * 7.1 + i * 0.37);
  return { data, shape: [3, T, V, M] };
}

describe("http backbone adapter (real local server)", () => {
  it("is registered, reads /info, and encodes batches over POST /encode", async () => {
    expect(listBackbones()).toContain("http");
    const backbone = (await createBackbone<Tensor>("http", {
      url: url("ok"),
      candidateClasses: [1, 4],
      batchSize: 2,
    })) as HttpBackbone;
    try {
      expect(backbone.model).toEqual({ name: "toy-server", location: url("ok"), sha256: "ab".repeat(32) });
      expect(backbone.preprocessing).toEqual({
        frames: T,
        bodies: M,
        temporal: "resample",
        center: "first-frame",
      });
      const samples = [0, 1, 2].map(sample);
      requests.length = 0;
      const batches = [];
      for await (const batch of backbone.encodeAll(samples)) batches.push(batch);
      expect(batches.map((b) => [b.offset, b.count])).toEqual([
        [0, 2],
        [2, 1],
      ]);
      expect(requests.map((r) => [r.method, r.url, r.type, r.shape])).toEqual([
        ["POST", "/v1/encode", "application/x-npy", [2, 3, T, V, M]],
        ["POST", "/v1/encode", "application/x-npy", [1, 3, T, V, M]],
      ]);
      for (const batch of batches) {
        for (let item = 0; item < batch.count; item++) {
          const s = samples[batch.offset + item]!;
          const want = serverModel(s.data, 1);
          // Candidate columns 1 and 4 of the server's 6 classes.
          expect(batch.logits.data[item * 2]).toBe(want.logits[1]);
          expect(batch.logits.data[item * 2 + 1]).toBe(want.logits[4]);
          const per = 2 * T * V;
          expect(Array.from(batch.features.data.subarray(item * per, (item + 1) * per))).toEqual(
            Array.from(want.features),
          );
        }
      }
    } finally {
      await backbone.close();
    }
    await expect(backbone.encode([sample(0)])).rejects.toThrow(/is closed/);
  });

  it("a server error names the URL, the status and the server's message", async () => {
    const backbone = await createHttpBackbone({ url: url("fail") });
    const error = await backbone.encode([sample(1)]).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(HttpBackboneError);
    expect((error as Error).message).toBe(
      `http backbone ${url("fail")}/encode: the server answered 500: CUDA out of memory`,
    );
    expect((error as HttpBackboneError).status).toBe(500);
  });

  it("a refusal of the input (4xx) is bad input, with the server's reason", async () => {
    const backbone = await createHttpBackbone({ url: url("refuse") });
    await expect(
      backbone.encode([{ data: new Float32Array(3 * 5 * V * M), shape: [3, 5, V, M] }]),
    ).rejects.toThrow(ValueError);
    await expect(backbone.encode([sample(2)])).rejects.toThrow(/answered 422: expected \(N, 3, 4, 3, 2\)/);
  });

  it("a server that does not answer in time fails after timeoutMs, saying so", async () => {
    const backbone = await createHttpBackbone({ url: url("slow"), timeoutMs: 300 });
    const error = await backbone.encode([sample(3)]).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(HttpBackboneError);
    expect((error as Error).message).toBe(
      `http backbone ${url("slow")}/encode: no reply within 300 ms (config timeoutMs)`,
    );
  });

  it("a reply of the wrong shape and an /info of another protocol are refused, naming the URL", async () => {
    const backbone = await createHttpBackbone({ url: url("bad-shape") });
    await expect(backbone.encode([sample(4)])).rejects.toThrow(ShapeError);
    await expect(createHttpBackbone({ url: url("bad-info") })).rejects.toThrow(FormatError);
    await expect(createHttpBackbone({ url: url("bad-info") })).rejects.toThrow(
      new RegExp(`${url("bad-info")}/info: protocol: .*${HTTP_BACKBONE_PROTOCOL}`),
    );
  });

  it("an unreachable server and a bad config are named", async () => {
    const closed = http.createServer();
    await new Promise<void>((resolve) => closed.listen(0, "127.0.0.1", resolve));
    const { port } = closed.address() as AddressInfo;
    await new Promise((resolve) => closed.close(resolve));
    const error = await createHttpBackbone({ url: `http://127.0.0.1:${port}` }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(HttpBackboneError);
    expect((error as Error).message).toMatch(
      new RegExp(`^http backbone http://127.0.0.1:${port}/info: .*ECONNREFUSED`),
    );
    await expect(createBackbone("http", { url: "ftp://x" })).rejects.toThrow(
      /backbone "http" config: field "url" is "ftp:\/\/x"/,
    );
    await expect(createBackbone("http", { url: url("ok"), candidateClasses: [2, 6] })).rejects.toThrow(
      /candidate classes for .*\[1\] is 6; the model has 6 classes/,
    );
  });
});
