/**
 * The store keeps three tiers of the same series: every tick (raw), 1-minute and 1-hour buckets.
 * Finer tiers keep less history, so a query reads the finest tier that still reaches back to its
 * `from`. These functions are pure: time is an argument.
 */
import type { RangeQuery } from '../types.js';

export type TierName = 'raw' | '1m' | '1h';

export interface Tier {
  /** Also the suffix of the tier's tables: `instance_raw`, `host_1m`... */
  name: TierName;
  resolutionMs: number;
  retentionMs: number;
}

export const MINUTE_MS = 60_000;
export const HOUR_MS = 3_600_000;
const RAW_KEEPS_MS = HOUR_MS;
const MINUTE_TIER_KEEPS_MS = 48 * HOUR_MS;

/**
 * The tiers, finest first: raw keeps min(1 h, retention), 1 min keeps min(48 h, retention), 1 h
 * keeps the whole retention. `rawResolutionMs` is the sampling interval.
 */
export function planTiers(retentionMs: number, rawResolutionMs: number): readonly Tier[] {
  return [
    {
      name: 'raw',
      resolutionMs: rawResolutionMs,
      retentionMs: Math.min(RAW_KEEPS_MS, retentionMs),
    },
    {
      name: '1m',
      resolutionMs: MINUTE_MS,
      retentionMs: Math.min(MINUTE_TIER_KEEPS_MS, retentionMs),
    },
    { name: '1h', resolutionMs: HOUR_MS, retentionMs },
  ];
}

function covers(tier: Tier, from: number, now: number): boolean {
  return from >= now - tier.retentionMs;
}

/** The finest tier whose retention reaches back to `from`; the coarsest when none does. */
export function finestTierCovering(tiers: readonly Tier[], from: number, now: number): Tier {
  const coarsest = tiers[tiers.length - 1]!;
  return tiers.find((tier) => covers(tier, from, now)) ?? coarsest;
}

/**
 * The tier a range query reads. The rule "the finest tier that reaches back to `from` and is no
 * coarser than the step, else the finest covering tier" always lands on the finest covering
 * tier: tiers that keep longer are coarser, so the finest covering tier is also the one with the
 * smallest resolution. Finest also matters because only the finer tiers already hold the bucket
 * still accumulating in memory (the current minute or hour).
 */
export function pickTier(tiers: readonly Tier[], range: RangeQuery, now: number): Tier {
  return finestTierCovering(tiers, range.from, now);
}
