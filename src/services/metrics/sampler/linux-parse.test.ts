import { describe, expect, it } from 'vitest';
import {
  countCpuLines,
  emptyProcStat,
  isCountedDisk,
  isGone,
  MS_PER_TICK,
  parseDiskstats,
  parseLoadavg,
  parseMeminfo,
  parseNetDev,
  parsePageSize,
  parseProcIo,
  parseProcStat,
  parseProcStatCpu,
  type ProcIo,
} from './linux-parse.js';

function stat(text: string): ReturnType<typeof emptyProcStat> | undefined {
  const bytes = Buffer.from(text, 'latin1');
  const into = emptyProcStat();
  return parseProcStat(bytes, bytes.length, into) ? into : undefined;
}

function io(text: string): ProcIo | undefined {
  const bytes = Buffer.from(text, 'latin1');
  const into = { readBytes: -1, writeBytes: -1 };
  return parseProcIo(bytes, bytes.length, into) ? into : undefined;
}

// Lines as Linux 6.x prints them (taken from this machine's /proc and edited: the command name of
// the first holds `) (` and spaces, and the counters were set to hand-checkable values).
const STAT_TRICKY =
  '4242 (a) (b c) S 1 4242 4242 0 -1 4194304 120 0 0 0 250 37 0 0 20 0 7 0 123456 104857600 2560 ' +
  '18446744073709551615 1 1 0 0 0 0 0 4096 1256 0 0 0 17 1 0 0 0 0 0 0 0 0 0 0 0 0 0\n';
const STAT_NODE =
  '7155 (node) R 7152 7152 5709 0 -1 4194304 101 0 0 0 1234 56 3 4 20 0 11 0 1335630 3133440 9394 ' +
  '18446744073709551615 94194133348352 94194133368233 140732091426416 0 0 0 0 0 0 0 0 0 17 1 0 0 0 ' +
  '0 0 94194133384240 94194133385856 94195194458112 140732091431641 140732091431661 ' +
  '140732091431661 140732091432939 0\n';

describe('parseProcStat', () => {
  it('reads the fields after the LAST parenthesis, whatever the command name holds', () => {
    expect(stat(STAT_TRICKY)).toEqual({
      state: 'S'.charCodeAt(0),
      ppid: 1,
      cpuTicks: 287, // utime 250 + stime 37; the children's 0 + 0 are not added
      threads: 7,
      startTime: 123456,
      rssPages: 2560,
    });
  });

  it('reads a plain line, without adding the children times (fields 16-17)', () => {
    expect(stat(STAT_NODE)).toMatchObject({
      ppid: 7152,
      cpuTicks: 1290,
      threads: 11,
      startTime: 1335630,
      rssPages: 9394,
    });
    expect(1290 * MS_PER_TICK).toBe(12_900); // USER_HZ = 100: a tick is 10 ms
  });

  it('reads a command name of spaces and closing parentheses only', () => {
    const line = STAT_TRICKY.replace('(a) (b c)', '( ) ))');
    expect(stat(line)?.ppid).toBe(1);
    expect(stat(line)?.rssPages).toBe(2560);
  });

  it('knows zombies and dead processes are gone', () => {
    expect(isGone(stat(STAT_TRICKY.replace(') S ', ') Z '))!)).toBe(true);
    expect(isGone(stat(STAT_TRICKY.replace(') S ', ') X '))!)).toBe(true);
    expect(isGone(stat(STAT_TRICKY)!)).toBe(false);
  });

  it('rejects truncated or garbled lines instead of returning wrong numbers', () => {
    expect(stat('')).toBeUndefined();
    expect(stat('4242 (no close paren S 1 2 3')).toBeUndefined();
    expect(stat(STAT_TRICKY.slice(0, 60))).toBeUndefined();
    expect(stat(STAT_TRICKY.replace(' 250 37 ', ' 2x0 37 '))).toBeUndefined();
  });

  it('only looks at the first `length` bytes of a reused buffer', () => {
    const buffer = Buffer.alloc(1024, 0x41);
    const length = buffer.write(STAT_NODE, 'latin1');
    const into = emptyProcStat();
    expect(parseProcStat(buffer, length, into)).toBe(true);
    expect(into.startTime).toBe(1335630);
  });
});

describe('parseProcIo', () => {
  it('reads read_bytes and write_bytes, not rchar/wchar or cancelled_write_bytes', () => {
    expect(
      io(
        'rchar: 6976\nwchar: 512\nsyscr: 10\nsyscw: 1\nread_bytes: 8192\nwrite_bytes: 1048576\n' +
          'cancelled_write_bytes: 4096\n',
      ),
    ).toEqual({ readBytes: 8192, writeBytes: 1_048_576 });
  });

  it('does not take cancelled_write_bytes for write_bytes when it comes first', () => {
    expect(io('cancelled_write_bytes: 7\nread_bytes: 1\nwrite_bytes: 2\n')).toEqual({
      readBytes: 1,
      writeBytes: 2,
    });
  });

  it('fails when a line is missing', () => {
    expect(io('rchar: 1\nread_bytes: 5\n')).toBeUndefined();
    expect(io('')).toBeUndefined();
  });
});

