/**
 * Rates from two cumulative readings (pure). The OS readers return counters that only grow
 * (CPU ms, bytes); a tick's sample is the difference over the interval. Processes are matched by
 * identity (pid + OS start time), so a reused pid is a new process, never a negative delta.
 */
import type { HostCounters, HostSample, ProcessCounters } from '../types.js';

/** One reading of one instance's process tree: the root first, then its descendants. */
export interface TreeReading {
  /** Unix ms of the reading. */
  at: number;
  members: ProcessCounters[];
}

export interface TreeUsage {
  /** Percent of ONE core over the whole tree; null on the first reading. */
  cpuPercent: number | null;
  rssBytes: number;
  diskReadBps: number | null;
  diskWriteBps: number | null;
  handles: number | null;
  threads: number | null;
  processes: number;
}

/**
 * Usage of one tree over the interval between two readings.
 *
 * Per member (matched by pid + startTime):
 * - present in both readings: contributes now − before, clamped at 0 (a counter never runs
 *   backwards; if an OS says otherwise we report no usage rather than a negative one);
 * - new in `current`: it was forked during the interval, so its whole counter is new usage —
 *   unless it used more CPU than the interval allows (couldBeNew), then it is an older process
 *   that joined late and only a baseline;
 * - gone from `current`: it exited and contributes nothing (the CPU it used between the previous
 *   reading and its exit is lost: the OS folds it into the parent's "children" time, which we do
 *   not read because it would count the members we already saw a second time).
 * I/O bytes follow the same rules; a member whose bytes are unknown now (null), or were unknown
 * in the previous reading while it existed, contributes nothing. The rate is null on the first
 * reading and when no current member has known bytes (e.g. /proc/<pid>/io unreadable for all).
 * rss, handles and threads are sums over current members; handles/threads sum the members that
 * report them and are null only when no member does (so a partial figure is a lower bound).
 */
export function treeUsage(previous: TreeReading | undefined, current: TreeReading): TreeUsage {
  let rssBytes = 0;
  let handles: number | null = null;
  let threads: number | null = null;
  let knownReads = false;
  let knownWrites = false;
  for (const member of current.members) {
    rssBytes += finiteOrZero(member.rssBytes);
    if (member.handles !== null) handles = (handles ?? 0) + finiteOrZero(member.handles);
    if (member.threads !== null) threads = (threads ?? 0) + finiteOrZero(member.threads);
    if (member.readBytes !== null) knownReads = true;
    if (member.writeBytes !== null) knownWrites = true;
  }
  const usage: TreeUsage = {
    cpuPercent: null,
    rssBytes,
    diskReadBps: null,
    diskWriteBps: null,
    handles,
    threads,
    processes: current.members.length,
  };
  const elapsedMs = previous === undefined ? 0 : current.at - previous.at;
  if (previous === undefined || !(elapsedMs > 0)) return usage;

  let cpuMs = 0;
  let readBytes = 0;
  let writeBytes = 0;
  for (const member of current.members) {
    const before = sameProcess(previous.members, member);
    if (before === undefined && !couldBeNew(member, elapsedMs)) continue; // a baseline, see below
    cpuMs += growth(before?.cpuMs ?? 0, member.cpuMs);
    if (member.readBytes !== null && (before === undefined || before.readBytes !== null))
      readBytes += growth(before?.readBytes ?? 0, member.readBytes);
    if (member.writeBytes !== null && (before === undefined || before.writeBytes !== null))
      writeBytes += growth(before?.writeBytes ?? 0, member.writeBytes);
  }
  usage.cpuPercent = (cpuMs / elapsedMs) * 100;
  if (knownReads) usage.diskReadBps = (readBytes / elapsedMs) * 1000;
  if (knownWrites) usage.diskWriteBps = (writeBytes / elapsedMs) * 1000;
  return usage;
}

/**
 * Whether a member missing from the previous reading can have started during the interval: it
 * cannot have used more CPU than the interval times its threads. One that did is an older
 * process that joined the tree late (re-parented, or found late after a pid was reused): its
 * lifetime counters are not this interval's usage, so it is a baseline for the next reading.
 */
function couldBeNew(member: ProcessCounters, elapsedMs: number): boolean {
  return member.cpuMs <= elapsedMs * Math.max(1, member.threads ?? 1);
}

/** The same OS process (pid and start time) in an earlier reading's members. */
function sameProcess(
  members: readonly ProcessCounters[],
  member: ProcessCounters,
): ProcessCounters | undefined {
  // Trees are small (usually one member): a scan allocates nothing, unlike a Map per tick.
  for (const candidate of members) {
    if (candidate.pid === member.pid && candidate.startTime === member.startTime) return candidate;
  }
  return undefined;
}

/**
 * Host usage over the interval between two readings. CPU is a share of the whole machine (all
 * cores = 100) from busy/total time deltas, so it needs no wall clock; disk and network rates
 * divide byte deltas by the wall time between `prevAt` and `at`, and are null on the first
 * reading, when either reading lacks the figure, or when the interval is not positive.
 */
export function hostUsage(
  previous: HostCounters | undefined,
  current: HostCounters,
  at: number,
  prevAt?: number,
): Omit<HostSample, 'at'> {
  const elapsedMs = prevAt === undefined ? 0 : at - prevAt;
  const rate = (before: number | null | undefined, now: number | null): number | null =>
    before === null || before === undefined || now === null || !(elapsedMs > 0)
      ? null
      : (growth(before, now) / elapsedMs) * 1000;
  let cpuPercent: number | null = null;
  if (previous !== undefined) {
    const totalMs = current.cpuTotalMs - previous.cpuTotalMs;
    const busyMs = growth(previous.cpuBusyMs, current.cpuBusyMs);
    if (totalMs > 0) cpuPercent = Math.min(100, (busyMs / totalMs) * 100);
  }
  const memoryTotalBytes = finiteOrZero(current.memoryTotalBytes);
  const memoryAvailableBytes = Math.min(
    memoryTotalBytes,
    finiteOrZero(current.memoryAvailableBytes),
  );
  return {
    cpuPercent,
    cores: current.cores,
    load1: current.load1,
    load5: current.load5,
    load15: current.load15,
    memoryTotalBytes,
    memoryUsedBytes: memoryTotalBytes - memoryAvailableBytes,
    memoryAvailableBytes,
    diskReadBps: rate(previous?.diskReadBytes, current.diskReadBytes),
    diskWriteBps: rate(previous?.diskWriteBytes, current.diskWriteBytes),
    diskTotalBytes: current.diskTotalBytes,
    diskFreeBytes: current.diskFreeBytes,
    networkRxBps: rate(previous?.networkRxBytes, current.networkRxBytes),
    networkTxBps: rate(previous?.networkTxBytes, current.networkTxBytes),
  };
}

/** How much a cumulative counter grew; 0 when it went backwards or is not a finite number. */
function growth(before: number, now: number): number {
  const delta = now - before;
  return delta > 0 && Number.isFinite(delta) ? delta : 0;
}

function finiteOrZero(value: number): number {
  return Number.isFinite(value) && value > 0 ? value : 0;
}
