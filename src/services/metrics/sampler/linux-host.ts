/**
 * Host counters on Linux from /proc and /sys (no child process): CPU time (/proc/stat), load
 * (/proc/loadavg), memory (/proc/meminfo), whole-disk traffic (/proc/diskstats filtered by
 * /sys/block), network traffic (/proc/net/dev) and the data directory's volume (statfs).
 * A file that cannot be read leaves its figures null rather than failing the tick (a container may
 * hide some of them); CPU time then stays 0, which hostUsage turns into a null CPU percent, and
 * memory falls back to Node's os.totalmem()/freemem().
 */
import { readdirSync } from 'node:fs';
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
import { KeptProcFile } from './linux-proc-files.js';
import { volumeOf, type Volume } from './volume.js';

export interface LinuxHostReaderOptions {
  /** The data directory: its volume's size and free space are reported. */
  dataDir: string;
  procRoot?: string;
  sysRoot?: string;
}

/** /proc/stat's head: the aggregate and per-CPU lines (about 60 bytes each) come first. */
const STAT_HEAD_BYTES = 64 * 1024;

/** Slow-changing figures are read again only every this many ticks. */
const DISK_LIST_EVERY = 60; // the whole disks under /sys/block (hot-plug is rare)
const VOLUME_EVERY = 10; // the data directory's size and free space (statfs)

export class LinuxHostReader implements HostReader {
  private readonly dataDir: string;
  private readonly sysRoot: string;
  private readonly files: Record<
    'stat' | 'loadavg' | 'meminfo' | 'diskstats' | 'net',
    KeptProcFile
  >;
  private reads = 0;
  private disks: Set<string> | undefined;
  private volume: Volume | undefined;

  constructor(options: LinuxHostReaderOptions) {
    this.dataDir = options.dataDir;
    const procRoot = options.procRoot ?? '/proc';
    this.sysRoot = options.sysRoot ?? '/sys';
    this.files = {
      stat: new KeptProcFile(`${procRoot}/stat`),
      loadavg: new KeptProcFile(`${procRoot}/loadavg`, 256),
      meminfo: new KeptProcFile(`${procRoot}/meminfo`, 4096),
      diskstats: new KeptProcFile(`${procRoot}/diskstats`),
      net: new KeptProcFile(`${procRoot}/net/dev`),
    };
  }

  read(): Promise<HostCounters> {
    return Promise.resolve(this.readNow());
  }

  readNow(): HostCounters {
    const due = (every: number): boolean => this.reads % every === 0;
    if (due(DISK_LIST_EVERY)) this.disks = this.countedDisks();
    if (due(VOLUME_EVERY)) this.volume = volumeOf(this.dataDir);
    this.reads++;
    const statText = this.files.stat.read(STAT_HEAD_BYTES);
    const cpu = parseProcStatCpu(statText);
    const load = parseLoadavg(this.files.loadavg.read());
    const memory = parseMeminfo(this.files.meminfo.read());
    const disks = this.disks;
    const diskText = disks === undefined ? '' : this.files.diskstats.read();
    const diskIo =
      disks === undefined || diskText === '' ? undefined : parseDiskstats(diskText, disks);
    const netText = this.files.net.read();
    const network = netText === '' ? undefined : parseNetDev(netText);
    const volume = this.volume;
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

  /** Releases the kept descriptors. */
  close(): void {
    for (const file of Object.values(this.files)) file.close();
  }

  /** The whole disks under /sys/block (listed again every DISK_LIST_EVERY reads: hot-plug). */
  private countedDisks(): Set<string> | undefined {
    try {
      return new Set(readdirSync(`${this.sysRoot}/block`).filter(isCountedDisk));
    } catch {
      return undefined;
    }
  }
}
