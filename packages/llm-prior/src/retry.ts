/**
 * Retries of failed chat-completion requests, kept here rather than left to
 * the openai SDK (6.49.0, `client.js` `retryRequest` /
 * `calculateDefaultRetryTimeoutMillis`), which does honour `retry-after-ms`
 * and `retry-after` (seconds or HTTP date) but cannot do what we need:
 * its jitter is `Math.random()` (not seedable, so runs are not reproducible),
 * its backoff is fixed at 0.5 s doubling to 8 s (no base / cap options), a
 * server's `retry-after` is obeyed without any bound, its wait between tries
 * is a plain `setTimeout` that the request's AbortSignal does not cut short
 * (Ctrl-C would sit out a long `retry-after`), and it reports no retry to the
 * caller (we print each one). So `ChatEndpoint` sets `maxRetries: 0` and uses
 * these.
 */
import type { Random } from "@skeleton-cache/tensor";

/** How failed requests are retried. */
export interface RetryPolicy {
  /** Retries after the first try for rate limits, server errors, timeouts and connection errors (default 6). */
  readonly maxRetries: number;
  /** First backoff delay in ms (default 500); doubles on each retry. */
  readonly baseDelayMs: number;
  /** Upper bound of a backoff delay in ms (default 30 000). */
  readonly maxDelayMs: number;
  /** Upper bound of a server's `retry-after` that is honoured, in ms (default 120 000). */
  readonly maxRetryAfterMs: number;
}

export const DEFAULT_RETRY_POLICY: RetryPolicy = {
  maxRetries: 6,
  baseDelayMs: 500,
  maxDelayMs: 30_000,
  maxRetryAfterMs: 120_000,
};

/**
 * Exponential backoff with "equal jitter": half the capped exponential delay
 * plus a seeded uniform draw over the other half, so concurrent workers
 * spread out but never retry at once.
 */
export function backoffDelay(attempt: number, policy: RetryPolicy, random: Random): number {
  const exponential = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** attempt);
  return exponential / 2 + random.next() * (exponential / 2);
}

/**
 * Reads a `retry-after` value: delay-seconds (fractions allowed) or an HTTP
 * date. Also reads OpenAI's `retry-after-ms`. Returns the delay in ms, or
 * undefined when absent or unreadable; a date in the past gives 0.
 */
export function parseRetryAfter(
  headers: { get(name: string): string | null } | Record<string, string | undefined> | undefined,
  now: number = Date.now(),
): number | undefined {
  if (!headers) return undefined;
  const get = (name: string): string | undefined => {
    if (typeof (headers as { get?: unknown }).get === "function") {
      return (headers as { get(name: string): string | null }).get(name) ?? undefined;
    }
    const record = headers as Record<string, string | undefined>;
    const key = Object.keys(record).find((k) => k.toLowerCase() === name);
    return key === undefined ? undefined : record[key];
  };
  const ms = get("retry-after-ms");
  if (ms !== undefined && /^\s*\d+(\.\d+)?\s*$/.test(ms)) return Number(ms);
  const value = get("retry-after");
  if (value === undefined) return undefined;
  if (/^\s*\d+(\.\d+)?\s*$/.test(value)) return Number(value) * 1000;
  const date = Date.parse(value);
  if (Number.isNaN(date)) return undefined;
  return Math.max(0, date - now);
}

/** Resolves after `ms`, or rejects with the signal's reason when it aborts first. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) {
      reject(signal.reason);
      return;
    }
    const onAbort = (): void => {
      clearTimeout(timer);
      reject(signal!.reason);
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener("abort", onAbort);
      resolve();
    }, ms);
    signal?.addEventListener("abort", onAbort, { once: true });
  });
}
