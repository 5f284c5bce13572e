export { openMetricsStore, SqliteMetricsStore, type MetricsStoreOptions } from './metrics-store.js';
export { planTiers, finestTierCovering, pickTier, type Tier, type TierName } from './tiers.js';
