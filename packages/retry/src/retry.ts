/**
 * Retries of failed requests: capped exponential backoff with seeded jitter,
 * a server's `Retry-After`, and a wait that an AbortSignal cuts short. Used
 * by the http backbone adapter and by llm-prior's chat endpoint, each of
 * which owns its own loop (what is transient, what is reported).
 *
 * Hand-written rather than p-retry / exponential-backoff / async-retry: p-retry
 * 8+ needs Node 22, and none of them lets the jitter's randomness or the wait
 * be injected (they call Math.random and setTimeout) or takes the delay from a
 * server's `Retry-After`.
 */
import type { Random } from "@skeleton-cache/tensor";

/** How the delay before a retry grows. */
export interface BackoffOptions {
  /** Delay bound of the first retry in ms; it doubles on each retry. */
  readonly baseDelayMs: number;
  /** Upper bound of any backoff delay in ms. */
  readonly maxDelayMs: number;
  /**
   * "full": uniform over [0, e] (spreads concurrent clients the most);
   * "equal": e/2 plus uniform over [0, e/2] (never retries at once).
   * e = min(maxDelayMs, baseDelayMs · 2^retry).
   */
  readonly jitter: "full" | "equal";
}

/**
 * The wait before retry number `retry` (0 for the first retry): e =
 * min(maxDelayMs, baseDelayMs · 2^retry), jittered as `options.jitter` says
 * with one draw from `random`.
 */
export function backoffDelay(retry: number, options: BackoffOptions, random: Pick<Random, "next">): number {
  const exponential = Math.min(options.maxDelayMs, options.baseDelayMs * 2 ** retry);
  const draw = random.next();
  return options.jitter === "full" ? draw * exponential : exponential / 2 + draw * (exponential / 2);
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
