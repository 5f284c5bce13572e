import { describe, expect, it } from 'vitest';
import { DEFAULT_RATE_LIMIT_WAIT_MS, rateLimitResetAt } from './rate-limit.js';

const NOW = Date.UTC(2026, 0, 1);
const RESET_S = NOW / 1000 + 600;

describe('rateLimitResetAt', () => {
  it.each([
    [
      'primary 403',
      403,
      { 'x-ratelimit-remaining': '0', 'x-ratelimit-reset': String(RESET_S) },
      '',
      RESET_S * 1000,
    ],
    [
      'primary 429',
      429,
      { 'x-ratelimit-remaining': '0', 'x-ratelimit-reset': String(RESET_S) },
      '',
      RESET_S * 1000,
    ],
    [
      'reset already past',
      403,
      { 'x-ratelimit-remaining': '0', 'x-ratelimit-reset': '1' },
      '',
      NOW,
    ],
    [
      'remaining 0 without reset',
      403,
      { 'x-ratelimit-remaining': '0' },
      '',
      NOW + DEFAULT_RATE_LIMIT_WAIT_MS,
    ],
    [
      'retry-after wins',
      403,
      { 'retry-after': '30', 'x-ratelimit-remaining': '0', 'x-ratelimit-reset': String(RESET_S) },
      '',
      NOW + 30_000,
    ],
    ['429 retry-after', 429, { 'retry-after': '5' }, '', NOW + 5_000],
    ['bare 429', 429, {}, '', NOW + DEFAULT_RATE_LIMIT_WAIT_MS],
    [
      'secondary by message',
      403,
      {},
      '{"message":"You have exceeded a secondary rate limit"}',
      NOW + DEFAULT_RATE_LIMIT_WAIT_MS,
    ],
  ])('%s', (_name, status, headers, body, expected) => {
    expect(rateLimitResetAt(status, headers, body, NOW)).toBe(expected);
  });

  it.each([
    [
      'a permission 403',
      403,
      { 'x-ratelimit-remaining': '4999' },
      '{"message":"Resource not accessible by integration"}',
    ],
    ['a 404', 404, { 'x-ratelimit-remaining': '0' }, ''],
    ['a 500', 500, { 'retry-after': '5' }, ''],
  ])('is not a rate limit: %s', (_name, status, headers, body) => {
    expect(rateLimitResetAt(status, headers, body, NOW)).toBeUndefined();
  });
});
