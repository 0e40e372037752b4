import fs from "node:fs";
import path from "node:path";
import { seededRandom } from "@skeleton-cache/tensor";
import { tempDir } from "@skeleton-cache/test-support";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { backoffDelay, DEFAULT_RETRY_POLICY, parseRetryAfter, sleep } from "./retry.js";
import { CoalescingWriter } from "./writer.js";

describe("parseRetryAfter", () => {
  const now = Date.parse("2026-01-01T00:00:00Z");
  it("reads seconds, an HTTP date, and retry-after-ms", () => {
    expect(parseRetryAfter(new Headers({ "retry-after": "2" }), now)).toBe(2000);
    expect(parseRetryAfter(new Headers({ "retry-after": "0.25" }), now)).toBe(250);
    expect(parseRetryAfter(new Headers({ "retry-after": "Thu, 01 Jan 2026 00:00:03 GMT" }), now)).toBe(3000);
    expect(parseRetryAfter(new Headers({ "retry-after": "Wed, 31 Dec 2025 23:59:00 GMT" }), now)).toBe(0);
    expect(parseRetryAfter({ "Retry-After-Ms": "40", "retry-after": "9" }, now)).toBe(40);
  });
  it("ignores absent or unreadable values", () => {
    expect(parseRetryAfter(undefined)).toBeUndefined();
    expect(parseRetryAfter(new Headers({}))).toBeUndefined();
    expect(parseRetryAfter(new Headers({ "retry-after": "soon" }))).toBeUndefined();
  });
});

describe("backoffDelay", () => {
  it("property: within [e/2, e] for e = min(max, base·2^attempt), and the same seed gives the same delays", () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 20 }), fc.nat(), (attempt, seed) => {
        const policy = { ...DEFAULT_RETRY_POLICY, baseDelayMs: 100, maxDelayMs: 5000 };
        const e = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** attempt);
        const a = backoffDelay(attempt, policy, seededRandom(seed));
        expect(a).toBeGreaterThanOrEqual(e / 2);
        expect(a).toBeLessThanOrEqual(e);
        expect(backoffDelay(attempt, policy, seededRandom(seed))).toBe(a);
      }),
      { numRuns: 200 },
    );
  });
});

describe("sleep", () => {
  it("sleep rejects with the abort reason", async () => {
    const controller = new AbortController();
    const pending = sleep(10_000, controller.signal);
    controller.abort(new Error("cancelled"));
    await expect(pending).rejects.toThrow("cancelled");
  });
});

describe("CoalescingWriter", () => {
  it("coalesces a burst of saves into few atomic writes of the latest state and leaves no temp file", async () => {
    const dir = tempDir("llm-writer-");
    const file = path.join(dir, "state.json");
    let state = 0;
    let renders = 0;
    const writer = new CoalescingWriter(file, () => {
      renders++;
      return JSON.stringify({ state });
    });
    const saves: Promise<void>[] = [];
    for (let i = 1; i <= 10; i++) {
      state = i;
      saves.push(writer.save());
    }
    await Promise.all(saves);
    expect(JSON.parse(fs.readFileSync(file, "utf8"))).toEqual({ state: 10 });
    expect(renders).toBeLessThanOrEqual(2);
    expect(fs.readdirSync(dir)).toEqual(["state.json"]);
  });
});
