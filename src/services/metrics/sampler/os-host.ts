/**
 * Host counters from Node's `os` module, for macOS, Windows and other POSIX systems (Linux reads
 * /proc instead, which also gives disk and network traffic). CPU time comes from os.cpus(), memory
 * from os.totalmem()/freemem(), the data directory's volume from statfs. Disk and network traffic
 * are not available this way and stay null; so does the load average on Windows, which has none
 * (Node reports zeros there).
 */
import { cpus, freemem, loadavg, totalmem, type CpuInfo } from 'node:os';
import type { HostCounters, HostReader } from '../types.js';
import { volumeOf } from './volume.js';

export interface OsHostReaderOptions {
  dataDir: string;
  /** False on Windows, whose os.loadavg() is always [0, 0, 0]. */
  hasLoadAverage: boolean;
}

export class OsHostReader implements HostReader {
  constructor(private readonly options: OsHostReaderOptions) {}

  read(): Promise<HostCounters> {
    const cpu = cpuTimes(cpus());
    const [load1, load5, load15] = this.options.hasLoadAverage ? loadavg() : [];
    const volume = volumeOf(this.options.dataDir);
    return Promise.resolve({
      cpuBusyMs: cpu.busyMs,
      cpuTotalMs: cpu.totalMs,
      cores: cpu.cores,
      load1: load1 ?? null,
      load5: load5 ?? null,
      load15: load15 ?? null,
      memoryTotalBytes: totalmem(),
      memoryAvailableBytes: freemem(),
      diskReadBytes: null,
      diskWriteBytes: null,
      diskTotalBytes: volume?.totalBytes ?? null,
      diskFreeBytes: volume?.freeBytes ?? null,
      networkRxBytes: null,
      networkTxBytes: null,
    });
  }
}

/** CPU time over all cores, ms: busy is everything but idle (os.cpus() reports ms already). */
export function cpuTimes(list: readonly Pick<CpuInfo, 'times'>[]): {
  busyMs: number;
  totalMs: number;
  cores: number;
} {
  let busyMs = 0;
  let totalMs = 0;
  for (const { times } of list) {
    const busy = times.user + times.nice + times.sys + times.irq;
    busyMs += busy;
    totalMs += busy + times.idle;
  }
  return { busyMs, totalMs, cores: list.length };
}
