// The macOS/POSIX reader's parser and tree building on recorded `ps` output; ps is never run.
import { describe, expect, it } from 'vitest';
import { parseCpuTime, parseLstart, parsePsOutput, PS_ARGS } from './darwin-ps-parse.js';
import { PsProcessTreeReader } from './darwin-process-tree.js';

// Shaped like macOS's `LC_ALL=C ps -A -o pid=,ppid=,rss=,state=,time=,lstart=` (right-aligned
// numbers, `M:SS.ss` times, lstart with a space-padded day); written by hand, not recorded.
const PS_OUTPUT = [
  '    1     0  13360 Ss     2:31.07 Mon Jan  5 09:12:44 2026',
  '  501     1   8848 S      0:00.21 Mon Jan  5 09:13:02 2026',
  ' 4100   501  61440 S      1:02.50 Tue Jan  6 14:00:01 2026',
  ' 4101  4100  20480 R    123:45.67 Tue Jan  6 14:00:02 2026',
  ' 4102  4100      0 Z      0:00.00 Tue Jan  6 14:00:02 2026',
  ' 4103  4101   1024 S+     0:00.01 Tue Jan  6 14:00:03 2026',
  ' 4200     1   2048 S      0:00.02 Wed Jan  7 08:00:00 2026',
  '',
].join('\n');

describe('parseCpuTime', () => {
  it.each([
    ['0:00.21', 210],
    ['1:02.50', 62_500],
    ['123:45.67', 7_425_670], // macOS: minutes past 59
    ['01:02:03', 3_723_000], // procps HH:MM:SS
    ['2-03:04:05', 2 * 86_400_000 + 3 * 3_600_000 + 4 * 60_000 + 5_000], // D-HH:MM:SS
    ['1:02:03.5', 3_723_500],
  ])('%s is %d ms', (text, ms) => {
    expect(parseCpuTime(text)).toBe(ms);
  });

  it('rejects what is not a time', () => {
    expect(parseCpuTime('-')).toBeUndefined();
    expect(parseCpuTime('12')).toBeUndefined();
  });
});

describe('parseLstart', () => {
  it('reads a C-locale start date as local Unix ms', () => {
    expect(parseLstart('Tue Jan  6 14:00:01 2026')).toBe(new Date(2026, 0, 6, 14, 0, 1).getTime());
    expect(parseLstart('Sat Dec 31 23:59:59 2033')).toBe(
      new Date(2033, 11, 31, 23, 59, 59).getTime(),
    );
    expect(parseLstart('Di Jan  6 14:00:01 2026')).toBeUndefined(); // another locale
    expect(parseLstart('')).toBeUndefined();
  });
});

describe('parsePsOutput', () => {
  it('reads every live process: RSS KiB → bytes, CPU time → ms; threads, fds and I/O unknown', () => {
    const list = parsePsOutput(PS_OUTPUT);
    expect(list.map((p) => p.pid)).toEqual([1, 501, 4100, 4101, 4103, 4200]); // zombie 4102 left out
    expect(list[2]).toEqual({
      pid: 4100,
      ppid: 501,
      startTime: new Date(2026, 0, 6, 14, 0, 1).getTime(),
      cpuMs: 62_500,
      rssBytes: 61_440 * 1024,
      readBytes: null,
      writeBytes: null,
      handles: null,
      threads: null,
    });
  });

  it('skips lines it cannot parse', () => {
    expect(parsePsOutput('garbage\n  12 1 100 S nonsense Mon Jan  5 09:12:44 2026\n')).toEqual([]);
  });

  it('asks ps for the columns it parses, start date last (it holds spaces)', () => {
    expect(PS_ARGS.join(' ')).toBe('-A -o pid=,ppid=,rss=,state=,time=,lstart=');
  });
});

describe('PsProcessTreeReader', () => {
  it('runs ps once per tick for every root and builds each tree', async () => {
    let runs = 0;
    const reader = new PsProcessTreeReader(() => {
      runs++;
      return Promise.resolve(PS_OUTPUT);
    });
    const trees = await reader.readTrees([4100, 4200, 9999]);
    expect(runs).toBe(1);
    expect(trees.get(4100)?.map((p) => p.pid)).toEqual([4100, 4101, 4103]);
    expect(trees.get(4100)?.reduce((sum, p) => sum + p.rssBytes, 0)).toBe(
      (61_440 + 20_480 + 1024) * 1024,
    );
    expect(trees.get(4200)?.map((p) => p.pid)).toEqual([4200]);
    expect(trees.has(9999)).toBe(false);
  });

  it('rejects when ps fails', async () => {
    const reader = new PsProcessTreeReader(() => Promise.reject(new Error('ps: not found')));
    await expect(reader.readTrees([1])).rejects.toThrow('ps: not found');
  });
});
