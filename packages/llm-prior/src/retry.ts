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
 * this policy with the backoff, `retry-after` and sleep of @skeleton-cache/retry.
 */
import type { BackoffOptions } from "@skeleton-cache/retry";

/** How failed requests are retried. */
export interface RetryPolicy extends BackoffOptions {
  /** Retries after the first try for rate limits, server errors, timeouts and connection errors (default 6). */
  readonly maxRetries: number;
  /** First backoff delay in ms (default 500); doubles on each retry. */
  readonly baseDelayMs: number;
  /** Upper bound of a backoff delay in ms (default 30 000). */
  readonly maxDelayMs: number;
  /** Upper bound of a server's `retry-after` that is honoured, in ms (default 120 000). */
  readonly maxRetryAfterMs: number;
}

/**
 * "Equal jitter": half the capped exponential delay plus a seeded uniform
 * draw over the other half, so concurrent workers spread out but never retry
 * at once.
 */
export const DEFAULT_RETRY_POLICY: RetryPolicy = {
  maxRetries: 6,
  baseDelayMs: 500,
  maxDelayMs: 30_000,
  maxRetryAfterMs: 120_000,
  jitter: "equal",
};
