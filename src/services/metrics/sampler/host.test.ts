// Host readers: Linux over a fake /proc and /sys and over the real ones; the os-module reader.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { tempDir } from '../../../../test/helpers/temp-dir.js';
import { LinuxHostReader } from './linux-host.js';
import { cpuTimes, OsHostReader } from './os-host.js';
import { hostUsage } from './rates.js';

function fakeRoots(): { procRoot: string; sysRoot: string; dataDir: string } {
  const procRoot = tempDir('fake-proc-');
  const sysRoot = tempDir('fake-sys-');
  const dataDir = tempDir('data-');
  mkdirSync(join(procRoot, 'net'));
  mkdirSync(join(sysRoot, 'block'));
  for (const disk of ['vda', 'loop0', 'dm-0']) mkdirSync(join(sysRoot, 'block', disk));
  writeFileSync(
    join(procRoot, 'stat'),
    'cpu  100 0 50 800 50 0 0 0 0 0\ncpu0 50 0 25 400 25 0 0 0 0 0\ncpu1 50 0 25 400 25 0 0 0 0 0\n' +
      `intr ${'0 '.repeat(5000)}\n`,
  );
  writeFileSync(join(procRoot, 'loadavg'), '1.50 0.75 0.25 2/300 1234\n');
  writeFileSync(
    join(procRoot, 'meminfo'),
    'MemTotal:        2048000 kB\nMemFree:          100000 kB\nMemAvailable:     512000 kB\n',
  );
  writeFileSync(
    join(procRoot, 'diskstats'),
    ' 254 0 vda 10 0 2000 0 10 0 4000 0 0 0 0\n 254 1 vda1 10 0 2000 0 10 0 4000 0 0 0 0\n' +
      ' 7 0 loop0 1 0 99 0 0 0 0 0 0 0 0\n 253 0 dm-0 1 0 2000 0 1 0 4000 0 0 0 0\n',
  );
  writeFileSync(
    join(procRoot, 'net', 'dev'),
    'Inter-| Receive | Transmit\n face |bytes packets|bytes\n' +
      '    lo: 999 1 0 0 0 0 0 0 999 1 0 0 0 0 0 0\n  eth0: 1000 1 0 0 0 0 0 0 300 1 0 0 0 0 0 0\n',
  );
  return { procRoot, sysRoot, dataDir };
}

describe('LinuxHostReader over a fake /proc and /sys', () => {
  it('reads CPU, load, memory, whole-disk and network counters in their units', async () => {
    const counters = await new LinuxHostReader(fakeRoots()).read();
    expect(counters).toMatchObject({
      cpuBusyMs: 1500, // (100 + 50) ticks × 10 ms
      cpuTotalMs: 10_000, // + idle 800 + iowait 50
      cores: 2,
      load1: 1.5,
      load5: 0.75,
      load15: 0.25,
      memoryTotalBytes: 2_048_000 * 1024,
      memoryAvailableBytes: 512_000 * 1024,
      diskReadBytes: 2000 * 512, // vda only: not its partition, loop or device-mapper
      diskWriteBytes: 4000 * 512,
      networkRxBytes: 1000,
      networkTxBytes: 300,
    });
    expect(counters.diskTotalBytes).toBeGreaterThan(0);
    expect(counters.diskFreeBytes).toBeGreaterThanOrEqual(0);
  });

  it('reports figures it cannot read as null rather than failing', async () => {
    const counters = await new LinuxHostReader({
      procRoot: tempDir('empty-proc-'),
      sysRoot: tempDir('empty-sys-'),
      dataDir: '/nonexistent-data-dir',
    }).read();
    expect(counters).toMatchObject({
      cpuBusyMs: 0,
      cpuTotalMs: 0,
      load1: null,
      diskReadBytes: null,
      diskWriteBytes: null,
      diskTotalBytes: null,
      diskFreeBytes: null,
      networkRxBytes: null,
      networkTxBytes: null,
    });
    expect(counters.memoryTotalBytes).toBeGreaterThan(0); // from os.totalmem()
    expect(counters.cores).toBeGreaterThan(0);
  });
});

describe.runIf(process.platform === 'linux')('LinuxHostReader over the real /proc', () => {
  it('gives a plausible host sample from two readings', async () => {
    const reader = new LinuxHostReader({ dataDir: tempDir() });
    const first = await reader.read();
    const start = Date.now();
    while (Date.now() - start < 30); // let some CPU time pass
    const second = await reader.read();
    const usage = hostUsage(first, second, start + 30, start);
    expect(second.cpuTotalMs).toBeGreaterThan(first.cpuTotalMs);
    expect(usage.cpuPercent).toBeGreaterThan(0);
    expect(usage.cpuPercent).toBeLessThanOrEqual(100);
    expect(usage.memoryTotalBytes).toBeGreaterThan(64 * 1024 * 1024);
    expect(usage.memoryUsedBytes).toBeGreaterThan(0);
    expect(second.diskTotalBytes).toBeGreaterThan(0);
    expect(second.networkRxBytes).not.toBeNull();
  });
});

describe('OsHostReader (macOS, Windows, other POSIX)', () => {
  it('sums os.cpus() times: busy is everything but idle', () => {
    const times = { user: 100, nice: 5, sys: 40, idle: 800, irq: 5 };
    expect(cpuTimes([{ times }, { times }])).toEqual({ busyMs: 300, totalMs: 1900, cores: 2 });
  });

  it('reads memory, volume and load; disk and network traffic are null', async () => {
    const counters = await new OsHostReader({ dataDir: tempDir(), hasLoadAverage: true }).read();
    expect(counters.cpuTotalMs).toBeGreaterThan(0);
    expect(counters.memoryTotalBytes).toBeGreaterThan(0);
    expect(counters.diskTotalBytes).toBeGreaterThan(0);
    expect(counters.load1).not.toBeNull();
    expect(counters).toMatchObject({
      diskReadBytes: null,
      diskWriteBytes: null,
      networkRxBytes: null,
      networkTxBytes: null,
    });
  });
});
