/** Metrics: per-instance and host sampling, the SQLite history, the Prometheus text. */
export { MetricsService, type MetricsServiceOptions } from './metrics-service.js';
export { findMemoryLimitBreaches, type MemoryLimitBreach } from './memory-limit.js';
export type * from './types.js';
