/**
 * The daemon's own figures, so users can see the manager is not the next leaking daemon. They
 * come from the sampler's tick (the same numbers the API and the store show); prom-client's
 * default process_* and nodejs_* families, when enabled, sit beside them.
 */
import type { Registry } from 'prom-client';
import type { DaemonSample } from '../types.js';
import { registerScalarGauges, type ScalarGaugeSpec } from './scalar-gauge.js';
import type { ScrapeSnapshot } from './scrape-snapshot.js';

function daemon(read: (daemon: DaemonSample) => number | null): ScalarGaugeSpec['read'] {
  return (snapshot) => (snapshot.daemon === undefined ? null : read(snapshot.daemon));
}

const DAEMON_GAUGES: readonly ScalarGaugeSpec[] = [
  {
    name: 'gowinproc_daemon_cpu_percent',
    help: 'CPU use of the daemon, percent of ONE core, over the last interval. Absent at first.',
    read: daemon((d) => d.cpuPercent),
  },
  {
    name: 'gowinproc_daemon_memory_rss_bytes',
    help: 'Resident memory of the daemon, bytes.',
    read: daemon((d) => d.rssBytes),
  },
  {
    name: 'gowinproc_daemon_heap_used_bytes',
    help: 'V8 heap in use by the daemon, bytes.',
    read: daemon((d) => d.heapUsedBytes),
  },
  {
    name: 'gowinproc_daemon_event_loop_lag_seconds',
    help: 'Event-loop lag of the daemon: how late its last sampling timer fired, seconds.',
    read: daemon((d) => d.eventLoopLagMs / 1000),
  },
  {
    name: 'gowinproc_daemon_event_loop_utilization',
    help: "Share of the last interval the daemon's event loop was busy, 0-1.",
    read: daemon((d) => d.eventLoopUtilization),
  },
  {
    name: 'gowinproc_daemon_active_handles',
    help: 'Active handles and requests of the daemon (timers, sockets, child processes, files).',
    read: daemon((d) => d.handles),
  },
  {
    name: 'gowinproc_metrics_tick_seconds',
    help: 'Duration of the last sampling tick (read every instance and the host, store), seconds.',
    read: daemon((d) => d.tickMs / 1000),
  },
];

export function registerDaemonMetrics(registry: Registry, current: () => ScrapeSnapshot): void {
  registerScalarGauges(registry, current, DAEMON_GAUGES);
}
