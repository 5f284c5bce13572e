import { describe, expect, it } from 'vitest';
import {
  registrationRetryDelay,
  STABLE_RUN_MS,
  tunnelRestartDelay,
  type TunnelBackoff,
} from './tunnel-backoff.js';

const BACKOFF: TunnelBackoff = { initialMs: 1000, maxMs: 8000, multiplier: 2 };
const noJitter = (): number => 0.5;

/** `count` short runs ending at `now`. */
const shortRuns = (count: number, now: number) =>
  Array.from({ length: count }, () => ({
    startedAt: now - 10,
    readyAt: now - 10,
    exitedAt: now,
    failed: true,
  }));

describe('tunnelRestartDelay', () => {
  it('grows exponentially up to the cap', () => {
    const delays = [1, 2, 3, 4, 5].map((n) =>
      tunnelRestartDelay(shortRuns(n, 0), BACKOFF, 0, noJitter),
    );
    expect(delays).toEqual([1000, 2000, 4000, 8000, 8000]);
  });

  it('restarts at once after a run that stayed up STABLE_RUN_MS', () => {
    const runs = [
      ...shortRuns(4, 0),
      { startedAt: 0, readyAt: 0, exitedAt: STABLE_RUN_MS, failed: true },
    ];
    expect(tunnelRestartDelay(runs, BACKOFF, STABLE_RUN_MS, noJitter)).toBe(0);
  });

  it('jitters within +-20 %', () => {
    expect(tunnelRestartDelay(shortRuns(2, 0), BACKOFF, 0, () => 0)).toBe(1600);
    expect(tunnelRestartDelay(shortRuns(2, 0), BACKOFF, 0, () => 1)).toBe(2400);
  });
});

describe('registrationRetryDelay', () => {
  it('grows with the failures', () => {
    expect([1, 2, 3, 4].map((n) => registrationRetryDelay(n, BACKOFF, 0, noJitter))).toEqual([
      1000, 2000, 4000, 8000,
    ]);
  });
});
