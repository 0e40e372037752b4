export type { BackoffOptions } from "./retry.js";
export { backoffDelay, parseRetryAfter, sleep } from "./retry.js";
