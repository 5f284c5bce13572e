/**
 * Process trees on Linux, read straight from /proc with no child process. One tick costs:
 * - one readdir of /proc, plus one `stat` read per pid never seen before (each pid's parent and
 *   start time are cached; a pid whose parent vanished is read again: it was re-parented; and
 *   a rolling 1/60 of the known pids is read again each tick, to catch reused pids);
 * - for every member of a requested tree, one pread of its `stat` and one of its `io`, on
 *   descriptors kept open between ticks (a pread at offset 0 makes procfs regenerate the file, so
 *   a tick is one syscall per file instead of open/read/close). A descriptor stays bound to the
 *   process it was opened for: once that process is reaped the read fails with ESRCH, so a reused
 *   pid can never be mistaken for the old process;
 * - the open-descriptor count (a readdir of /proc/<pid>/fd, the costly part) on a member's first
 *   read and then every `fdCountEvery` ticks (default 30), staggered by pid; in between, the
 *   last count is reported, so `handles` may lag by up to that many ticks.
 *
 * Units: /proc/<pid>/stat counts CPU in clock ticks (USER_HZ = 100, so 10 ms each) and RSS in
 * pages (the kernel page size, read once from /proc/self/smaps, 4096 when unreadable).
 */
import { closeSync, openSync, readdirSync, readSync } from 'node:fs';
import { DaemonError } from '../../../shared/index.js';
import type { ProcessCounters, ProcessTreeReader } from '../types.js';
import {
  emptyProcStat,
  isGone,
  MS_PER_TICK,
  parseProcIo,
  parseProcStat,
  type ProcIo,
  type ProcStat,
} from './linux-parse.js';
import { readOnce, readPageSize } from './linux-proc-files.js';
import { childrenIndex, readingAsPromise, walkTree } from './process-tree.js';

export interface LinuxProcessTreeReaderOptions {
  /** Where procfs is mounted; tests point it at a fake tree in a temp dir. */
  procRoot?: string;
  /** Bytes per RSS page; read from /proc/self/smaps when not given. */
  pageSize?: number;
  /** Count a process's open descriptors every this many ticks (default 5). */
  fdCountEvery?: number;
  /**
   * At most this many descriptors kept open between ticks (default 1024, two per member); members
   * beyond it are read with open/read/close each tick, so the daemon never runs out of fds.
   */
  maxOpenFiles?: number;
}

/** What the reader keeps per pid seen in /proc: enough to build the parent → children index. */
interface KnownProcess {
  pid: number;
  ppid: number;
  startTime: number;
  /** The tick at which the pid was last listed in /proc. */
  listedAt: number;
}

/** A member of a requested tree, with its /proc files kept open. */
interface TrackedProcess {
  startTime: number;
  /** -1 when the member is read with open/read/close (the open-descriptor budget is spent). */
  statFd: number;
  /** -1 as above; null when io is unreadable (another user's process, no CAP_SYS_PTRACE). */
  ioFd: number | null;
  handles: number | null;
  /** The tick of the last descriptor count (-Infinity: never counted). */
  countedAt: number;
  /** The tick at which the member was last read; others are released after each tick. */
  readAt: number;
}

/** Every known pid's stat is read again once per this many ticks (see refreshProcessList). */
const RELEARN_EVERY = 60;
const STAT_BUFFER_BYTES = 1024; // a stat line is < 700 bytes (the command name is ≤ 15 bytes)
const IO_BUFFER_BYTES = 512;

export class LinuxProcessTreeReader implements ProcessTreeReader {
  private readonly procRoot: string;
  private readonly pageSize: number;
  private readonly fdCountEvery: number;
  private readonly maxOpenFiles: number;
  private readonly known = new Map<number, KnownProcess>();
  private readonly tracked = new Map<number, TrackedProcess>();
  private readonly buffer = Buffer.allocUnsafe(STAT_BUFFER_BYTES);
  private readonly stat: ProcStat = emptyProcStat();
  private readonly io: ProcIo = { readBytes: 0, writeBytes: 0 };
  private openFiles = 0;
  private tick = 0;

