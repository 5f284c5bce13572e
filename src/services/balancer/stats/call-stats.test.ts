import { describe, expect, it } from 'vitest';
import type { CallOutcome } from '../types.js';
import { CallStats } from './call-stats.js';

const outcome = (
  grpcStatus: number,
  durationMs = 1,
  more: Partial<CallOutcome> = {},
): CallOutcome => ({
  grpcStatus,
  durationMs,
  connectFailed: false,
  cancelledByClient: false,
  ...more,
});

describe('CallStats', () => {
  it('starts empty', () => {
    expect(new CallStats().snapshot()).toMatchObject({
      requests: 0,
      inFlight: 0,
      errors: 0,
      byStatus: {},
      latency: { count: 0, sumMs: 0, p50Ms: 0, p90Ms: 0, p99Ms: 0 },
    });
  });

  it('counts calls when they start and statuses and latency when they finish', () => {
    const stats = new CallStats();
    for (let i = 0; i < 5; i++) stats.start();
    expect(stats.snapshot()).toMatchObject({ requests: 5, inFlight: 5, errors: 0 });
    expect(stats.requests).toBe(5);
    expect(stats.inFlight).toBe(5);
    stats.finish(outcome(0, 2));
    stats.finish(outcome(0, 2));
    stats.finish(outcome(14, 30));
    stats.finish(outcome(1, 400, { cancelledByClient: true }));
    const snapshot = stats.snapshot();
    expect(snapshot).toMatchObject({
      requests: 5,
      inFlight: 1,
      errors: 2,
      byStatus: { OK: 2, UNAVAILABLE: 1, CANCELLED: 1 },
    });
    expect(Object.keys(snapshot.byStatus).sort()).toEqual(['CANCELLED', 'OK', 'UNAVAILABLE']);
    expect(stats.errors).toBe(2);
    expect(snapshot.latency.count).toBe(4);
    expect(snapshot.latency.sumMs).toBe(434);
    expect(snapshot.latency.boundsMs).toHaveLength(15);
    expect(snapshot.latency.counts.reduce((a, b) => a + b, 0)).toBe(4);
    expect(snapshot.latency.p50Ms).toBeGreaterThanOrEqual(2);
    expect(snapshot.latency.p50Ms).toBeLessThanOrEqual(2.5);
    expect(snapshot.latency.p99Ms).toBeGreaterThan(250);
    expect(snapshot.latency.p99Ms).toBeLessThanOrEqual(400);
    expect(snapshot.latency.p90Ms).toBeLessThanOrEqual(snapshot.latency.p99Ms);
  });

  it('files a status outside the spec under UNKNOWN', () => {
    const stats = new CallStats();
    stats.start();
    stats.finish(outcome(42));
    expect(stats.snapshot()).toMatchObject({ errors: 1, byStatus: { UNKNOWN: 1 } });
  });

  it('never lets in-flight go below zero', () => {
    const stats = new CallStats();
    stats.finish(outcome(0));
    expect(stats.inFlight).toBe(0);
    stats.start();
    expect(stats.inFlight).toBe(1);
  });

  it('a snapshot does not change afterwards', () => {
    const stats = new CallStats();
    stats.start();
    stats.finish(outcome(0));
    const before = stats.snapshot();
    stats.start();
    stats.finish(outcome(13));
    expect(before).toMatchObject({ requests: 1, errors: 0, byStatus: { OK: 1 } });
    expect(before.latency.count).toBe(1);
  });
});
