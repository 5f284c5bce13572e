/**
 * `GET /metrics` in the Prometheus text format, on a registry of our own (never prom-client's
 * global one). Nothing is kept between scrapes: every family is filled from the source when it is
 * collected, so the output is always the latest tick and the instances that exist now.
 *
 * Load this lazily (`await import()` of the door at the first scrape): prom-client costs ~30 ms
 * and ~10 MB of RSS to load, which a daemon nobody scrapes should not pay.
 */
import { collectDefaultMetrics, Registry } from 'prom-client';
import { registerDaemonMetrics } from './daemon-metrics.js';
import { registerHostMetrics } from './host-metrics.js';
import { registerInstanceMetrics } from './instance-metrics.js';
import { takeSnapshot, type ScrapeSnapshot } from './scrape-snapshot.js';
import type { PrometheusSource } from './source.js';

export interface PrometheusExporterOptions {
  /**
   * Also expose prom-client's process_* and nodejs_* families (default true). Between scrapes
   * they run only the event-loop delay monitor (a repeating unref'd timer) and a GC observer;
   * the rest is read at scrape time. Enable them once per process: the monitor cannot be stopped.
   */
  defaultMetrics?: boolean;
  /**
   * The delay monitor's period, ms. Default 1000: each wake-up costs ~40 us here, so prom-client's
   * own 10 ms costs ~0.26 % of a core when idle, 100 ms ~0.04 %, 1000 ms ~0.006 % (the budget is
   * 1 % for the whole daemon). The precise figure is gowinproc_daemon_event_loop_lag_seconds
   * (the sampler's own monitor); nodejs_eventloop_lag_* is a coarse second opinion.
   */
  eventLoopMonitoringPrecisionMs?: number;
}

export interface PrometheusExporter {
  /** The Content-Type of `render()`'s text (exposition format 0.0.4). */
  readonly contentType: string;
  render(): Promise<string>;
  /**
   * The exporter's registry, for families other parts add later (e.g. the load balancer): give
   * it in a metric's `registers` and it appears in `render()`.
   */
  readonly registry: Registry;
}

export function createPrometheusExporter(
  source: PrometheusSource,
  options: PrometheusExporterOptions = {},
): PrometheusExporter {
  const registry = new Registry();

  // One snapshot per scrape: prom-client calls every family's collect in the same synchronous
  // pass, so the snapshot taken by the first is dropped before anything else runs.
  let snapshot: ScrapeSnapshot | undefined;
  const current = (): ScrapeSnapshot => {
    if (snapshot === undefined) {
      snapshot = takeSnapshot(source);
      queueMicrotask(() => {
        snapshot = undefined;
      });
    }
    return snapshot;
  };

  registerInstanceMetrics(registry, current);
  registerHostMetrics(registry, current);
  registerDaemonMetrics(registry, current);
  if (options.defaultMetrics ?? true) {
    collectDefaultMetrics({
      register: registry,
      eventLoopMonitoringPrecision: options.eventLoopMonitoringPrecisionMs ?? 1000,
    });
  }

  return {
    contentType: registry.contentType,
    render: () => registry.metrics(),
    registry,
  };
}