  constructor(options: LinuxProcessTreeReaderOptions = {}) {
    this.procRoot = options.procRoot ?? '/proc';
    this.pageSize = options.pageSize ?? readPageSize(this.procRoot);
    this.fdCountEvery = Math.max(1, options.fdCountEvery ?? 30);
    this.maxOpenFiles = options.maxOpenFiles ?? 1024;
  }

  readTrees(roots: readonly number[]): Promise<Map<number, ProcessCounters[]>> {
    return readingAsPromise(() => this.readTreesNow(roots));
  }

  /** The synchronous body of readTrees: /proc reads never block on a disk. */
  readTreesNow(roots: readonly number[]): Map<number, ProcessCounters[]> {
    if (roots.length === 0) {
      this.close(); // nothing to watch: no listing, and no cache to go stale meanwhile
      return new Map();
    }
    this.tick++;
    this.refreshProcessList();
    const children = childrenIndex(this.known.values());
    const trees = new Map<number, ProcessCounters[]>();
    const read = (pid: number): ProcessCounters | undefined => this.readMember(pid);
    for (const root of roots) {
      const members = walkTree(root, children, read);
      if (members !== undefined) trees.set(root, members);
    }
    for (const [pid, tracked] of this.tracked) {
      if (tracked.readAt !== this.tick) this.release(pid, tracked);
    }
    return trees;
  }

  close(): void {
    for (const [pid, tracked] of this.tracked) this.release(pid, tracked);
    this.known.clear();
  }

  /** How many descriptors the reader holds open (for tests and the daemon's self-metrics). */
  get openDescriptors(): number {
    return this.openFiles;
  }

  private refreshProcessList(): void {
    let names: string[];
    try {
      names = readdirSync(this.procRoot);
    } catch (error) {
      throw new DaemonError('internal', `cannot list processes in ${this.procRoot}`, {
        cause: error,
      });
    }
    const tick = this.tick;
    for (const name of names) {
      const first = name.charCodeAt(0);
      if (first < 0x30 || first > 0x39) continue; // not a pid directory
      const pid = Number(name);
      const known = this.known.get(pid);
      // A known pid is read again only in a rolling 1/RELEARN_EVERY slice per tick: that is how
      // a pid reused between two ticks by a process outside every tree (whose cached parent is
      // then wrong) is caught, within RELEARN_EVERY ticks, at a few stat reads per tick.
      if (known === undefined || (pid + tick) % RELEARN_EVERY === 0) this.learn(pid);
      else known.listedAt = tick;
    }
    for (const [pid, known] of this.known) {
      if (known.listedAt !== tick) this.known.delete(pid);
    }
    // A process whose parent exited was re-parented (to init or a subreaper): read it again.
    for (const known of this.known.values()) {
      if (known.ppid > 0 && !this.known.has(known.ppid)) this.learn(known.pid);
    }
  }

  /** Reads a pid's stat once to learn its parent and start time; forgets it if it is gone. */
  private learn(pid: number): void {
    const length = readOnce(`${this.procRoot}/${pid}/stat`, this.buffer);
    if (length <= 0 || !parseProcStat(this.buffer, length, this.stat)) {
      this.known.delete(pid);
      return;
    }
    const known = this.known.get(pid);
    if (known !== undefined && known.startTime === this.stat.startTime) {
      known.ppid = this.stat.ppid;
      known.listedAt = this.tick;
    } else {
      this.known.set(pid, {
        pid,
        ppid: this.stat.ppid,
        startTime: this.stat.startTime,
        listedAt: this.tick,
      });
    }
  }