describe('host parsers', () => {
  const PROC_STAT =
    'cpu  811938 10 94552 1742127 2943 7 1546 138 50 5\n' +
    'cpu0 396698 0 45754 882912 526 0 473 69 0 0\n' +
    'cpu1 415239 0 48797 859215 2416 0 1072 69 0 0\n' +
    'intr 123 0 0\nctxt 99\n';

  it('reads busy and total CPU ms from the cpu line (guest time is inside user time)', () => {
    // busy = user + nice + system + irq + softirq + steal = 811938+10+94552+7+1546+138
    const busyTicks = 908_191;
    const totalTicks = busyTicks + 1_742_127 + 2943;
    expect(parseProcStatCpu(PROC_STAT)).toEqual({
      busyMs: busyTicks * 10,
      totalMs: totalTicks * 10,
    });
    expect(countCpuLines(PROC_STAT)).toBe(2);
    expect(parseProcStatCpu('intr 1 2 3\n')).toBeUndefined();
  });

  it('reads the load averages', () => {
    expect(parseLoadavg('0.07 0.58 0.88 1/87 7162\n')).toEqual({
      load1: 0.07,
      load5: 0.58,
      load15: 0.88,
    });
    expect(parseLoadavg('')).toBeUndefined();
  });

  it('reads MemTotal and MemAvailable in bytes (kB means KiB)', () => {
    const text =
      'MemTotal:       24684084 kB\nMemFree:        24271192 kB\nMemAvailable:   24295780 kB\n' +
      'Buffers:            2356 kB\nCached:           226760 kB\n';
    expect(parseMeminfo(text)).toEqual({
      totalBytes: 24_684_084 * 1024,
      availableBytes: 24_295_780 * 1024,
    });
    // Kernels before 3.14 have no MemAvailable: free + page cache.
    expect(parseMeminfo(text.replace(/^MemAvailable.*\n/m, ''))?.availableBytes).toBe(
      (24_271_192 + 226_760) * 1024,
    );
    expect(parseMeminfo('')).toBeUndefined();
  });

  it('counts whole disks only: no partitions, loop, ram, zram, device-mapper or md', () => {
    const sysBlock = ['loop0', 'vda', 'nvme0n1', 'zram0', 'dm-0', 'md0', 'ram0', 'cciss!c0d0'];
    const disks = new Set(sysBlock.filter(isCountedDisk));
    expect([...disks]).toEqual(['vda', 'nvme0n1', 'cciss!c0d0']);
    const diskstats = [
      '   7       0 loop0 50 0 4000 0 0 0 0 0 0 0 0 0 0 0 0 0 0',
      ' 254       0 vda 230977 26782 6252498 194507 201108 180133 7781104 66548 0 70672 293993',
      ' 254       1 vda1 230000 26000 6000000 194000 201000 180000 7780000 66000 0 70000 293000',
      ' 259       0 nvme0n1 10 0 100 1 20 0 200 2 0 3 3',
      ' 259       1 nvme0n1p1 10 0 100 1 20 0 200 2 0 3 3',
      ' 253       0 dm-0 5 0 1000 0 5 0 1000 0 0 0 0',
      ' 104       0 cciss/c0d0 1 0 2 0 1 0 4 0 0 0 0',
    ].join('\n');
    expect(parseDiskstats(diskstats, disks)).toEqual({
      readBytes: (6_252_498 + 100 + 2) * 512,
      writeBytes: (7_781_104 + 200 + 4) * 512,
    });
  });

  it('sums rx/tx bytes over every interface but loopback', () => {
    const netDev = [
      'Inter-|   Receive                                                |  Transmit',
      ' face |bytes    packets errs drop fifo frame compressed multicast|bytes    packets errs drop fifo colls carrier compressed',
      '    lo: 1787654438 1441732    0    0    0     0          0         0 1787654438 1441732    0    0    0     0       0          0',
      '  eth0: 1430894974   42969    0    0    0     0          0         0  4677544   30975    0    0    0     0       0          0',
      'wlan0:100 1 0 0 0 0 0 0 200 2 0 0 0 0 0 0',
    ].join('\n');
    expect(parseNetDev(netDev)).toEqual({
      rxBytes: 1_430_894_974 + 100,
      txBytes: 4_677_544 + 200,
    });
  });

  it('reads the base page size from the head of smaps', () => {
    const head =
      '5624bef5c000-5624bef5e000 r--p 00000000 fe:00 260386   /usr/bin/node\n' +
      'Size:                  8 kB\nKernelPageSize:       64 kB\nMMUPageSize:          64 kB\n';
    expect(parsePageSize(head)).toBe(65_536);
    expect(parsePageSize('')).toBeUndefined();
  });
});
