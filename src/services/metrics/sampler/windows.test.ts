// The Windows reader's arithmetic and tree logic with recorded Win32 values; koffi is not loaded.
import { describe, expect, it } from 'vitest';
import {
  fileTimeToMs,
  win32Counters,
  type FileTime,
  type Win32ProcessApi,
  type Win32ProcessEntry,
  type Win32ProcessQuery,
} from './windows-counters.js';
import { WindowsProcessTreeReader } from './windows-process-tree.js';

/** A FILETIME from a 64-bit count of 100-ns units, split as Win32 does. */
function fileTime(units: bigint): FileTime {
  return {
    dwLowDateTime: Number(units & 0xffffffffn),
    dwHighDateTime: Number(units >> 32n),
  };
}

const ZERO: FileTime = { dwLowDateTime: 0, dwHighDateTime: 0 };

// A creation FILETIME as GetProcessTimes returns it for 2026-01-06T14:00:01.1234567Z
// (134121816011234567 units of 100 ns since 1601, split into halves; computed, not recorded).
const CREATION: FileTime = { dwLowDateTime: 0xbffadd07, dwHighDateTime: 0x01dc7f14 };

function query(fields: Partial<Win32ProcessQuery> = {}): Win32ProcessQuery {
  return {
    creationTime: CREATION,
    exitTime: ZERO,
    kernelTime: fileTime(15_625_000n), // 1.5625 s
    userTime: fileTime(46_875_000n), // 4.6875 s
    workingSetSize: 52_428_800,
    readTransferCount: 1_048_576n,
    writeTransferCount: 4096,
    handleCount: 212,
    ...fields,
  };
}

describe('fileTimeToMs', () => {
  it('joins the two 32-bit halves and divides 100-ns units by 10,000', () => {
    expect(fileTimeToMs(ZERO)).toBe(0);
    expect(fileTimeToMs(fileTime(10_000n))).toBe(1);
    expect(fileTimeToMs({ dwLowDateTime: 0xffffffff, dwHighDateTime: 0 })).toBe(429_496.7295);
    expect(fileTimeToMs({ dwLowDateTime: 0, dwHighDateTime: 1 })).toBe(429_496.7296);
  });

  it('reads a creation time as ms since 1601, to within microseconds', () => {
    const msSince1601 = fileTimeToMs(CREATION);
    // 1.3e17 units exceed 2^53: a double keeps them to 16 units (1.6 µs), plenty for an identity.
    expect(Math.floor(msSince1601)).toBe(13_412_181_601_123);
    expect(msSince1601 - 13_412_181_601_123).toBeCloseTo(0.4567, 2);
    const unixMs = Math.floor(msSince1601) - 11_644_473_600_000; // 1601-01-01 → 1970-01-01
    expect(new Date(unixMs).toISOString()).toBe('2026-01-06T14:00:01.123Z');
  });

  it('treats halves as unsigned even if a binding hands them over as negative int32', () => {
    expect(fileTimeToMs({ dwLowDateTime: -1, dwHighDateTime: 0 })).toBe(429_496.7295);
  });
});

describe('win32Counters', () => {
  const entry: Win32ProcessEntry = { pid: 4100, ppid: 501, threads: 9 };

  it('maps times, working set, transfer counts and handles to ProcessCounters', () => {
    expect(win32Counters(entry, query())).toEqual({
      pid: 4100,
      ppid: 501,
      startTime: fileTimeToMs(CREATION),
      cpuMs: 1562.5 + 4687.5,
      rssBytes: 52_428_800,
      readBytes: 1_048_576,
      writeBytes: 4096,
      handles: 212,
      threads: 9,
    });
  });

  it('keeps failed queries null, and treats a process with an exit time as gone', () => {
    const partial = win32Counters(
      entry,
      query({ readTransferCount: null, writeTransferCount: null, handleCount: null }),
    );
    expect(partial).toMatchObject({ readBytes: null, writeBytes: null, handles: null });
    expect(win32Counters(entry, query({ exitTime: fileTime(1n) }))).toBeUndefined();
  });
});

describe('WindowsProcessTreeReader', () => {
  /** A scripted Win32: a snapshot list and per-pid query results. */
  function api(
    list: Win32ProcessEntry[],
    queries: Record<number, Win32ProcessQuery | undefined>,
  ): Win32ProcessApi & { snapshots: number } {
    const scripted = {
      snapshots: 0,
      listProcesses() {
        scripted.snapshots++;
        return list;
      },
      queryProcess: (pid: number) => queries[pid],
    };
    return scripted;
  }

  const at = (ms: number): FileTime => fileTime(BigInt(ms) * 10_000n);

  it('takes one snapshot per tick and sums each tree from the snapshot’s parent pids', async () => {
    const win = api(
      [
        { pid: 0, ppid: 0, threads: 8 },
        { pid: 4, ppid: 0, threads: 200 },
        { pid: 100, ppid: 4, threads: 3 },
        { pid: 101, ppid: 100, threads: 2 },
        { pid: 102, ppid: 101, threads: 1 },
        { pid: 200, ppid: 4, threads: 1 },
      ],
      {
        100: query({ creationTime: at(1000) }),
        101: query({ creationTime: at(2000) }),
        102: query({ creationTime: at(3000) }),
        200: query({ creationTime: at(1000) }),
      },
    );
    const trees = await new WindowsProcessTreeReader(win).readTrees([100, 200, 300]);
    expect(win.snapshots).toBe(1);
    expect(trees.get(100)?.map((p) => [p.pid, p.threads])).toEqual([
      [100, 3],
      [101, 2],
      [102, 1],
    ]);
    expect(trees.get(200)?.map((p) => p.pid)).toEqual([200]);
    expect(trees.has(300)).toBe(false);
  });

  it('leaves out an orphan naming a reused parent pid, and processes it cannot open', async () => {
    const win = api(
      [
        { pid: 100, ppid: 4, threads: 1 },
        { pid: 150, ppid: 100, threads: 1 }, // created before 100: its real parent died
        { pid: 160, ppid: 100, threads: 1 }, // access denied
        { pid: 170, ppid: 100, threads: 1 }, // exited, handle still open elsewhere
      ],
      {
        100: query({ creationTime: at(5000) }),
        150: query({ creationTime: at(10) }),
        160: undefined,
        170: query({ creationTime: at(6000), exitTime: at(7000) }),
      },
    );
    const trees = await new WindowsProcessTreeReader(win).readTrees([100]);
    expect(trees.get(100)?.map((p) => p.pid)).toEqual([100]);
  });

  it('treats a root missing from the snapshot as exited', async () => {
    const win = api([], { 100: query() });
    expect((await new WindowsProcessTreeReader(win).readTrees([100])).has(100)).toBe(false);
  });
});