  private readMember(pid: number): ProcessCounters | undefined {
    let tracked = this.tracked.get(pid);
    // Every live process was in this tick's listing (a root is spawned before it is asked for).
    const known = this.known.get(pid);
    if (known === undefined) {
      if (tracked !== undefined) this.release(pid, tracked);
      return undefined;
    }
    if (tracked !== undefined && tracked.startTime !== known.startTime) {
      this.release(pid, tracked); // the pid now names another process
      tracked = undefined;
    }
    tracked ??= this.track(pid, known.startTime);
    if (tracked === undefined) return undefined;

    const stat = this.stat;
    const statLength = this.readFile(tracked.statFd, pid, 'stat', STAT_BUFFER_BYTES);
    const parsed = statLength > 0 && parseProcStat(this.buffer, statLength, stat);
    if (!parsed || isGone(stat) || stat.startTime !== tracked.startTime) {
      this.release(pid, tracked);
      // Gone, or the pid was reused since it was listed: re-learn who holds it (or forget it),
      // so the next tick places it in the right tree. It is left out of this one.
      if (!parsed || stat.startTime !== tracked.startTime) this.learn(pid);
      return undefined;
    }
    known.ppid = stat.ppid;

    let readBytes: number | null = null;
    let writeBytes: number | null = null;
    if (tracked.ioFd !== null) {
      const ioLength = this.readFile(tracked.ioFd, pid, 'io', IO_BUFFER_BYTES);
      if (ioLength > 0 && parseProcIo(this.buffer, ioLength, this.io)) {
        readBytes = this.io.readBytes;
        writeBytes = this.io.writeBytes;
      }
    }
    if (this.tick - tracked.countedAt >= this.fdCountEvery) {
      tracked.handles = this.countDescriptors(pid);
      // The first count is backdated by pid % fdCountEvery ticks, so that 200 instances started
      // together do not all count their descriptors on the same later ticks.
      tracked.countedAt =
        tracked.countedAt === Number.NEGATIVE_INFINITY
          ? this.tick - (pid % this.fdCountEvery)
          : this.tick;
    }
    tracked.readAt = this.tick;
    return {
      pid,
      ppid: stat.ppid,
      startTime: stat.startTime,
      cpuMs: stat.cpuTicks * MS_PER_TICK,
      rssBytes: stat.rssPages * this.pageSize,
      readBytes,
      writeBytes,
      handles: tracked.handles,
      threads: stat.threads,
    };
  }

  /** Starts tracking a member: opens its stat and io while the descriptor budget allows. */
  private track(pid: number, startTime: number): TrackedProcess | undefined {
    const keepOpen = this.openFiles + 2 <= this.maxOpenFiles;
    let statFd = -1;
    let ioFd: number | null = -1;
    if (keepOpen) {
      try {
        statFd = openSync(`${this.procRoot}/${pid}/stat`, 'r');
      } catch {
        return undefined; // gone
      }
      this.openFiles++;
      try {
        ioFd = openSync(`${this.procRoot}/${pid}/io`, 'r');
        this.openFiles++;
      } catch {
        ioFd = null; // EACCES (not ours to read) or a kernel without task I/O accounting
      }
    }
    const tracked: TrackedProcess = {
      startTime,
      statFd,
      ioFd,
      handles: null,
      countedAt: Number.NEGATIVE_INFINITY,
      readAt: this.tick,
    };
    this.tracked.set(pid, tracked);
    return tracked;
  }

  /** Reads a kept descriptor at offset 0, or the file once when none is kept. 0 when gone. */
  private readFile(fd: number, pid: number, file: 'stat' | 'io', bytes: number): number {
    if (fd < 0) {
      const length = readOnce(`${this.procRoot}/${pid}/${file}`, this.buffer, bytes);
      if (length < 0 && file === 'io') {
        const tracked = this.tracked.get(pid);
        if (tracked !== undefined) tracked.ioFd = null; // unreadable: stop trying
      }
      return Math.max(0, length);
    }
    try {
      return readSync(fd, this.buffer, 0, bytes, 0);
    } catch {
      return 0; // ESRCH: the process was reaped
    }
  }

  private countDescriptors(pid: number): number | null {
    try {
      return readdirSync(`${this.procRoot}/${pid}/fd`).length;
    } catch {
      return null; // EACCES: another user's process
    }
  }

  private release(pid: number, tracked: TrackedProcess): void {
    for (const fd of [tracked.statFd, tracked.ioFd]) {
      if (fd === null || fd < 0) continue;
      try {
        closeSync(fd);
      } catch {
        // already closed: nothing to release
      }
      this.openFiles--;
    }
    this.tracked.delete(pid);
  }
}
