import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { HostCounters, ProcessCounters } from '../types.js';
import { hostUsage, treeUsage, type TreeReading } from './rates.js';

const MiB = 1024 * 1024;

function proc(pid: number, fields: Partial<ProcessCounters> = {}): ProcessCounters {
  return {
    pid,
    ppid: 1,
    startTime: pid * 10,
    cpuMs: 0,
    rssBytes: 0,
    readBytes: 0,
    writeBytes: 0,
    handles: 4,
    threads: 1,
    ...fields,
  };
}

function host(fields: Partial<HostCounters> = {}): HostCounters {
  return {
    cpuBusyMs: 0,
    cpuTotalMs: 0,
    cores: 2,
    load1: 0.5,
    load5: 0.25,
    load15: 0.125,
    memoryTotalBytes: 1000 * MiB,
    memoryAvailableBytes: 600 * MiB,
    diskReadBytes: 0,
    diskWriteBytes: 0,
    diskTotalBytes: 10_000 * MiB,
    diskFreeBytes: 4_000 * MiB,
    networkRxBytes: 0,
    networkTxBytes: 0,
    ...fields,
  };
}

describe('treeUsage', () => {
  it('has no rates on the first reading but sums what is known now', () => {
    const usage = treeUsage(undefined, {
      at: 1000,
      members: [
        proc(10, { cpuMs: 500, rssBytes: 10 * MiB, handles: 7, threads: 3 }),
        proc(11, { rssBytes: 5 * MiB, handles: 2, threads: 1 }),
      ],
    });
    expect(usage).toEqual({
      cpuPercent: null,
      rssBytes: 15 * MiB,
      diskReadBps: null,
      diskWriteBps: null,
      handles: 9,
      threads: 4,
      processes: 2,
    });
  });

  it('computes percent of one core and bytes per second from hand-computed deltas', () => {
    // 2 s apart; the root used 300 ms of CPU and wrote 4 MiB, the child 700 ms and read 1 MiB:
    // (300 + 700) / 2000 = 50 %; 4 MiB / 2 s = 2 MiB/s written; 1 MiB / 2 s = 0.5 MiB/s read.
    const before: TreeReading = {
      at: 10_000,
      members: [
        proc(10, { cpuMs: 1000, writeBytes: 1 * MiB, readBytes: 0 }),
        proc(11, { cpuMs: 200, readBytes: 3 * MiB, writeBytes: 0 }),
      ],
    };
    const after: TreeReading = {
      at: 12_000,
      members: [
        proc(10, { cpuMs: 1300, writeBytes: 5 * MiB, readBytes: 0 }),
        proc(11, { cpuMs: 900, readBytes: 4 * MiB, writeBytes: 0 }),
      ],
    };
    const usage = treeUsage(before, after);
    expect(usage.cpuPercent).toBeCloseTo(50, 10);
    expect(usage.diskWriteBps).toBeCloseTo(2 * MiB, 6);
    expect(usage.diskReadBps).toBeCloseTo(0.5 * MiB, 6);
  });

  it('counts a member forked during the interval whole, and an exited member not at all', () => {
    const before: TreeReading = {
      at: 0,
      members: [proc(10, { cpuMs: 100 }), proc(11, { cpuMs: 5000, writeBytes: 9 * MiB })],
    };
    const after: TreeReading = {
      at: 1000,
      // 11 exited; 12 was forked and used 250 ms; the root used 50 ms.
      members: [proc(10, { cpuMs: 150 }), proc(12, { cpuMs: 250, writeBytes: 1 * MiB })],
    };
    const usage = treeUsage(before, after);
    expect(usage.cpuPercent).toBeCloseTo(30, 10);
    expect(usage.diskWriteBps).toBeCloseTo(1 * MiB, 6);
    expect(usage.processes).toBe(2);
  });

  it('takes a late joiner that used more CPU than the interval allows as a baseline, not a spike', () => {
    const before: TreeReading = { at: 0, members: [proc(10, { cpuMs: 100 })] };
    // 13 ran for hours (an hour of CPU on 2 threads) and was only now found under the root.
    const joined: TreeReading = {
      at: 1000,
      members: [
        proc(10, { cpuMs: 150 }),
        proc(13, { cpuMs: 3_600_000, threads: 2, writeBytes: 5 * MiB }),
      ],
    };
    const usage = treeUsage(before, joined);
    expect(usage.cpuPercent).toBeCloseTo(5, 10);
    expect(usage.diskWriteBps).toBe(0);
    expect(usage.processes).toBe(2);
    // From the next reading on it counts like any member.
    const next: TreeReading = {
      at: 2000,
      members: [
        proc(10, { cpuMs: 150 }),
        proc(13, { cpuMs: 3_600_400, threads: 2, writeBytes: 6 * MiB }),
      ],
    };
    expect(treeUsage(joined, next).cpuPercent).toBeCloseTo(40, 10);
    expect(treeUsage(joined, next).diskWriteBps).toBeCloseTo(1 * MiB, 6);
  });

  it('treats a reused pid (same pid, another start time) as a new process', () => {
    const before: TreeReading = { at: 0, members: [proc(10), proc(11, { cpuMs: 9000 })] };
    const after: TreeReading = {
      at: 1000,
      members: [proc(10), proc(11, { startTime: 999, cpuMs: 100 })],
    };
    expect(treeUsage(before, after).cpuPercent).toBeCloseTo(10, 10);
  });

  it('clamps a counter that went backwards to zero instead of going negative', () => {
    const before: TreeReading = { at: 0, members: [proc(10, { cpuMs: 900, readBytes: 50 })] };
    const after: TreeReading = { at: 1000, members: [proc(10, { cpuMs: 800, readBytes: 10 })] };
    const usage = treeUsage(before, after);
    expect(usage.cpuPercent).toBe(0);
    expect(usage.diskReadBps).toBe(0);
  });

  it('reports CPU above 100 % for a tree busy on several cores', () => {
    const usage = treeUsage(
      { at: 0, members: [proc(10), proc(11)] },
      { at: 1000, members: [proc(10, { cpuMs: 1000 }), proc(11, { cpuMs: 800 })] },
    );
    expect(usage.cpuPercent).toBeCloseTo(180, 10);
  });

  it('has null I/O rates when no member reports I/O, and skips members whose I/O is unknown', () => {
    const unknown = { readBytes: null, writeBytes: null };
    const allUnknown = treeUsage(
      { at: 0, members: [proc(10, unknown)] },
      { at: 1000, members: [proc(10, { ...unknown, cpuMs: 10 })] },
    );
    expect(allUnknown.diskReadBps).toBeNull();
    expect(allUnknown.diskWriteBps).toBeNull();
    // The child's bytes became readable only now: no delta can be computed, it adds nothing.
    const partial = treeUsage(
      { at: 0, members: [proc(10, { readBytes: 100 }), proc(11, unknown)] },
      { at: 1000, members: [proc(10, { readBytes: 300 }), proc(11, { readBytes: 5000 })] },
    );
    expect(partial.diskReadBps).toBeCloseTo(200, 10);
  });

  it('sums handles and threads over the members that report them; null when none does', () => {
    const none = { handles: null, threads: null };
    expect(treeUsage(undefined, { at: 0, members: [proc(10, none)] })).toMatchObject(none);
    expect(
      treeUsage(undefined, { at: 0, members: [proc(10, none), proc(11, { handles: 5 })] }),
    ).toMatchObject({ handles: 5, threads: 1 });
  });

  it('has no rates when the clock did not move forward', () => {
    const reading: TreeReading = { at: 5, members: [proc(10, { cpuMs: 10 })] };
    expect(treeUsage(reading, { ...reading, at: 5 }).cpuPercent).toBeNull();
    expect(treeUsage(reading, { ...reading, at: 4 }).diskReadBps).toBeNull();
  });

  const counters = fc.record({
    pid: fc.integer({ min: 1, max: 6 }),
    ppid: fc.constant(1),
    startTime: fc.integer({ min: 0, max: 2 }),
    cpuMs: fc.double({ min: 0, max: 1e9, noNaN: true }),
    rssBytes: fc.double({ min: 0, max: 1e12, noNaN: true }),
    readBytes: fc.option(fc.double({ min: 0, max: 1e13, noNaN: true })),
    writeBytes: fc.option(fc.double({ min: 0, max: 1e13, noNaN: true })),
    handles: fc.option(fc.integer({ min: 0, max: 1e5 })),
    threads: fc.option(fc.integer({ min: 0, max: 1e4 })),
  });
  const reading = fc.record({
    at: fc.integer({ min: 0, max: 1e12 }),
    members: fc.array(counters, { maxLength: 6 }),
  });

  it('never returns a negative, NaN or infinite figure (property)', () => {
    fc.assert(
      fc.property(fc.option(reading, { nil: undefined }), reading, (before, after) => {
        const usage = treeUsage(before, after);
        for (const value of Object.values(usage)) {
          if (value === null) continue;
          expect(Number.isFinite(value)).toBe(true);
          expect(value).toBeGreaterThanOrEqual(0);
        }
        expect(usage.processes).toBe(after.members.length);
      }),
    );
  });

  it('scales CPU as ms per elapsed ms × 100: k ms of CPU per second is k/10 % (property)', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 100_000 }),
        fc.integer({ min: 0, max: 1_000_000 }),
        fc.integer({ min: 0, max: 1e9 }),
        (elapsedMs, usedMs, bytes) => {
          const usage = treeUsage(
            { at: 0, members: [proc(10)] },
            {
              at: elapsedMs,
              members: [proc(10, { cpuMs: usedMs, readBytes: bytes, writeBytes: bytes })],
            },
          );
          expect(usage.cpuPercent).toBeCloseTo((usedMs / elapsedMs) * 100, 6);
          expect(usage.diskReadBps).toBeCloseTo((bytes * 1000) / elapsedMs, 3);
        },
      ),
    );
  });
});

