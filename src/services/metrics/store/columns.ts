/**
 * The stored fields, one list per kind of row. The tables, the insert statements, the rollup
 * accumulators and the query aggregates are all derived from these lists, so they cannot drift
 * apart. Every value is stored as REAL: SQLite writes integral REALs as compact integers.
 */
import type { MetricsTick, InstanceSample } from '../types.js';

export interface Column<S> {
  /** SQL column name; a rollup tier also has `<name>_max` when `keepsMax`. */
  name: string;
  read(sample: S): number | null;
  keepsMax: boolean;
}

export const INSTANCE_COLUMNS: readonly Column<InstanceSample>[] = [
  { name: 'cpu', read: (s) => s.cpuPercent, keepsMax: true },
  { name: 'rss', read: (s) => s.rssBytes, keepsMax: true },
  { name: 'disk_read', read: (s) => s.diskReadBps, keepsMax: false },
  { name: 'disk_write', read: (s) => s.diskWriteBps, keepsMax: false },
  { name: 'handles', read: (s) => s.handles, keepsMax: false },
  { name: 'threads', read: (s) => s.threads, keepsMax: false },
];

/** One host row per tick: the host's figures and the daemon's own (HostPoint's fields). */
export const HOST_COLUMNS: readonly Column<MetricsTick>[] = [
  { name: 'cpu', read: (t) => t.host.cpuPercent, keepsMax: true },
  { name: 'load1', read: (t) => t.host.load1, keepsMax: false },
  { name: 'mem_used', read: (t) => t.host.memoryUsedBytes, keepsMax: true },
  { name: 'mem_total', read: (t) => t.host.memoryTotalBytes, keepsMax: false },
  { name: 'disk_read', read: (t) => t.host.diskReadBps, keepsMax: false },
  { name: 'disk_write', read: (t) => t.host.diskWriteBps, keepsMax: false },
  { name: 'disk_free', read: (t) => t.host.diskFreeBytes, keepsMax: false },
  { name: 'disk_total', read: (t) => t.host.diskTotalBytes, keepsMax: false },
  { name: 'net_rx', read: (t) => t.host.networkRxBps, keepsMax: false },
  { name: 'net_tx', read: (t) => t.host.networkTxBps, keepsMax: false },
  { name: 'daemon_cpu', read: (t) => t.daemon.cpuPercent, keepsMax: false },
  { name: 'daemon_rss', read: (t) => t.daemon.rssBytes, keepsMax: false },
  { name: 'daemon_lag', read: (t) => t.daemon.eventLoopLagMs, keepsMax: false },
];

/** The value columns of a table of this tier, in table order. */
export function storedColumnNames<S>(columns: readonly Column<S>[], isRollup: boolean): string[] {
  return columns.flatMap((column) =>
    isRollup && column.keepsMax ? [column.name, `${column.name}_max`] : [column.name],
  );
}

/** NaN and infinities would be stored as NULL or break averages: they are "not measured". */
export function finiteOrNull(value: number | null | undefined): number | null {
  return typeof value === 'number' && Number.isFinite(value) ? value : null;
}
