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
  type HttpBackboneHooks,
  type HttpRetryEvent,
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
    const backbone = await createHttpBackbone({ url: url("fail"), retry: { attempts: 1 } });
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
    const backbone = await createHttpBackbone({ url: url("slow"), timeoutMs: 300, retry: { attempts: 1 } });
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
    const error = await createHttpBackbone(
      { url: `http://127.0.0.1:${port}` },
      { sleep: async () => {} },
    ).catch((e: unknown) => e);
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

/** A server on 127.0.0.1 with `handle`; `close` ends it and every connection it holds. */
async function serve(handle: http.RequestListener): Promise<{ url: string; close(): Promise<void> }> {
  const server = http.createServer(handle);
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/v1`,
    async close() {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}

/** How a flaky server fails a request. */
type Failure = "503" | "429-seconds" | "429-date" | "drop" | "reset" | "drop-mid-reply" | "hang";

/** The clock the retry loop is given: a whole second, so an HTTP date says it exactly. */
const NOW = Date.parse("2026-03-01T12:00:00Z");

/**
 * A server whose every request (per endpoint: GET /info, and each POST
 * /encode batch) fails `k` times as `failure` says, then is answered as the
 * "ok" server answers it. `seen` lists the paths of the requests it got.
 */
function flaky(failure: Failure, k: number, seen: string[]): http.RequestListener {
  const counts = new Map<string, number>();
  const ok = handler("ok");
  return (req, res) => {
    const path = req.url ?? "";
    seen.push(path);
    const n = counts.get(path) ?? 0;
    counts.set(path, n + 1);
    if (n % (k + 1) === k) {
      void ok(req, res);
      return;
    }
    void body(req).then(() => {
      const json = { "content-type": "application/json" };
      if (failure === "503") res.writeHead(503, json).end(JSON.stringify({ error: "busy" }));
      else if (failure === "429-seconds")
        res.writeHead(429, { ...json, "retry-after": "3" }).end(JSON.stringify({ error: "slow down" }));
      else if (failure === "429-date")
        res
          .writeHead(429, { ...json, "retry-after": new Date(NOW + 2000).toUTCString() })
          .end(JSON.stringify({ error: "slow down" }));
      else if (failure === "drop") req.socket.destroy();
      else if (failure === "reset") req.socket.resetAndDestroy();
      else if (failure === "drop-mid-reply") {
        // Headers and part of a body, then the connection goes.
        res.writeHead(200, { "content-type": "application/x-npz", "content-length": "4096" });
        res.write(Buffer.alloc(100), () => req.socket.destroy());
      }
      // "hang": never answer (the client's timeoutMs ends the try).
    });
  };
}

/** Every batch of `encodeAll` as bytes: offset, count, logits and features. */
async function encodeBytes(backbone: HttpBackbone, samples: Tensor[]) {
  const out: { offset: number; count: number; logits: Buffer; features: Buffer }[] = [];
  for await (const batch of backbone.encodeAll(samples)) {
    out.push({
      offset: batch.offset,
      count: batch.count,
      logits: Buffer.from(
        batch.logits.data.buffer,
        batch.logits.data.byteOffset,
        batch.logits.data.byteLength,
      ),
      features: Buffer.from(
        batch.features.data.buffer,
        batch.features.data.byteOffset,
        batch.features.data.byteLength,
      ),
    });
  }
  return out;
}

/** Hooks that record each wait instead of waiting, draw 0.5 for the jitter and read the clock as NOW. */
function recorder() {
  const sleeps: number[] = [];
  const events: HttpRetryEvent[] = [];
  const hooks: HttpBackboneHooks = {
    sleep: async (ms) => {
      sleeps.push(ms);
    },
    random: { next: () => 0.5 },
    now: () => NOW,
    onRetry: (event) => events.push(event),
  };
  return { sleeps, events, hooks };
}

describe("http backbone retries (real local servers that fail, then answer)", () => {
  const samples = [0, 1, 2, 3, 4].map(sample);
  const config = { candidateClasses: [0, 2, 5], batchSize: 2, timeoutMs: 250 };

  // Full jitter with draws of 0.5: retry r waits 0.5 · min(30 000, 500 · 2^r); Retry-After wins where given.
  const cases: [Failure, number[]][] = [
    ["503", [250, 500]],
    ["429-seconds", [3000, 3000]],
    ["429-date", [2000, 2000]],
    ["drop", [250, 500]],
    ["reset", [250, 500]],
    ["drop-mid-reply", [250, 500]],
    ["hang", [250, 500]],
  ];
  it.each(cases)(
    "every request failing twice with %s: retried after %j ms each, and the outputs are byte-identical to a server that never failed",
    async (failure, waits) => {
      const reference = await createHttpBackbone({ url: url("ok"), ...config });
      const want = await encodeBytes(reference, samples);
      const seen: string[] = [];
      const server = await serve(flaky(failure, 2, seen));
      const { sleeps, events, hooks } = recorder();
      try {
        const backbone = await createHttpBackbone({ url: server.url, ...config }, hooks);
        expect(backbone.info).toEqual(reference.info);
        expect(await encodeBytes(backbone, samples)).toEqual(want);
        // /info and three batches, each tried three times.
        expect(seen).toEqual([...Array(3).fill("/v1/info"), ...Array(9).fill("/v1/encode")]);
        expect(sleeps).toEqual([...waits, ...waits, ...waits, ...waits]);
        expect(events.map((e) => [e.url, e.attempt, e.delayMs])).toEqual(
          [`${server.url}/info`, ...Array(3).fill(`${server.url}/encode`)].flatMap((u) => [
            [u, 1, waits[0]],
            [u, 2, waits[1]],
          ]),
        );
        if (failure === "503")
          expect(events[0]).toMatchObject({ status: 503, reason: "the server answered 503: busy" });
        if (failure === "hang") expect(events[0]!.reason).toBe("no reply within 250 ms (config timeoutMs)");
        if (failure === "drop" || failure === "drop-mid-reply") {
          expect(events[0]!.status).toBeUndefined();
          expect(events[0]!.reason).toMatch(/other side closed/);
        }
        if (failure === "reset") expect(events[0]!.reason).toMatch(/ECONNRESET/);
      } finally {
        await server.close();
      }
    },
  );

  it("a 400 is not retried: after a 503 (retried once), the 400 ends it — two requests, a ValueError with the server's reason", async () => {
    const seen: string[] = [];
    const server = await serve((req, res) => {
      if (req.url === "/v1/info") return void handler("ok")(req, res);
      seen.push(req.url ?? "");
      const [status, error] = seen.length === 1 ? [503, "busy"] : [400, "bad batch"];
      void body(req).then(() =>
        res.writeHead(status, { "content-type": "application/json" }).end(JSON.stringify({ error })),
      );
    });
    const { sleeps, hooks } = recorder();
    try {
      const backbone = await createHttpBackbone({ url: server.url }, hooks);
      const error = await backbone.encode([sample(0)]).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(ValueError);
      expect((error as Error).message).toBe(
        `http backbone ${server.url}/encode: the server answered 400: bad batch`,
      );
      expect(seen).toEqual(["/v1/encode", "/v1/encode"]);
      expect(sleeps).toEqual([250]);
    } finally {
      await server.close();
    }
  });

  it("at the limit: an HttpBackboneError naming the URL, the attempts and the last status; Retry-After is capped", async () => {
    const seen: string[] = [];
    const server = await serve(flaky("503", 1000, seen));
    const { sleeps, hooks } = recorder();
    try {
      const error = await createHttpBackbone({ url: server.url, retry: { attempts: 3 } }, hooks).catch(
        (e: unknown) => e,
      );
      expect(error).toBeInstanceOf(HttpBackboneError);
      expect((error as Error).message).toBe(
        `http backbone ${server.url}/info: the server answered 503: busy — gave up after 3 attempts (config retry.attempts)`,
      );
      expect(error).toMatchObject({ url: `${server.url}/info`, status: 503, attempts: 3 });
      expect(seen).toEqual(["/v1/info", "/v1/info", "/v1/info"]);
      expect(sleeps).toEqual([250, 500]);
    } finally {
      await server.close();
    }

    const limited = await serve((req, res) =>
      res.writeHead(429, { "retry-after": "600" }).end("rate limited; come back in ten minutes"),
    );
    const capped = recorder();
    try {
      const error = await createHttpBackbone(
        { url: limited.url, retry: { attempts: 2, maxRetryAfterMs: 1000 } },
        capped.hooks,
      ).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(HttpBackboneError);
      expect(error).toMatchObject({ status: 429, attempts: 2 });
      expect((error as Error).message).toMatch(/answered 429: rate limited; .* gave up after 2 attempts/);
      expect(capped.sleeps).toEqual([1000]);
    } finally {
      await limited.close();
    }
  });

  it("a server that stays unreachable: the URL, the attempts and the connection error", async () => {
    const closed = await serve(() => {});
    await closed.close();
    const { sleeps, hooks } = recorder();
    const error = await createHttpBackbone(
      { url: closed.url, retry: { attempts: 4, baseDelayMs: 100, maxDelayMs: 300 } },
      hooks,
    ).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(HttpBackboneError);
    expect(error).toMatchObject({ url: `${closed.url}/info`, status: undefined, attempts: 4 });
    expect((error as Error).message).toMatch(
      new RegExp(`^http backbone ${closed.url}/info: .*ECONNREFUSED.* — gave up after 4 attempts`),
    );
    // 0.5 · min(300, 100 · 2^r) for r = 0, 1, 2.
    expect(sleeps).toEqual([50, 100, 150]);
  });

  it("a retry config that cannot work is refused, naming the field", async () => {
    await expect(createBackbone("http", { url: url("ok"), retry: { attempts: 0 } })).rejects.toThrow(
      /backbone "http" config: field "retry.attempts" is 0/,
    );
    await expect(
      createBackbone("http", { url: url("ok"), retry: { baseDelayMs: 1000, maxDelayMs: 10 } }),
    ).rejects.toThrow(/field "retry.maxDelayMs".*at least retry.baseDelayMs/);
  });
});
