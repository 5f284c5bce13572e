/**
 * Host families: the whole machine (CPU percent of ALL cores, unlike the per-instance figure),
 * memory, disks, network. Unlabelled except the data directory's volume (`path`: one value).
 */
import { Gauge, type Registry } from 'prom-client';
import type { HostSample } from '../types.js';
import { registerScalarGauges, type ScalarGaugeSpec } from './scalar-gauge.js';
import type { ScrapeSnapshot } from './scrape-snapshot.js';

const NOT_ON_WINDOWS_MACOS = 'Absent on Windows and macOS (not read there)';

function host(read: (host: HostSample) => number | null): ScalarGaugeSpec['read'] {
  return (snapshot) => (snapshot.host === undefined ? null : read(snapshot.host));
}

const HOST_GAUGES: readonly ScalarGaugeSpec[] = [
  {
    name: 'gowinproc_host_cpu_percent',
    help:
      'CPU use of the whole machine, percent of ALL cores (100 = every core busy), over the last ' +
      'sampling interval. Absent on the first sample.',
    read: host((h) => h.cpuPercent),
  },
  { name: 'gowinproc_host_cpu_cores', help: 'Logical CPU cores.', read: host((h) => h.cores) },
  {
    name: 'gowinproc_host_load1',
    help: 'Load average over 1 minute (runnable tasks). Absent on Windows (no load average).',
    read: host((h) => h.load1),
  },
  {
    name: 'gowinproc_host_load5',
    help: 'Load average over 5 minutes (runnable tasks). Absent on Windows (no load average).',
    read: host((h) => h.load5),
  },
  {
    name: 'gowinproc_host_load15',
    help: 'Load average over 15 minutes (runnable tasks). Absent on Windows (no load average).',
    read: host((h) => h.load15),
  },
  {
    name: 'gowinproc_host_memory_total_bytes',
    help: 'Physical memory, bytes.',
    read: host((h) => h.memoryTotalBytes),
  },
  {
    name: 'gowinproc_host_memory_available_bytes',
    help: 'Memory available to new work without swapping, bytes (Linux: MemAvailable).',
    read: host((h) => h.memoryAvailableBytes),
  },
  {
    name: 'gowinproc_host_disk_read_bytes_per_second',
    help: `Bytes read from all whole disks, per second, over the last interval. ${NOT_ON_WINDOWS_MACOS}.`,
    read: host((h) => h.diskReadBps),
  },
  {
    name: 'gowinproc_host_disk_write_bytes_per_second',
    help: `Bytes written to all whole disks, per second, over the last interval. ${NOT_ON_WINDOWS_MACOS}.`,
    read: host((h) => h.diskWriteBps),
  },
  {
    name: 'gowinproc_host_network_receive_bytes_per_second',
    help: `Bytes received over every interface but loopback, per second. ${NOT_ON_WINDOWS_MACOS}.`,
    read: host((h) => h.networkRxBps),
  },
  {
    name: 'gowinproc_host_network_transmit_bytes_per_second',
    help: `Bytes sent over every interface but loopback, per second. ${NOT_ON_WINDOWS_MACOS}.`,
    read: host((h) => h.networkTxBps),
  },
];

const VOLUME_GAUGES: ReadonlyArray<{
  name: string;
  help: string;
  read: (host: HostSample) => number | null;
}> = [
  {
    name: 'gowinproc_host_disk_total_bytes',
    help: 'Size of the volume holding the data directory (label path), bytes.',
    read: (h) => h.diskTotalBytes,
  },
  {
    name: 'gowinproc_host_disk_free_bytes',
    help: 'Free space on the volume holding the data directory (label path), bytes.',
    read: (h) => h.diskFreeBytes,
  },
];

export function registerHostMetrics(registry: Registry, current: () => ScrapeSnapshot): void {
  registerScalarGauges(registry, current, HOST_GAUGES);
  for (const spec of VOLUME_GAUGES) {
    new Gauge<'path'>({
      name: spec.name,
      help: spec.help,
      labelNames: ['path'],
      registers: [registry],
      collect() {
        this.reset();
        const snapshot = current();
        const value = snapshot.host === undefined ? null : spec.read(snapshot.host);
        if (value !== null) this.set({ path: snapshot.dataDir }, value);
      },
    });
  }
}
