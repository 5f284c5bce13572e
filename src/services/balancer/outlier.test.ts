import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  DEFAULT_OUTLIER_POLICY,
  FRESH_OUTLIER_STATE,
  isEjected,
  nextEjectionMs,
  recordOutcome,
  type OutlierPolicy,
  type OutlierState,
} from './outlier.js';

const POLICY: OutlierPolicy = {
  consecutiveUnavailable: 3,
  baseEjectionMs: 1000,
  maxEjectionMs: 10_000,
};
const ok = { grpcStatus: 0, connectFailed: false, cancelledByClient: false };
const unavailable = { grpcStatus: 14, connectFailed: false, cancelledByClient: false };
const refused = { grpcStatus: 14, connectFailed: true, cancelledByClient: false };
const cancelled = { grpcStatus: 1, connectFailed: false, cancelledByClient: true };
const notFound = { grpcStatus: 5, connectFailed: false, cancelledByClient: false };

type Outcome = typeof ok;
const replay = (outcomes: Outcome[], now: number, state: OutlierState = FRESH_OUTLIER_STATE) =>
  outcomes.reduce((s, outcome) => recordOutcome(s, outcome, now, POLICY), state);

describe('passive outlier detection', () => {
  it('has the documented defaults and a fresh state that is not ejected', () => {
    expect(DEFAULT_OUTLIER_POLICY).toEqual({
      consecutiveUnavailable: 5,
      baseEjectionMs: 10_000,
      maxEjectionMs: 300_000,
    });
    expect(FRESH_OUTLIER_STATE).toEqual({
      consecutive: 0,
      ejections: 0,
      ejectedUntil: 0,
      lastEjectedAt: 0,
    });
    expect(isEjected(FRESH_OUTLIER_STATE, 0)).toBe(false);
    expect(isEjected(FRESH_OUTLIER_STATE, 1e12)).toBe(false);
  });

  it('ejects at once on a connection failure, for the base time', () => {
    const state = recordOutcome(FRESH_OUTLIER_STATE, refused, 5000, POLICY);
    expect(state).toEqual({
      consecutive: 0,
      ejections: 1,
      ejectedUntil: 6000,
      lastEjectedAt: 5000,
    });
    expect(isEjected(state, 5000)).toBe(true);
    expect(isEjected(state, 5999)).toBe(true);
    expect(isEjected(state, 6000)).toBe(false);
  });

  it('ejects after N consecutive UNAVAILABLE, not before', () => {
    const two = replay([unavailable, unavailable], 100);
    expect(two.consecutive).toBe(2);
    expect(isEjected(two, 100)).toBe(false);
    const three = recordOutcome(two, unavailable, 100, POLICY);
    expect(isEjected(three, 100)).toBe(true);
    expect(three).toMatchObject({ consecutive: 0, ejections: 1, ejectedUntil: 1100 });
  });

  it('any other status breaks the run; client cancellations do not', () => {
    expect(isEjected(replay([unavailable, unavailable, ok, unavailable, unavailable], 0), 0)).toBe(
      false,
    );
    expect(isEjected(replay([unavailable, notFound, unavailable, unavailable], 0), 0)).toBe(false);
    expect(
      isEjected(replay([unavailable, cancelled, unavailable, cancelled, unavailable], 0), 0),
    ).toBe(true);
  });

  it('ignores client cancellations entirely, and returns the same state when nothing changes', () => {
    const state = replay([unavailable], 0);
    expect(recordOutcome(state, cancelled, 0, POLICY)).toBe(state);
    expect(recordOutcome(FRESH_OUTLIER_STATE, ok, 0, POLICY)).toBe(FRESH_OUTLIER_STATE);
  });

  it('a connection failure counts even if the client had gone away', () => {
    const both = { ...refused, cancelledByClient: true };
    expect(isEjected(recordOutcome(FRESH_OUTLIER_STATE, both, 0, POLICY), 0)).toBe(true);
  });

  it('doubles the ejection each time in a row, capped at the maximum', () => {
    let state = FRESH_OUTLIER_STATE;
    let now = 0;
    const lengths: number[] = [];
    for (let i = 0; i < 7; i++) {
      expect(nextEjectionMs(state, now, POLICY)).toBe(Math.min(1000 * 2 ** i, 10_000));
      state = recordOutcome(state, refused, now, POLICY);
      lengths.push(state.ejectedUntil - now);
      now = state.ejectedUntil + 500; // back for a while, then fails again
    }
    expect(lengths).toEqual([1000, 2000, 4000, 8000, 10_000, 10_000, 10_000]);
  });

  it('starts over from the base once back for the maximum ejection time', () => {
    let state = replay([refused], 0); // until 1000
    state = recordOutcome(state, refused, 2000, POLICY); // 2000 → 4000, ejections 2
    expect(state.ejectedUntil).toBe(4000);
    // Back at 4000; failing again just before 14 000 still doubles...
    expect(recordOutcome(state, refused, 13_999, POLICY).ejectedUntil).toBe(13_999 + 4000);
    // ...from 14 000 on (10 s without an ejection) it is the base again.
    const later = recordOutcome(state, refused, 14_000, POLICY);
    expect(later).toMatchObject({ ejections: 1, ejectedUntil: 15_000, lastEjectedAt: 14_000 });
  });

  it('a capped ejection does not reset the count by itself lasting long', () => {
    const policy: OutlierPolicy = {
      consecutiveUnavailable: 1,
      baseEjectionMs: 1000,
      maxEjectionMs: 4000,
    };
    let state = FRESH_OUTLIER_STATE;
    let now = 0;
    for (let i = 0; i < 4; i++) {
      state = recordOutcome(state, refused, now, policy);
      now = state.ejectedUntil;
    }
    // Ejected for 4000 (the max) and failing the moment it is back: still 4000, not the base.
    expect(recordOutcome(state, refused, now, policy).ejectedUntil - now).toBe(4000);
  });

  it('outcomes of calls still in flight when it was ejected change nothing', () => {
    const ejected = replay([refused], 0);
    expect(recordOutcome(ejected, refused, 10, POLICY)).toBe(ejected);
    expect(recordOutcome(ejected, unavailable, 10, POLICY)).toBe(ejected);
    expect(recordOutcome(ejected, ok, 10, POLICY)).toBe(ejected);
  });

  it('never mutates the state it is given', () => {
    const state = Object.freeze({
      consecutive: 2,
      ejections: 1,
      ejectedUntil: 0,
      lastEjectedAt: 0,
    });
    recordOutcome(state, unavailable, 5, POLICY);
    recordOutcome(state, ok, 5, POLICY);
    recordOutcome(state, refused, 5, POLICY);
    expect(state).toEqual({ consecutive: 2, ejections: 1, ejectedUntil: 0, lastEjectedAt: 0 });
  });

  it('properties: an ejection lasts base..max, and ejects only on a failure', () => {
    const outcomeArb = fc.constantFrom(ok, unavailable, refused, cancelled, notFound);
    fc.assert(
      fc.property(fc.array(fc.tuple(outcomeArb, fc.nat(3000)), { maxLength: 60 }), (steps) => {
        let state = FRESH_OUTLIER_STATE;
        let now = 0;
        for (const [outcome, gap] of steps) {
          now += gap;
          const before = state;
          state = recordOutcome(state, outcome, now, POLICY);
          if (!isEjected(before, now) && isEjected(state, now)) {
            expect(outcome.connectFailed || outcome.grpcStatus === 14).toBe(true);
            const length = state.ejectedUntil - now;
            expect(length).toBeGreaterThanOrEqual(POLICY.baseEjectionMs);
            expect(length).toBeLessThanOrEqual(POLICY.maxEjectionMs);
          }
          expect(state.consecutive).toBeLessThan(POLICY.consecutiveUnavailable);
        }
      }),
    );
  });
});