describe('hostUsage', () => {
  it('has no CPU or rates on the first reading; memory used is total minus available', () => {
    const usage = hostUsage(undefined, host(), 1000);
    expect(usage).toEqual({
      cpuPercent: null,
      cores: 2,
      load1: 0.5,
      load5: 0.25,
      load15: 0.125,
      memoryTotalBytes: 1000 * MiB,
      memoryUsedBytes: 400 * MiB,
      memoryAvailableBytes: 600 * MiB,
      diskReadBps: null,
      diskWriteBps: null,
      diskTotalBytes: 10_000 * MiB,
      diskFreeBytes: 4_000 * MiB,
      networkRxBps: null,
      networkTxBps: null,
    });
  });

  it('computes the machine CPU share and byte rates from hand-computed deltas', () => {
    // 2 cores over 500 ms = 1000 ms of CPU time, 250 busy: 25 % of the machine.
    const before = host({ cpuBusyMs: 10_000, cpuTotalMs: 40_000, diskWriteBytes: 1 * MiB });
    const after = host({
      cpuBusyMs: 10_250,
      cpuTotalMs: 41_000,
      diskWriteBytes: 2 * MiB,
      diskReadBytes: 512,
      networkRxBytes: 3000,
      networkTxBytes: 100,
    });
    const usage = hostUsage(before, after, 1500, 1000);
    expect(usage.cpuPercent).toBeCloseTo(25, 10);
    expect(usage.diskWriteBps).toBeCloseTo(2 * MiB, 6);
    expect(usage.diskReadBps).toBeCloseTo(1024, 10);
    expect(usage.networkRxBps).toBeCloseTo(6000, 10);
    expect(usage.networkTxBps).toBeCloseTo(200, 10);
  });

  it('keeps a figure the OS does not give null, never 0', () => {
    const unknown = {
      load1: null,
      load5: null,
      load15: null,
      diskReadBytes: null,
      diskWriteBytes: null,
      diskTotalBytes: null,
      diskFreeBytes: null,
      networkRxBytes: null,
      networkTxBytes: null,
    };
    const usage = hostUsage(host(unknown), host(unknown), 2000, 1000);
    expect(usage).toMatchObject({
      load1: null,
      load5: null,
      load15: null,
      diskReadBps: null,
      diskWriteBps: null,
      diskTotalBytes: null,
      diskFreeBytes: null,
      networkRxBps: null,
      networkTxBps: null,
    });
    expect(usage.cpuPercent).toBeNull(); // and no CPU time passed between the two readings
  });

  const hostCounters = fc.record({
    cpuBusyMs: fc.double({ min: 0, max: 1e12, noNaN: true }),
    cpuTotalMs: fc.double({ min: 0, max: 1e12, noNaN: true }),
    cores: fc.integer({ min: 1, max: 256 }),
    load1: fc.option(fc.double({ min: 0, max: 500, noNaN: true })),
    load5: fc.option(fc.double({ min: 0, max: 500, noNaN: true })),
    load15: fc.option(fc.double({ min: 0, max: 500, noNaN: true })),
    memoryTotalBytes: fc.double({ min: 0, max: 1e13, noNaN: true }),
    memoryAvailableBytes: fc.double({ min: 0, max: 1e13, noNaN: true }),
    diskReadBytes: fc.option(fc.double({ min: 0, max: 1e15, noNaN: true })),
    diskWriteBytes: fc.option(fc.double({ min: 0, max: 1e15, noNaN: true })),
    diskTotalBytes: fc.option(fc.double({ min: 0, max: 1e15, noNaN: true })),
    diskFreeBytes: fc.option(fc.double({ min: 0, max: 1e15, noNaN: true })),
    networkRxBytes: fc.option(fc.double({ min: 0, max: 1e15, noNaN: true })),
    networkTxBytes: fc.option(fc.double({ min: 0, max: 1e15, noNaN: true })),
  });

  it('never returns a negative, NaN or infinite figure; CPU stays within 0..100 (property)', () => {
    fc.assert(
      fc.property(
        fc.option(hostCounters, { nil: undefined }),
        hostCounters,
        fc.integer({ min: 0, max: 1e12 }),
        fc.option(fc.integer({ min: 0, max: 1e12 }), { nil: undefined }),
        (before, after, at, prevAt) => {
          const usage = hostUsage(before, after, at, prevAt);
          for (const value of Object.values(usage)) {
            if (value === null) continue;
            expect(Number.isFinite(value)).toBe(true);
            expect(value).toBeGreaterThanOrEqual(0);
          }
          if (usage.cpuPercent !== null) expect(usage.cpuPercent).toBeLessThanOrEqual(100);
          expect(usage.memoryUsedBytes + usage.memoryAvailableBytes).toBeCloseTo(
            usage.memoryTotalBytes,
            0,
          );
        },
      ),
    );
  });
});
