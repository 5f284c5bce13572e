/**
 * Per-instance families, labelled {process, index} only (the instance index as a string; not
 * `instance`, which Prometheus sets to the scrape target and would rename ours; pids and
 * instance ids with run counters would make a new series at every restart). Values are set at
 * scrape time from the snapshot after a reset, so an instance that is gone leaves no series, and
 * a figure the OS does not give (null) has no series rather than a made-up 0.
 *
 * No network family: per-process network bytes are not readable on Linux without privileges
 * (no per-process counter in /proc; it needs eBPF or netfilter accounting), so none is exposed.
 */
import { Counter, Gauge, type Registry } from 'prom-client';
import type { InstanceStatus } from '../../../core/index.js';
import type { InstanceSample } from '../types.js';
import type { ScrapeSnapshot } from './scrape-snapshot.js';

type InstanceLabel = 'process' | 'index';
const LABELS: InstanceLabel[] = ['process', 'index'];

/** Every status an instance can be in (a Record, so a status added to core fails to compile). */
const STATE_ORDER: Record<InstanceStatus, number> = {
  starting: 0,
  running: 1,
  healthy: 2,
  unhealthy: 3,
  stopping: 4,
  stopped: 5,
  backoff: 6,
  failed: 7,
};
export const INSTANCE_STATES = Object.keys(STATE_ORDER) as InstanceStatus[];

const NOT_ON_MACOS = 'Absent on macOS (ps does not report it)';

const SAMPLE_GAUGES: ReadonlyArray<{
  name: string;
  help: string;
  read: (sample: InstanceSample) => number | null;
}> = [
  {
    name: 'gowinproc_instance_cpu_percent',
    help:
      'CPU use of the instance and its descendants, percent of ONE core (200 = two cores busy), ' +
      'over the last sampling interval. Absent on the first sample of a process.',
    read: (s) => s.cpuPercent,
  },
  {
    name: 'gowinproc_instance_memory_rss_bytes',
    help:
      'Resident memory of the instance and its descendants, bytes (Windows: working set). ' +
      'Shared pages count once per process.',
    read: (s) => s.rssBytes,
  },
  {
    name: 'gowinproc_instance_disk_read_bytes_per_second',
    help:
      'Bytes the instance and its descendants read from storage, per second, over the last ' +
      'interval (Windows: all I/O, not only disk). Absent on the first sample, on macOS, and on ' +
      'Linux when /proc/<pid>/io is not readable.',
    read: (s) => s.diskReadBps,
  },
  {
    name: 'gowinproc_instance_disk_write_bytes_per_second',
    help:
      'Bytes the instance and its descendants wrote to storage, per second, over the last ' +
      'interval (Windows: all I/O, not only disk). Absent on the first sample, on macOS, and on ' +
      'Linux when /proc/<pid>/io is not readable.',
    read: (s) => s.diskWriteBps,
  },
  {
    name: 'gowinproc_instance_open_handles',
    help: `Open file descriptors (Windows: handles) of the instance and its descendants. ${NOT_ON_MACOS}.`,
    read: (s) => s.handles,
  },
  {
    name: 'gowinproc_instance_threads',
    help: `Threads of the instance and its descendants. ${NOT_ON_MACOS}.`,
    read: (s) => s.threads,
  },
  {
    name: 'gowinproc_instance_processes',
    help: 'OS processes in the instance tree (1 when it has no children).',
    read: (s) => s.processes,
  },
];

export function registerInstanceMetrics(registry: Registry, current: () => ScrapeSnapshot): void {
  for (const spec of SAMPLE_GAUGES) {
    new Gauge<InstanceLabel>({
      name: spec.name,
      help: spec.help,
      labelNames: LABELS,
      registers: [registry],
      collect() {
        this.reset();
        for (const row of current().instances) {
          if (row.sample === undefined) continue;
          const value = spec.read(row.sample);
          if (value !== null) this.set(row.labels, value);
        }
      },
    });
  }

  new Gauge<InstanceLabel>({
    name: 'gowinproc_instance_uptime_seconds',
    help: "Seconds since the instance's current process started. Absent when no process runs.",
    labelNames: LABELS,
    registers: [registry],
    collect() {
      this.reset();
      for (const row of current().instances) {
        const uptime = row.instance.uptimeSeconds;
        if (uptime !== null) this.set(row.labels, uptime);
      }
    },
  });

  new Counter<InstanceLabel>({
    name: 'gowinproc_instance_restarts_total',
    help: 'Restarts of the instance since the daemon created it (starts at 0 with each daemon run).',
    labelNames: LABELS,
    registers: [registry],
    collect() {
      this.reset();
      for (const row of current().instances) this.inc(row.labels, row.instance.restarts);
    },
  });

  new Gauge<InstanceLabel>({
    name: 'gowinproc_instance_up',
    help: '1 when an OS process runs for the instance, else 0.',
    labelNames: LABELS,
    registers: [registry],
    collect() {
      this.reset();
      for (const row of current().instances)
        this.set(row.labels, row.instance.pid === null ? 0 : 1);
    },
  });

  new Gauge<InstanceLabel | 'state'>({
    name: 'gowinproc_instance_state',
    help: `1 for the instance's current state, 0 for the others (${INSTANCE_STATES.join(', ')}).`,
    labelNames: [...LABELS, 'state'],
    registers: [registry],
    collect() {
      this.reset();
      for (const row of current().instances) {
        const { process, index } = row.labels;
        for (const state of INSTANCE_STATES) {
          this.set({ process, index, state }, row.instance.status === state ? 1 : 0);
        }
      }
    },
  });
}
