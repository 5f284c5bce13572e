import { describe, expect, it } from 'vitest';
import {
  INITIAL_HEALTH,
  judgeHealth,
  nextProbeDelay,
  STARTUP_PROBE_INTERVAL_MS,
  timeUntilPresumedHealthy,
  type HealthPolicy,
  type HealthTracker,
} from './verdict.js';

const POLICY: HealthPolicy = { retries: 3, startPeriod: 5000, interval: 2000 };
const STARTED = 1_000_000;

/** Feeds probe results (ok, at) through judgeHealth; returns every verdict. */
function feed(results: Array<[boolean, number]>, policy = POLICY, tracker = INITIAL_HEALTH) {
  const verdicts = [];
  let current: HealthTracker = tracker;
  for (const [ok, at] of results) {
    const verdict = judgeHealth(current, { ok, at: STARTED + at }, policy, STARTED);
    verdicts.push(verdict);
    current = verdict.tracker;
  }
  return verdicts;
}

describe('judgeHealth', () => {
  it('starts pending', () => {
    expect(INITIAL_HEALTH).toEqual({
      status: 'pending',
      consecutiveFailures: 0,
      everHealthy: false,
    });
  });

  it('a success makes a pending instance healthy at once', () => {
    const [verdict] = feed([[true, 100]]);
    expect(verdict).toEqual({
      tracker: { status: 'healthy', consecutiveFailures: 0, everHealthy: true },
      changed: 'healthy',
      counted: false,
    });
  });

  it('a success while healthy changes nothing', () => {
    const [, second] = feed([
      [true, 100],
      [true, 2100],
    ]);
    expect(second).toMatchObject({ tracker: { status: 'healthy' }, changed: undefined });
  });

  it('failures within start_period do not count before the first success', () => {
    const verdicts = feed([
      [false, 0],
      [false, 1000],
      [false, 4999],
    ]);
    for (const verdict of verdicts) {
      expect(verdict).toEqual({ tracker: INITIAL_HEALTH, counted: false });
    }
  });

  it('after start_period, retries consecutive failures make it unhealthy', () => {
    const verdicts = feed([
      [false, 5000],
      [false, 7000],
      [false, 9000],
      [false, 11_000],
    ]);
    expect(
      verdicts.map((v) => [v.tracker.status, v.tracker.consecutiveFailures, v.changed, v.counted]),
    ).toEqual([
      ['pending', 1, undefined, true],
      ['pending', 2, undefined, true],
      ['unhealthy', 3, 'unhealthy', true],
      ['unhealthy', 4, undefined, true],
    ]);
  });

  it('once healthy, failures count even within start_period', () => {
    const verdicts = feed([
      [true, 100],
      [false, 200],
      [false, 300],
      [false, 400],
    ]);
    expect(verdicts.map((v) => v.tracker.status)).toEqual([
      'healthy',
      'healthy',
      'healthy',
      'unhealthy',
    ]);
    expect(verdicts.slice(1).every((v) => v.counted)).toBe(true);
    expect(verdicts[3]!.changed).toBe('unhealthy');
  });

  it('a success resets the failure count, so failures must be consecutive', () => {
    const verdicts = feed([
      [true, 0],
      [false, 2000],
      [false, 4000],
      [true, 6000],
      [false, 8000],
      [false, 10_000],
    ]);
    expect(verdicts.map((v) => v.tracker.status)).toEqual([
      'healthy',
      'healthy',
      'healthy',
      'healthy',
      'healthy',
      'healthy',
    ]);
    expect(verdicts.at(-1)!.tracker.consecutiveFailures).toBe(2);
  });

  it('an unhealthy instance that passes again is healthy', () => {
    const verdicts = feed([
      [true, 0],
      [false, 1],
      [false, 2],
      [false, 3],
      [true, 4],
    ]);
    expect(verdicts.at(-1)).toMatchObject({
      tracker: { status: 'healthy', consecutiveFailures: 0, everHealthy: true },
      changed: 'healthy',
    });
  });

  it('retries 1 makes the first counted failure unhealthy', () => {
    const [verdict] = feed([[false, 6000]], { ...POLICY, retries: 1 });
    expect(verdict).toMatchObject({ tracker: { status: 'unhealthy' }, changed: 'unhealthy' });
  });

  it('does not mutate the tracker it is given', () => {
    const tracker: HealthTracker = { status: 'healthy', consecutiveFailures: 1, everHealthy: true };
    judgeHealth(tracker, { ok: false, at: STARTED }, POLICY, STARTED);
    judgeHealth(tracker, { ok: true, at: STARTED }, POLICY, STARTED);
    expect(tracker).toEqual({ status: 'healthy', consecutiveFailures: 1, everHealthy: true });
  });
});

describe('nextProbeDelay', () => {
  it('probes quickly while starting up', () => {
    expect(nextProbeDelay(INITIAL_HEALTH, POLICY, STARTED, STARTED + 100)).toBe(
      STARTUP_PROBE_INTERVAL_MS,
    );
  });

  it('never probes faster than the interval while starting up', () => {
    const fast = { ...POLICY, interval: 50 };
    expect(nextProbeDelay(INITIAL_HEALTH, fast, STARTED, STARTED)).toBe(50);
  });

  it('uses the interval once start_period is over', () => {
    expect(nextProbeDelay(INITIAL_HEALTH, POLICY, STARTED, STARTED + 5000)).toBe(2000);
  });

  it('uses the interval once it has been healthy, even within start_period', () => {
    const healthy: HealthTracker = { status: 'healthy', consecutiveFailures: 0, everHealthy: true };
    expect(nextProbeDelay(healthy, POLICY, STARTED, STARTED + 100)).toBe(2000);
  });
});

describe('timeUntilPresumedHealthy', () => {
  it('is the rest of start_period, then 0', () => {
    expect(timeUntilPresumedHealthy(STARTED, STARTED, 5000)).toBe(5000);
    expect(timeUntilPresumedHealthy(STARTED, STARTED + 1500, 5000)).toBe(3500);
    expect(timeUntilPresumedHealthy(STARTED, STARTED + 5000, 5000)).toBe(0);
    expect(timeUntilPresumedHealthy(STARTED, STARTED + 9000, 5000)).toBe(0);
    expect(timeUntilPresumedHealthy(STARTED, STARTED, 0)).toBe(0);
  });
});
