import { describe, expect, it } from 'vitest';
import { finestTierCovering, HOUR_MS, MINUTE_MS, pickTier, planTiers } from './tiers.js';

const DAY_MS = 24 * HOUR_MS;
const NOW = Date.UTC(2026, 0, 10);
const tiers = planTiers(7 * DAY_MS, 1000);

describe('planTiers', () => {
  it('keeps raw for 1 h, 1 min for 48 h and 1 h for the whole retention', () => {
    expect(tiers).toEqual([
      { name: 'raw', resolutionMs: 1000, retentionMs: HOUR_MS },
      { name: '1m', resolutionMs: MINUTE_MS, retentionMs: 48 * HOUR_MS },
      { name: '1h', resolutionMs: HOUR_MS, retentionMs: 7 * DAY_MS },
    ]);
  });

  it('caps every tier at a retention shorter than its own span', () => {
    expect(planTiers(30 * MINUTE_MS, 2000).map((tier) => tier.retentionMs)).toEqual([
      30 * MINUTE_MS,
      30 * MINUTE_MS,
      30 * MINUTE_MS,
    ]);
    expect(planTiers(30 * MINUTE_MS, 2000)[0]!.resolutionMs).toBe(2000);
  });
});

describe('pickTier', () => {
  const range = (spanMs: number, stepMs: number) => ({ from: NOW - spanMs, to: NOW, stepMs });

  it.each([
    ['5 min', 5 * MINUTE_MS, 1000, 'raw'],
    ['1 h', HOUR_MS, 10_000, 'raw'],
    ['24 h', DAY_MS, MINUTE_MS, '1m'],
    ['7 d', 7 * DAY_MS, HOUR_MS, '1h'],
    ['30 d (beyond retention)', 30 * DAY_MS, DAY_MS, '1h'],
  ])('reads %s from the %s-tier', (_label, spanMs, stepMs, tier) => {
    expect(pickTier(tiers, range(spanMs, stepMs), NOW).name).toBe(tier);
  });

  it('prefers the finest covering tier whatever the step', () => {
    expect(pickTier(tiers, range(5 * MINUTE_MS, HOUR_MS), NOW).name).toBe('raw');
    expect(pickTier(tiers, range(DAY_MS, 1000), NOW).name).toBe('1m');
  });

  it('moves to the next tier one millisecond past a retention', () => {
    expect(pickTier(tiers, range(HOUR_MS + 1, 1000), NOW).name).toBe('1m');
    expect(pickTier(tiers, range(48 * HOUR_MS + 1, 1000), NOW).name).toBe('1h');
  });
});

describe('finestTierCovering (resolutionFor)', () => {
  it('gives the resolution of the history that reaches back to from', () => {
    expect(finestTierCovering(tiers, NOW - MINUTE_MS, NOW).resolutionMs).toBe(1000);
    expect(finestTierCovering(tiers, NOW - 2 * HOUR_MS, NOW).resolutionMs).toBe(MINUTE_MS);
    expect(finestTierCovering(tiers, NOW - 3 * DAY_MS, NOW).resolutionMs).toBe(HOUR_MS);
    expect(finestTierCovering(tiers, NOW - 90 * DAY_MS, NOW).resolutionMs).toBe(HOUR_MS);
  });
});
