/** Back-off for calls to the Cloudflare workers (spec cloudflare.md §1: retry with jitter). */

export const MAX_RETRY_DELAY_MS = 60_000;

/**
 * The wait before retry number `attempt` (0 for the first retry): `baseMs * 2^attempt`, scaled
 * by a jitter factor in [0.5, 1) so that daemons restarted together do not retry in step, and
 * capped at 60 s.
 */
export function retryDelay(attempt: number, baseMs: number, random: number): number {
  const jitter = 0.5 + Math.min(Math.max(random, 0), 1) / 2;
  const exponential = Math.max(0, baseMs) * 2 ** Math.max(0, attempt);
  return Math.round(Math.min(MAX_RETRY_DELAY_MS, exponential * jitter));
}

/** 5xx and 429 may pass; every other status is an answer that trying again will not change. */
export function isRetryableStatus(status: number): boolean {
  return status === 429 || (status >= 500 && status <= 599);
}
