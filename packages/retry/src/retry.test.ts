import { seededRandom } from "@skeleton-cache/tensor";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { backoffDelay, parseRetryAfter, sleep } from "./index.js";

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
  it("property: equal jitter is within [e/2, e] for e = min(max, base·2^attempt), and the same seed gives the same delays", () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 20 }), fc.nat(), (attempt, seed) => {
        const policy = { baseDelayMs: 100, maxDelayMs: 5000, jitter: "equal" } as const;
        const e = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** attempt);
        const a = backoffDelay(attempt, policy, seededRandom(seed));
        expect(a).toBeGreaterThanOrEqual(e / 2);
        expect(a).toBeLessThanOrEqual(e);
        expect(backoffDelay(attempt, policy, seededRandom(seed))).toBe(a);
      }),
      { numRuns: 200 },
    );
  });

  it("full jitter is the draw times e, capped at maxDelayMs", () => {
    const half = { next: () => 0.5 };
    const options = { baseDelayMs: 100, maxDelayMs: 1000, jitter: "full" } as const;
    expect([0, 1, 2, 3, 4, 5].map((retry) => backoffDelay(retry, options, half))).toEqual([
      50, 100, 200, 400, 500, 500,
    ]);
    expect(backoffDelay(3, options, { next: () => 0 })).toBe(0);
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 20 }), fc.nat(), (retry, seed) => {
        const e = Math.min(options.maxDelayMs, options.baseDelayMs * 2 ** retry);
        const a = backoffDelay(retry, options, seededRandom(seed));
        expect(a).toBeGreaterThanOrEqual(0);
        expect(a).toBeLessThan(e);
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
