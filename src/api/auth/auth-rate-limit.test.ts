import { describe, expect, it } from 'vitest';
import { AuthFailureLimiter } from './auth-rate-limit.js';

const T0 = 1_000_000;

describe('AuthFailureLimiter', () => {
  it('locks a client out after maxFailures within the window, for one window', () => {
    const limiter = new AuthFailureLimiter({ maxFailures: 3, windowMs: 60_000 });
    expect(limiter.recordFailure('10.0.0.1', T0)).toEqual({ limited: false });
    expect(limiter.recordFailure('10.0.0.1', T0 + 1_000)).toEqual({ limited: false });
    expect(limiter.check('10.0.0.1', T0 + 2_000)).toEqual({ limited: false });
    expect(limiter.recordFailure('10.0.0.1', T0 + 2_000)).toEqual({
      limited: true,
      retryAfterMs: 60_000,
    });
    expect(limiter.check('10.0.0.1', T0 + 32_000)).toEqual({ limited: true, retryAfterMs: 30_000 });
    expect(limiter.check('10.0.0.2', T0 + 32_000)).toEqual({ limited: false });
    expect(limiter.check('10.0.0.1', T0 + 62_000)).toEqual({ limited: false });
    // A fresh start: one failure after the lockout does not lock again.
    expect(limiter.recordFailure('10.0.0.1', T0 + 62_000)).toEqual({ limited: false });
    expect(limiter.check('10.0.0.1', T0 + 62_001)).toEqual({ limited: false });
  });

  it('forgets failures older than the window', () => {
    const limiter = new AuthFailureLimiter({ maxFailures: 3, windowMs: 60_000 });
    limiter.recordFailure('c', T0);
    limiter.recordFailure('c', T0 + 10_000);
    // The first failure has left the window: this is the second within it, not the third.
    expect(limiter.recordFailure('c', T0 + 60_000)).toEqual({ limited: false });
    expect(limiter.recordFailure('c', T0 + 60_001)).toMatchObject({ limited: true });
  });

  it('does not extend a lockout with the refused attempts', () => {
    const limiter = new AuthFailureLimiter({ maxFailures: 1, windowMs: 10_000 });
    limiter.recordFailure('c', T0);
    expect(limiter.recordFailure('c', T0 + 9_000)).toEqual({ limited: true, retryAfterMs: 1_000 });
    expect(limiter.check('c', T0 + 10_000)).toEqual({ limited: false });
  });

  it('uses 10 failures in 60 s by default', () => {
    const limiter = new AuthFailureLimiter();
    for (let i = 0; i < 9; i++)
      expect(limiter.recordFailure('c', T0 + i)).toMatchObject({ limited: false });
    expect(limiter.recordFailure('c', T0 + 9)).toEqual({ limited: true, retryAfterMs: 60_000 });
  });

  it('keeps at most maxClients entries, dropping stale ones first, then the oldest', () => {
    const limiter = new AuthFailureLimiter({ maxFailures: 2, windowMs: 60_000, maxClients: 3 });
    limiter.recordFailure('old', T0);
    limiter.recordFailure('recent', T0 + 50_000);
    limiter.recordFailure('later', T0 + 55_000);
    expect(limiter.size).toBe(3);
    // 'old' failed outside the window: it goes, and the others keep their counts.
    limiter.recordFailure('new', T0 + 61_000);
    expect(limiter.size).toBe(3);
    expect(limiter.recordFailure('recent', T0 + 61_001)).toMatchObject({ limited: true });
    expect(limiter.recordFailure('old', T0 + 61_002)).toMatchObject({ limited: false });
    const busy = new AuthFailureLimiter({ maxFailures: 2, windowMs: 60_000, maxClients: 3 });
    busy.recordFailure('a', T0);
    busy.recordFailure('a', T0 + 1); // locked
    busy.recordFailure('b', T0 + 2);
    busy.recordFailure('c', T0 + 3);
    busy.recordFailure('d', T0 + 4); // all active: 'a' (the oldest failure) is forgotten
    expect(busy.size).toBe(3);
    expect(busy.check('a', T0 + 5)).toEqual({ limited: false });
    for (let i = 0; i < 1000; i++) busy.recordFailure(`client-${i}`, T0 + 10 + i);
    expect(busy.size).toBe(3);
  });
});
