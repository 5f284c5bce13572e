/**
 * Metrics as the API shows them. Instance figures keep grpc.md's ProcessMetrics names
 * (cpu_usage, memory_usage, disk_read...) with the units it gives; figures the OS does not give
 * here are null (never 0 as if measured). Series points carry averages and, for CPU and memory,
 * maxima over their bucket.
 */
import type {
  DaemonSample,
  HostPoint,
  HostSample,
  InstancePoint,
  InstanceSample,
} from '../services/metrics/index.js';

export interface InstanceMetricsView {
  process_name: string;
  instance_id: string;
  index: number;
  pid: number;
  /** RFC 3339 time of the sample. */
  time: string;
  /** Percent of one core (the instance and its child processes); null on its first sample. */
  cpu_usage: number | null;
  /** Resident memory of the instance and its child processes, bytes. */
  memory_usage: number;
  /** Storage bytes per second. */
  disk_read: number | null;
  disk_write: number | null;
  /** Per-process network bytes per second: not measurable without privileges (null). */
  network_recv: number | null;
  network_sent: number | null;
  /** Seconds since the instance's OS process started. */
  uptime: number;
  handles: number | null;
  threads: number | null;
  /** OS processes in the instance's tree. */
  processes: number;
}

export interface AggregatedMetricsView {
  /** Null while no instance has a CPU figure yet (each one's first sample). */
  total_cpu_usage: number | null;
  total_memory_usage: number;
  total_disk_read: number | null;
  total_disk_write: number | null;
  total_network_recv: number | null;
  total_network_sent: number | null;
  instance_count: number;
}

export interface InstancePointView {
  /** RFC 3339 start of the bucket. */
  time: string;
  index: number;
  cpu_usage: number | null;
  cpu_usage_max: number | null;
  memory_usage: number;
  memory_usage_max: number;
  disk_read: number | null;
  disk_write: number | null;
  handles: number | null;
  threads: number | null;
}

export interface HostMetricsView {
  time: string;
  /** Percent of the whole machine (all cores = 100). */
  cpu_percent: number | null;
  cores: number;
  load1: number | null;
  load5: number | null;
  load15: number | null;
  memory_total: number;
  memory_used: number;
  memory_available: number;
  disk_read: number | null;
  disk_write: number | null;
  /** The volume holding the data directory. */
  disk_total: number | null;
  disk_free: number | null;
  disk_used: number | null;
  network_recv: number | null;
  network_sent: number | null;
}

export interface DaemonMetricsView {
  time: string;
  cpu_percent: number | null;
  memory_rss: number;
  heap_used: number;
  event_loop_lag_ms: number;
  /** Share of the interval the event loop was busy, 0-1. */
  event_loop_utilization: number;
  active_handles: number;
  /** How long the previous sampling tick took, milliseconds. */
  tick_ms: number;
}

export interface HostPointView {
  time: string;
  cpu_percent: number | null;
  cpu_percent_max: number | null;
  load1: number | null;
  memory_used: number;
  memory_used_max: number;
  memory_total: number;
  disk_read: number | null;
  disk_write: number | null;
  disk_free: number | null;
  disk_total: number | null;
  network_recv: number | null;
  network_sent: number | null;
  daemon_cpu_percent: number | null;
  daemon_memory_rss: number;
  daemon_event_loop_lag_ms: number;
}

const iso = (ms: number): string => new Date(ms).toISOString();
const round = (value: number | null): number | null =>
  value === null ? null : Math.round(value * 100) / 100;
const whole = (value: number | null): number | null => (value === null ? null : Math.round(value));

export function instanceMetricsView(sample: InstanceSample): InstanceMetricsView {
  return {
    process_name: sample.process,
    instance_id: sample.instance,
    index: sample.index,
    pid: sample.pid,
    time: iso(sample.at),
    cpu_usage: round(sample.cpuPercent),
    memory_usage: sample.rssBytes,
    disk_read: whole(sample.diskReadBps),
    disk_write: whole(sample.diskWriteBps),
    network_recv: whole(sample.networkRxBps),
    network_sent: whole(sample.networkTxBps),
    uptime: sample.uptimeSeconds,
    handles: sample.handles,
    threads: sample.threads,
    processes: sample.processes,
  };
}

