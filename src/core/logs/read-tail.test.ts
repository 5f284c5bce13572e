import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { tempDir } from '../../../test/helpers/temp-dir.js';
import { formatLogLine, type LogLine } from './instance-log.js';
import { readLogTail } from './read-tail.js';

const T0 = Date.UTC(2026, 10, 29, 10, 0, 0);

const lines = (from: number, to: number, stream: LogLine['stream'] = 'out'): LogLine[] =>
  Array.from({ length: to - from }, (_, i) => ({
    at: T0 + from + i,
    stream,
    text: `line ${from + i}`,
  }));

const write = (path: string, content: LogLine[]): void =>
  writeFileSync(path, content.map(formatLogLine).join(''));

describe('readLogTail', () => {
  it('reads the last lines of the live file', async () => {
    const path = join(tempDir(), '0.log');
    write(path, lines(0, 10));
    expect(await readLogTail(path, 3)).toEqual(lines(7, 10));
  });

  it('reads every line when asked for more than there are', async () => {
    const path = join(tempDir(), '0.log');
    write(path, lines(0, 4));
    expect(await readLogTail(path, 100)).toEqual(lines(0, 4));
  });

  it('continues into the rotated file (.1) when the live one is short, oldest first', async () => {
    const path = join(tempDir(), '0.log');
    write(`${path}.2`, lines(0, 5));
    write(`${path}.1`, lines(5, 10, 'err'));
    write(path, lines(10, 13));
    expect(await readLogTail(path, 5)).toEqual([...lines(8, 10, 'err'), ...lines(10, 13)]);
    expect(await readLogTail(path, 100)).toEqual([
      ...lines(0, 5),
      ...lines(5, 10, 'err'),
      ...lines(10, 13),
    ]);
  });

  it('reads no more rotated files than maxFiles allows', async () => {
    const path = join(tempDir(), '0.log');
    write(`${path}.2`, lines(0, 5));
    write(`${path}.1`, lines(5, 10));
    write(path, lines(10, 13));
    expect(await readLogTail(path, 100, 2)).toEqual([...lines(5, 10), ...lines(10, 13)]);
  });

  it('is empty for a missing file', async () => {
    expect(await readLogTail(join(tempDir(), 'nothing.log'), 10)).toEqual([]);
  });

  it('is empty for an empty file, and for a count of 0', async () => {
    const path = join(tempDir(), '0.log');
    writeFileSync(path, '');
    expect(await readLogTail(path, 10)).toEqual([]);
    write(path, lines(0, 3));
    expect(await readLogTail(path, 0)).toEqual([]);
  });

  it('keeps a line that is not in the log format as stdout text', async () => {
    const path = join(tempDir(), '0.log');
    writeFileSync(path, `written by hand\n${formatLogLine(lines(0, 1)[0]!)}`);
    expect(await readLogTail(path, 10)).toEqual([
      { at: 0, stream: 'out', text: 'written by hand' },
      ...lines(0, 1),
    ]);
  });

  it('reads a file larger than one 64 KiB block without cutting lines', async () => {
    const path = join(tempDir(), '0.log');
    const all = lines(0, 5000); // ~215 KB
    write(path, all);
    expect(await readLogTail(path, 2000)).toEqual(all.slice(-2000));
    expect(await readLogTail(path, 5000)).toEqual(all);
  });

  it('keeps a multi-byte character that straddles a 64 KiB block boundary', async () => {
    const path = join(tempDir(), '0.log');
    const filler = Array.from({ length: 650 }, (_, i) => ({
      at: T0,
      stream: 'out' as const,
      text: `f${String(i).padStart(67, '0')}`,
    }));
    const fillerBytes = Buffer.byteLength(filler.map(formatLogLine).join(''));
    const header = Buffer.byteLength(`${new Date(T0).toISOString()} [out] `);
    // first line: header, 'é' (2 bytes), n 'y', '\n'; put the block boundary between the bytes of é
    const n = 65_536 - fillerBytes - 2; // solves: (header + 2 + n + 1 + filler) - 65536 = header + 1
    const first: LogLine = { at: T0, stream: 'out', text: `é${'y'.repeat(n)}` };
    const content = [first, ...filler].map(formatLogLine).join('');
    const size = Buffer.byteLength(content);
    expect(size - 65_536).toBe(header + 1); // the boundary falls inside é
    writeFileSync(path, content);
    const tail = await readLogTail(path, 651);
    expect(tail[0]!.text.slice(0, 3)).toBe('éyy');
    expect(tail).toEqual([first, ...filler]);
  });
});
