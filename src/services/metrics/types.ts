/**
 * The shapes the metrics service passes between its parts: what the OS readers return (cumulative
 * counters, per OS), what one tick produces (rates, per instance, host and daemon), and what the
 * store answers (series). Units are in the names: Bytes, Bps (bytes per second), Ms, Percent (of
 * ONE core for processes, of the whole machine for the host). `null` means the OS does not give
 * this figure here; it is never replaced by 0.
 */

/** Cumulative counters of one OS process at one moment, as the OS reports them. */
export interface ProcessCounters {
  pid: number;
  ppid: number;
  /** The OS's start time of this pid, in its own units: with pid it identifies the process. */
  startTime: number;
  /** User + system CPU time since the process started, milliseconds (children's not included). */
  cpuMs: number;
  rssBytes: number;
  /** Bytes the process read from / wrote to storage since it started; null when unknown. */
  readBytes: number | null;
  writeBytes: number | null;
  /** Open file descriptors (POSIX) or handles (Windows); null when unknown. */
  handles: number | null;
  threads: number | null;
}

/** Reads the counters of process trees, batched: one call per tick for every instance. */
export interface ProcessTreeReader {
  /**
   * For each root pid that still exists: its counters first, then those of every descendant
   * (children, grandchildren...). A root that has exited is absent from the map.
   */
  readTrees(roots: readonly number[]): Promise<Map<number, ProcessCounters[]>>;
  /** Releases cached file descriptors or handles. */
  close(): void;
}

/** Cumulative host counters at one moment. */
export interface HostCounters {
  /** CPU time over all cores since boot: busy (not idle/iowait) and total, milliseconds. */
  cpuBusyMs: number;
  cpuTotalMs: number;
  cores: number;
  load1: number | null;
  load5: number | null;
  load15: number | null;
  memoryTotalBytes: number;
  memoryAvailableBytes: number;
  /** Cumulative bytes read/written by the whole disks (partitions not counted twice). */
  diskReadBytes: number | null;
  diskWriteBytes: number | null;
  /** The volume holding the data directory. */
  diskTotalBytes: number | null;
  diskFreeBytes: number | null;
  /** Cumulative bytes over every network interface but loopback. */
  networkRxBytes: number | null;
  networkTxBytes: number | null;
}

export interface HostReader {
  read(): Promise<HostCounters>;
  /** Releases kept file descriptors, where the reader keeps any. */
  close?(): void;
}

/** One instance at one tick (rates over the interval since the previous tick). */
export interface InstanceSample {
  process: string;
  /** The instance id (`api-0`) and its index; the store and Prometheus key series by index. */
  instance: string;
  index: number;
  pid: number;
  /** Unix ms of the reading. */
  at: number;
  /** Percent of one core, over the instance and its descendants; null on its first reading. */
  cpuPercent: number | null;
  /** Sum of the RSS of the instance and its descendants (shared pages count once per process). */
  rssBytes: number;
  diskReadBps: number | null;
  diskWriteBps: number | null;
  /** Per-process network bytes: not available without privileges; always null on Linux. */
  networkRxBps: number | null;
  networkTxBps: number | null;
  handles: number | null;
  threads: number | null;
  /** How many OS processes the instance's tree has (1 when it has no children). */
  processes: number;
  uptimeSeconds: number;
  restarts: number;
}

export interface HostSample {
  at: number;
  /** Percent of the whole machine (all cores = 100). */
  cpuPercent: number | null;
  cores: number;
  load1: number | null;
  load5: number | null;
  load15: number | null;
  memoryTotalBytes: number;
  memoryUsedBytes: number;
  memoryAvailableBytes: number;
  diskReadBps: number | null;
  diskWriteBps: number | null;
  diskTotalBytes: number | null;
  diskFreeBytes: number | null;
  networkRxBps: number | null;
  networkTxBps: number | null;
}

/** The daemon's own health, so users can see the manager is not the next leaking daemon. */
export interface DaemonSample {
  at: number;
  cpuPercent: number | null;
  rssBytes: number;
  heapUsedBytes: number;
  /** How late the sampling timer fired, milliseconds: the event loop's lag at that moment. */
  eventLoopLagMs: number;
  /** Share of the interval the event loop was busy, 0-1 (perf_hooks eventLoopUtilization). */
  eventLoopUtilization: number;
  /** Active handles and requests (timers, sockets, child processes, files). */
  handles: number;
  /** How long the previous sampling tick took (read + store), milliseconds. */
  tickMs: number;
}

/** Everything one tick measured. */
export interface MetricsTick {
  at: number;
  instances: InstanceSample[];
  host: HostSample;
  daemon: DaemonSample;
}

/** One bucket of a stored instance series: averages, plus maxima of CPU and memory. */
export interface InstancePoint {
  /** Bucket start, Unix ms. */
  at: number;
  index: number;
  cpuPercent: number | null;
  cpuPercentMax: number | null;
  rssBytes: number;
  rssBytesMax: number;
  diskReadBps: number | null;
  diskWriteBps: number | null;
  handles: number | null;
  threads: number | null;
}

/** One bucket of the stored host series (averages; CPU and memory also as maxima). */
export interface HostPoint {
  at: number;
  cpuPercent: number | null;
  cpuPercentMax: number | null;
  load1: number | null;
  memoryUsedBytes: number;
  memoryUsedBytesMax: number;
  memoryTotalBytes: number;
  diskReadBps: number | null;
  diskWriteBps: number | null;
  diskFreeBytes: number | null;
  diskTotalBytes: number | null;
  networkRxBps: number | null;
  networkTxBps: number | null;
  daemonCpuPercent: number | null;
  daemonRssBytes: number;
  daemonEventLoopLagMs: number;
}

export interface RangeQuery {
  /** Unix ms, inclusive start and exclusive end. */
  from: number;
  to: number;
  /** Bucket width, ms (at least the resolution of the tier the store reads). */
  stepMs: number;
}

export interface MetricsStore {
  /** Writes one tick (raw rows and any rollup bucket the tick completes) in one transaction. */
  write(tick: MetricsTick): void;
  /** A process's series, every instance or one index, bucketed by stepMs, ordered by (at, index). */
  queryInstances(process: string, range: RangeQuery, index?: number): InstancePoint[];
  queryHost(range: RangeQuery): HostPoint[];
  /** The resolution (ms) of the finest tier that still holds data as old as `from`. */
  resolutionFor(from: number, now: number): number;
  close(): void;
}