export function aggregate(instances: readonly InstanceMetricsView[]): AggregatedMetricsView {
  const sum = (pick: (v: InstanceMetricsView) => number | null): number | null => {
    const known = instances.map(pick).filter((v): v is number => v !== null);
    return known.length === 0 ? null : known.reduce((a, b) => a + b, 0);
  };
  return {
    total_cpu_usage: round(sum((v) => v.cpu_usage)),
    total_memory_usage: sum((v) => v.memory_usage) ?? 0,
    total_disk_read: sum((v) => v.disk_read),
    total_disk_write: sum((v) => v.disk_write),
    total_network_recv: sum((v) => v.network_recv),
    total_network_sent: sum((v) => v.network_sent),
    instance_count: instances.length,
  };
}

export function instancePointView(point: InstancePoint): InstancePointView {
  return {
    time: iso(point.at),
    index: point.index,
    cpu_usage: round(point.cpuPercent),
    cpu_usage_max: round(point.cpuPercentMax),
    memory_usage: Math.round(point.rssBytes),
    memory_usage_max: Math.round(point.rssBytesMax),
    disk_read: whole(point.diskReadBps),
    disk_write: whole(point.diskWriteBps),
    handles: whole(point.handles),
    threads: whole(point.threads),
  };
}

export function hostMetricsView(sample: HostSample): HostMetricsView {
  return {
    time: iso(sample.at),
    cpu_percent: round(sample.cpuPercent),
    cores: sample.cores,
    load1: round(sample.load1),
    load5: round(sample.load5),
    load15: round(sample.load15),
    memory_total: sample.memoryTotalBytes,
    memory_used: sample.memoryUsedBytes,
    memory_available: sample.memoryAvailableBytes,
    disk_read: whole(sample.diskReadBps),
    disk_write: whole(sample.diskWriteBps),
    disk_total: sample.diskTotalBytes,
    disk_free: sample.diskFreeBytes,
    disk_used:
      sample.diskTotalBytes !== null && sample.diskFreeBytes !== null
        ? sample.diskTotalBytes - sample.diskFreeBytes
        : null,
    network_recv: whole(sample.networkRxBps),
    network_sent: whole(sample.networkTxBps),
  };
}

export function daemonMetricsView(sample: DaemonSample): DaemonMetricsView {
  return {
    time: iso(sample.at),
    cpu_percent: round(sample.cpuPercent),
    memory_rss: sample.rssBytes,
    heap_used: sample.heapUsedBytes,
    event_loop_lag_ms: sample.eventLoopLagMs,
    event_loop_utilization: sample.eventLoopUtilization,
    active_handles: sample.handles,
    tick_ms: sample.tickMs,
  };
}

export function hostPointView(point: HostPoint): HostPointView {
  return {
    time: iso(point.at),
    cpu_percent: round(point.cpuPercent),
    cpu_percent_max: round(point.cpuPercentMax),
    load1: round(point.load1),
    memory_used: Math.round(point.memoryUsedBytes),
    memory_used_max: Math.round(point.memoryUsedBytesMax),
    memory_total: Math.round(point.memoryTotalBytes),
    disk_read: whole(point.diskReadBps),
    disk_write: whole(point.diskWriteBps),
    disk_free: whole(point.diskFreeBytes),
    disk_total: whole(point.diskTotalBytes),
    network_recv: whole(point.networkRxBps),
    network_sent: whole(point.networkTxBps),
    daemon_cpu_percent: round(point.daemonCpuPercent),
    daemon_memory_rss: Math.round(point.daemonRssBytes),
    daemon_event_loop_lag_ms: Math.round(point.daemonEventLoopLagMs * 1000) / 1000,
  };
}
