/**
 * What the Prometheus exporter reads at each scrape. The metrics service implements it; nothing
 * here imports prom-client, so the service may import these types eagerly.
 */
import type { InstanceStatus } from '../../../core/index.js';
import type { MetricsTick } from '../types.js';

/** One instance as the supervisor sees it now, whether or not a process runs. */
export interface PrometheusInstance {
  process: string;
  index: number;
  status: InstanceStatus;
  /** The pid of the OS process the instance runs now; null when none runs. */
  pid: number | null;
  restarts: number;
  /** Null when no process runs. */
  uptimeSeconds: number | null;
}

export interface PrometheusSource {
  /**
   * The latest sampling tick, or undefined when there is none yet (or the service judges the last
   * one too old to show: the exporter publishes whatever it gets as current).
   */
  tick(): MetricsTick | undefined;
  /**
   * Every instance that exists now. It decides which instances have series: one that is gone
   * from here has none, even if the last tick still holds a sample of it.
   */
  instances(): readonly PrometheusInstance[];
  /** The data directory, whose volume the host disk total/free figures describe. */
  dataDir: string;
}
