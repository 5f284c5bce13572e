/**
 * Host counters on Linux from /proc and /sys (no child process): CPU time (/proc/stat), load
 * (/proc/loadavg), memory (/proc/meminfo), whole-disk traffic (/proc/diskstats filtered by
 * /sys/block), network traffic (/proc/net/dev) and the data directory's volume (statfs).
 * A file that cannot be read leaves its figures null rather than failing the tick (a container may
 * hide some of them); CPU time then stays 0, which hostUsage turns into a null CPU percent, and
 * memory falls back to Node's os.totalmem()/freemem().
 */
import { readdirSync, readFileSync } from 'node:fs';
import { cpus, freemem, totalmem } from 'node:os';
import type { HostCounters, HostReader } from '../types.js';
import {
  countCpuLines,
  isCountedDisk,
  parseDiskstats,
  parseLoadavg,
  parseMeminfo,
  parseNetDev,
  parseProcStatCpu,
} from './linux-parse.js';
import { readOnce } from './linux-proc-files.js';
import { volumeOf } from './volume.js';

export interface LinuxHostReaderOptions {
  /** The data directory: its volume's size and free space are reported. */
  dataDir: string;
  procRoot?: string;
  sysRoot?: string;
}

/**
 * /proc/stat's head: the aggregate and per-CPU lines come first; the rest (an `intr` line of
 * thousands of counters on big machines) is not needed.
 */
const STAT_HEAD_BYTES = 64 * 1024; // ~60 bytes per CPU line: room for 1000 CPUs

export class LinuxHostReader implements HostReader {
  private readonly dataDir: string;
  private readonly procRoot: string;
  private readonly sysRoot: string;
  private readonly statHead = Buffer.allocUnsafe(STAT_HEAD_BYTES);

  constructor(options: LinuxHostReaderOptions) {
    this.dataDir = options.dataDir;
    this.procRoot = options.procRoot ?? '/proc';
    this.sysRoot = options.sysRoot ?? '/sys';
  }

  read(): Promise<HostCounters> {
    return Promise.resolve(this.readNow());
  }

  readNow(): HostCounters {
    const statText = this.readStatHead();
    const cpu = parseProcStatCpu(statText);
    const load = parseLoadavg(this.readText('loadavg'));
    const memory = parseMeminfo(this.readText('meminfo'));
    const disks = this.countedDisks();
    const diskText = disks === undefined ? '' : this.readText('diskstats');
    const diskIo =
      disks === undefined || diskText === '' ? undefined : parseDiskstats(diskText, disks);
    const netText = this.readText('net/dev');
    const network = netText === '' ? undefined : parseNetDev(netText);
    const volume = volumeOf(this.dataDir);
    return {
      cpuBusyMs: cpu?.busyMs ?? 0,
      cpuTotalMs: cpu?.totalMs ?? 0,
      cores: countCpuLines(statText) || cpus().length,
      load1: load?.load1 ?? null,
      load5: load?.load5 ?? null,
      load15: load?.load15 ?? null,
      memoryTotalBytes: memory?.totalBytes ?? totalmem(),
      memoryAvailableBytes: memory?.availableBytes ?? freemem(),
      diskReadBytes: diskIo?.readBytes ?? null,
      diskWriteBytes: diskIo?.writeBytes ?? null,
      diskTotalBytes: volume?.totalBytes ?? null,
      diskFreeBytes: volume?.freeBytes ?? null,
      networkRxBytes: network?.rxBytes ?? null,
      networkTxBytes: network?.txBytes ?? null,
    };
  }

  private readText(file: string): string {
    try {
      return readFileSync(`${this.procRoot}/${file}`, 'latin1');
    } catch {
      return '';
    }
  }

  private readStatHead(): string {
    const length = readOnce(`${this.procRoot}/stat`, this.statHead);
    return length > 0 ? this.statHead.toString('latin1', 0, length) : '';
  }

  /** The whole disks under /sys/block (listed each tick: disks can be hot-plugged). */
  private countedDisks(): Set<string> | undefined {
    try {
      return new Set(readdirSync(`${this.sysRoot}/block`).filter(isCountedDisk));
    } catch {
      return undefined;
    }
  }
}
