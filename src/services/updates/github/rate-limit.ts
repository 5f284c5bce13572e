import type { IncomingHttpHeaders } from 'node:http';

/** GitHub asks to wait at least a minute after a secondary limit that names no time. */
export const DEFAULT_RATE_LIMIT_WAIT_MS = 60_000;

/**
 * When GitHub lets us call again, if this answer is a rate limit; undefined when it is not.
 * Primary limit: 403/429 with `x-ratelimit-remaining: 0` and `x-ratelimit-reset` (epoch seconds).
 * Secondary limit: 403/429 with `retry-after` (seconds), or a 429 / a 403 whose message says
 * "rate limit" without either header (wait a minute, as GitHub's docs ask).
 */
export function rateLimitResetAt(
  status: number,
  headers: IncomingHttpHeaders,
  bodyText: string,
  now: number,
): number | undefined {
  if (status !== 403 && status !== 429) return undefined;
  const retryAfter = Number(header(headers, 'retry-after'));
  if (header(headers, 'retry-after') !== undefined && Number.isFinite(retryAfter)) {
    return now + Math.max(0, retryAfter) * 1000;
  }
  if (header(headers, 'x-ratelimit-remaining') === '0') {
    const reset = Number(header(headers, 'x-ratelimit-reset'));
    if (Number.isFinite(reset) && reset > 0) return Math.max(now, reset * 1000);
    return now + DEFAULT_RATE_LIMIT_WAIT_MS;
  }
  if (status === 429 || /rate limit/i.test(bodyText)) return now + DEFAULT_RATE_LIMIT_WAIT_MS;
  return undefined;
}

function header(headers: IncomingHttpHeaders, name: string): string | undefined {
  const value = headers[name];
  return Array.isArray(value) ? value[0] : value;
}
