import { describe, expect, it } from 'vitest';
import { isRetryableStatus, MAX_RETRY_DELAY_MS, retryDelay } from './retry.js';

describe('retryDelay', () => {
  it('doubles per attempt, with jitter between half and all of the exponential step', () => {
    expect([0, 1, 2, 3].map((attempt) => retryDelay(attempt, 1000, 0))).toEqual([
      500, 1000, 2000, 4000,
    ]);
    expect([0, 1, 2, 3].map((attempt) => retryDelay(attempt, 1000, 1))).toEqual([
      1000, 2000, 4000, 8000,
    ]);
    expect(retryDelay(1, 1000, 0.5)).toBe(1500);
  });

  it('caps at 60 s and tolerates out-of-range inputs', () => {
    expect(retryDelay(20, 1000, 0.99)).toBe(MAX_RETRY_DELAY_MS);
    expect(retryDelay(2000, 1000, 1)).toBe(MAX_RETRY_DELAY_MS);
    expect(retryDelay(0, 0, 0.7)).toBe(0);
    expect(retryDelay(-1, 1000, 5)).toBe(1000);
    expect(retryDelay(0, -5, -1)).toBe(0);
  });
});

describe('isRetryableStatus', () => {
  it.each([500, 502, 503, 504, 599, 429])('retries %d', (status) => {
    expect(isRetryableStatus(status)).toBe(true);
  });
  it.each([200, 301, 400, 401, 403, 404, 409, 600])('does not retry %d', (status) => {
    expect(isRetryableStatus(status)).toBe(false);
  });
});
