/**
 * The arithmetic of the Windows reader (pure, tested with recorded values on any OS): Win32
 * structures as the FFI binding (windows-ffi.ts) decodes them, turned into ProcessCounters.
 */
import type { ProcessCounters } from '../types.js';

/** A FILETIME: a 64-bit count of 100-nanosecond intervals split into two unsigned 32-bit halves. */
export interface FileTime {
  dwLowDateTime: number;
  dwHighDateTime: number;
}

/** 100-ns FILETIME units per millisecond. */
export const FILETIME_UNITS_PER_MS = 10_000;
const TWO_POW_32 = 2 ** 32;

/**
 * A FILETIME as milliseconds: a duration for kernel/user times, or ms since 1601-01-01 UTC for
 * creation/exit times. Exact for durations under 28 years (2^53 units); a date since 1601 keeps
 * a precision of about 2 µs, and the same FILETIME always gives the same number, which is all
 * a start time used as an identity needs.
 */
export function fileTimeToMs(time: FileTime): number {
  return (
    ((time.dwHighDateTime >>> 0) * TWO_POW_32 + (time.dwLowDateTime >>> 0)) / FILETIME_UNITS_PER_MS
  );
}

/** Whether a FILETIME is zero (GetProcessTimes leaves the exit time zero while a process runs). */
export function isZeroFileTime(time: FileTime): boolean {
  return time.dwLowDateTime === 0 && time.dwHighDateTime === 0;
}

/** One PROCESSENTRY32W of a Toolhelp snapshot, the fields we use. */
export interface Win32ProcessEntry {
  pid: number;
  ppid: number;
  /** cntThreads */
  threads: number;
}

/** What the FFI binding reads from one open process handle. Sizes may arrive as BigInt. */
export interface Win32ProcessQuery {
  creationTime: FileTime;
  exitTime: FileTime;
  kernelTime: FileTime;
  userTime: FileTime;
  /** PROCESS_MEMORY_COUNTERS.WorkingSetSize (the resident set), bytes; null if the call failed. */
  workingSetSize: number | bigint | null;
  /** IO_COUNTERS.ReadTransferCount / WriteTransferCount, bytes; null if the call failed. */
  readTransferCount: number | bigint | null;
  writeTransferCount: number | bigint | null;
  handleCount: number | null;
}

/** The process API the Windows reader needs; windows-ffi.ts implements it through koffi. */
export interface Win32ProcessApi {
  /** Every process of a CreateToolhelp32Snapshot(TH32CS_SNAPPROCESS). */
  listProcesses(): Win32ProcessEntry[];
  /** Opens, queries and closes one process; undefined when it cannot be opened. */
  queryProcess(pid: number): Win32ProcessQuery | undefined;
}

/**
 * A snapshot entry plus a handle query as ProcessCounters; undefined when the process has exited
 * (its exit time is set: an open handle keeps an exited process's object alive).
 *
 * Note the Windows "I/O transfer" counts cover all I/O the process issued (files, but also
 * pipes and sockets), unlike Linux's read_bytes/write_bytes which count storage only.
 */
export function win32Counters(
  entry: Win32ProcessEntry,
  query: Win32ProcessQuery,
): ProcessCounters | undefined {
  if (!isZeroFileTime(query.exitTime)) return undefined;
  return {
    pid: entry.pid,
    ppid: entry.ppid,
    startTime: fileTimeToMs(query.creationTime),
    cpuMs: fileTimeToMs(query.kernelTime) + fileTimeToMs(query.userTime),
    rssBytes: query.workingSetSize === null ? 0 : Number(query.workingSetSize),
    readBytes: query.readTransferCount === null ? null : Number(query.readTransferCount),
    writeBytes: query.writeTransferCount === null ? null : Number(query.writeTransferCount),
    handles: query.handleCount,
    threads: entry.threads,
  };
}
