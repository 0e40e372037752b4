import http from "node:http";
import type { AddressInfo } from "node:net";

/** What the fake server answers to one request. */
export interface FakeReply {
  /** HTTP status (default 200). */
  readonly status?: number;
  readonly headers?: Record<string, string>;
  /** Assistant message text for each choice (a string = one choice). */
  readonly content?: string | readonly string[];
  /** Error message for a non-200 status. */
  readonly error?: string;
  /** Never answer (the client's timeout must fire). */
  readonly hang?: boolean;
  /** Wait this long before answering. */
  readonly delayMs?: number;
}

/** One request as the fake server saw it. */
export interface FakeRequest {
  /** Class name from the "Action class: ..." line of the user message. */
  readonly className: string;
  /** How many requests for this class came before this one. */
  readonly attempt: number;
  readonly body: Record<string, unknown>;
  readonly responseFormat: string;
}

export interface FakeServer {
  readonly baseURL: string;
  readonly requests: FakeRequest[];
  /** Requests per class name. */
  count(className: string): number;
  /** Classes with a 200 answer sent. */
  readonly answered: Map<string, number>;
  /** The most requests the server held open at once. */
  peakInFlight(): number;
  close(): Promise<void>;
}

/** A valid answer in the named-key form the v1 prompt asks for. */
export function answerFor(spatial: readonly number[], temporal: readonly number[], gamma: number): string {
  const [head, torso, arms, feet] = spatial;
  const [begin, middle, end] = temporal;
  return JSON.stringify({ spatial: { head, torso, arms, feet }, temporal: { begin, middle, end }, gamma });
}

/** A deterministic valid answer derived from the class name (different classes → different numbers). */
export function defaultAnswer(className: string): string {
  let hash = 0;
  for (const ch of className) hash = (hash * 31 + ch.charCodeAt(0)) >>> 0;
  const arms = 1 + (hash % 7);
  const feet = 1 + ((hash >>> 3) % 5);
  return answerFor([1, 2, arms, feet], [1, 2 + (hash % 3), 1], ((hash >>> 5) % 9) / 10 + 0.05);
}

/**
 * An OpenAI chat-completions server on 127.0.0.1 (ephemeral port) whose
 * answers come from `script`. Records every request.
 */
export async function startFakeServer(
  script: (request: FakeRequest) => FakeReply | Promise<FakeReply> = (r) => ({
    content: defaultAnswer(r.className),
  }),
): Promise<FakeServer> {
  const requests: FakeRequest[] = [];
  const perClass = new Map<string, number>();
  const answered = new Map<string, number>();
  let inFlight = 0;
  let peak = 0;
  const server = http.createServer((req, res) => {
    inFlight++;
    peak = Math.max(peak, inFlight);
    res.on("close", () => inFlight--);
    const chunks: Buffer[] = [];
    req.on("data", (chunk: Buffer) => chunks.push(chunk));
    req.on("end", () => {
      void (async () => {
        if (req.method !== "POST" || !req.url?.endsWith("/chat/completions")) {
          res.writeHead(404, { "content-type": "application/json" });
          res.end(JSON.stringify({ error: { message: `no route ${req.method} ${req.url}` } }));
          return;
        }
        const body = JSON.parse(Buffer.concat(chunks).toString("utf8")) as Record<string, unknown>;
        const messages = body.messages as { role: string; content: string }[];
        const user = messages.find((m) => m.role === "user")?.content ?? "";
        const className = /^Action class: (.+)$/m.exec(user)?.[1]?.trim() ?? "";
        const attempt = perClass.get(className) ?? 0;
        perClass.set(className, attempt + 1);
        const responseFormat = ((body.response_format as { type?: string } | undefined)?.type ??
          "text") as string;
        const request: FakeRequest = { className, attempt, body, responseFormat };
        requests.push(request);
        const reply = await script(request);
        if (reply.hang) return; // the socket stays open until the client gives up
        if (reply.delayMs) await new Promise((resolve) => setTimeout(resolve, reply.delayMs));
        const status = reply.status ?? 200;
        if (status !== 200) {
          res.writeHead(status, { "content-type": "application/json", ...reply.headers });
          res.end(JSON.stringify({ error: { message: reply.error ?? `status ${status}`, type: "fake" } }));
          return;
        }
        const contents = typeof reply.content === "string" ? [reply.content] : (reply.content ?? []);
        answered.set(className, (answered.get(className) ?? 0) + 1);
        res.writeHead(200, { "content-type": "application/json", ...reply.headers });
        res.end(
          JSON.stringify({
            id: `chatcmpl-${requests.length}`,
            object: "chat.completion",
            created: 1_700_000_000,
            model: body.model,
            choices: contents.map((content, index) => ({
              index,
              message: { role: "assistant", content, refusal: null },
              finish_reason: "stop",
              logprobs: null,
            })),
            usage: { prompt_tokens: 10, completion_tokens: 10, total_tokens: 20 },
          }),
        );
      })();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    baseURL: `http://127.0.0.1:${port}/v1`,
    requests,
    answered,
    count: (className) => perClass.get(className) ?? 0,
    peakInFlight: () => peak,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
