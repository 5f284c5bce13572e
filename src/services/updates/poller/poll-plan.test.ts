import { describe, expect, it } from 'vitest';
import {
  dueAt,
  newSchedule,
  nextCheckAt,
  pollPlan,
  scheduleAfterCheck,
  type TargetSchedule,
} from './poll-plan.js';
import type { PollTarget } from './types.js';

const T0 = 1_800_000_000_000;
const MINUTE = 60_000;

function target(
  process: string,
  intervalMs = 5 * MINUTE,
  repository = `owner/${process}`,
): PollTarget {
  return { process, repository, intervalMs, allowPrerelease: false };
}

describe('nextCheckAt', () => {
  it('checks one interval after a success', () => {
    expect(nextCheckAt(T0, 5 * MINUTE, undefined, 0)).toBe(T0 + 5 * MINUTE);
  });

  it('backs off from 30 s, doubling per error in a row, up to the interval', () => {
    const waits = [1, 2, 3, 4, 5, 6, 40].map(
      (streak) => nextCheckAt(T0, 5 * MINUTE, { code: 'github_unavailable' }, streak) - T0,
    );
    expect(waits).toEqual([30_000, 60_000, 120_000, 240_000, 300_000, 300_000, 300_000]);
  });

  it('never waits longer than a short interval', () => {
    expect(nextCheckAt(T0, 10_000, { code: 'download_failed' }, 1)).toBe(T0 + 10_000);
  });

  it('waits for a rate limit until its reset, even beyond the interval', () => {
    const resetAt = T0 + 45 * MINUTE;
    expect(nextCheckAt(T0, 5 * MINUTE, { code: 'github_rate_limited', resetAt }, 1)).toBe(resetAt);
  });

  it('backs off normally from a rate limit without a reset time or with one in the past', () => {
    expect(nextCheckAt(T0, 5 * MINUTE, { code: 'github_rate_limited' }, 2)).toBe(T0 + 60_000);
    expect(nextCheckAt(T0, 5 * MINUTE, { code: 'github_rate_limited', resetAt: T0 - 1 }, 1)).toBe(
      T0 + 30_000,
    );
  });

  it('ignores a reset time on other errors', () => {
    expect(
      nextCheckAt(T0, 5 * MINUTE, { code: 'github_unavailable', resetAt: T0 + MINUTE * 30 }, 1),
    ).toBe(T0 + 30_000);
  });
});

describe('dueAt and scheduleAfterCheck', () => {
  it('first checks a new target min(interval, 10 s) after it appears', () => {
    expect(dueAt(newSchedule(target('a'), T0), 5 * MINUTE)).toBe(T0 + 10_000);
    expect(dueAt(newSchedule(target('a'), T0), 3000)).toBe(T0 + 3000);
  });

  it('uses the current interval after a success, so a reload applies at once', () => {
    const checked = scheduleAfterCheck(
      newSchedule(target('a'), T0),
      target('a'),
      T0 + 1000,
      undefined,
    );
    expect(dueAt(checked, 5 * MINUTE)).toBe(T0 + 1000 + 5 * MINUTE);
    expect(dueAt(checked, MINUTE)).toBe(T0 + 1000 + MINUTE);
  });

  it('counts errors in a row and a success resets the back-off', () => {
    const t = target('a');
    let schedule: TargetSchedule = newSchedule(t, T0);
    schedule = scheduleAfterCheck(schedule, t, T0, { code: 'github_unavailable' });
    expect([schedule.errorStreak, schedule.retryAt]).toEqual([1, T0 + 30_000]);
    schedule = scheduleAfterCheck(schedule, t, T0 + 30_000, { code: 'github_unavailable' });
    expect([schedule.errorStreak, schedule.retryAt]).toEqual([2, T0 + 90_000]);
    schedule = scheduleAfterCheck(schedule, t, T0 + 90_000, undefined);
    expect(schedule).toMatchObject({
      errorStreak: 0,
      retryAt: undefined,
      lastSuccessAt: T0 + 90_000,
    });
    expect(dueAt(schedule, t.intervalMs)).toBe(T0 + 90_000 + 5 * MINUTE);
    schedule = scheduleAfterCheck(schedule, t, T0 + 400_000, { code: 'github_unavailable' });
    expect(schedule.retryAt).toBe(T0 + 430_000);
  });
});

describe('pollPlan', () => {
  it('adds new targets, removes dropped ones, and picks the due ones not in flight', () => {
    const schedules = new Map<string, TargetSchedule>([
      ['due', newSchedule(target('due'), T0)],
      ['busy', { ...newSchedule(target('busy'), T0), inFlight: true }],
      ['later', newSchedule(target('later', 60_000), T0 + 5000)],
      ['gone', newSchedule(target('gone'), T0)],
    ]);
    const plan = pollPlan(
      [target('due'), target('busy'), target('later', 60_000), target('new')],
      schedules,
      T0 + 10_000,
    );
    expect(plan.due.map((t) => t.process)).toEqual(['due']);
    expect(plan.added.map((t) => t.process)).toEqual(['new']);
    expect(plan.removed).toEqual(['gone']);
  });

  it('starts afresh when a process changes repository, and reads a name once', () => {
    const schedules = new Map([['a', newSchedule(target('a'), T0)]]);
    const moved = target('a', 5 * MINUTE, 'other/repo');
    const plan = pollPlan([moved, target('a')], schedules, T0 + MINUTE);
    expect(plan.added).toEqual([moved]);
    expect(plan.due).toEqual([]);
  });
});
