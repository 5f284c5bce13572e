import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { tempDir } from '../../test/helpers/temp-dir.js';
import { waitFor } from '../../test/helpers/wait-for.js';
import { createDaemonLogger, formatConsoleLine } from './logger.js';

const NOON = Date.UTC(2026, 10, 29, 12, 0, 1);

describe('formatConsoleLine', () => {
  it('prints time, level and message, then the other fields as key=value', () => {
    const line = JSON.stringify({ level: 30, time: NOON, msg: 'started', process: 'api', pid: 42 });
    expect(formatConsoleLine(line)).toBe('12:00:01 INFO  started process=api pid=42');
  });

  it.each([
    [10, 'TRACE'],
    [20, 'DEBUG'],
    [30, 'INFO '],
    [40, 'WARN '],
    [50, 'ERROR'],
    [60, 'FATAL'],
  ])('names level %d %j', (level, name) => {
    expect(formatConsoleLine(JSON.stringify({ level, time: NOON, msg: 'm' }))).toBe(
      `12:00:01 ${name} m`,
    );
  });

  it('prints nested values as JSON and strings as they are', () => {
    const line = JSON.stringify({
      level: 40,
      time: NOON,
      msg: 'slow',
      detail: { ms: 1500 },
      tags: ['a', 'b'],
      note: 'two words',
      ok: false,
      none: null,
    });
    expect(formatConsoleLine(line)).toBe(
      '12:00:01 WARN  slow detail={"ms":1500} tags=["a","b"] note=two words ok=false none=null',
    );
  });

  it('falls back to INFO for a missing or unknown level and to an empty message', () => {
    expect(formatConsoleLine(JSON.stringify({ time: NOON, msg: 'x' }))).toBe('12:00:01 INFO  x');
    expect(formatConsoleLine(JSON.stringify({ level: 35, time: NOON, msg: 'x' }))).toBe(
      '12:00:01 INFO  x',
    );
    expect(formatConsoleLine(JSON.stringify({ level: 30, time: NOON, a: 1 }))).toBe(
      '12:00:01 INFO   a=1',
    );
  });

  it('prints a line that is not JSON as it is', () => {
    expect(formatConsoleLine('plain text {')).toBe('plain text {');
  });

  it('prints a line that is JSON but not an object (null, a number, a string, an array) as it is', () => {
    for (const line of ['null', '42', '"a string"', '[1,2]'])
      expect(formatConsoleLine(line)).toBe(line);
  });
});

describe('createDaemonLogger', () => {
  it('writes JSON to the file and formatted lines to the console, with secrets redacted', async () => {
    const dir = tempDir();
    const path = join(dir, 'daemon.log');
    const consoleOut = new PassThrough();
    let printed = '';
    consoleOut.on('data', (chunk: Buffer) => (printed += chunk.toString('utf8')));
    const { logger, close } = createDaemonLogger({
      level: 'info',
      file: { path, maxSize: 1_000_000, maxFiles: 2 },
      console: consoleOut,
    });
    logger.debug('hidden below the level');
    logger.info({ process: 'api', env: { TOKEN: 's3cret' }, token: 'abc' }, 'instance started');
    await close();
    const records = readFileSync(path, 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(records).toHaveLength(1);
    expect(records[0]).toMatchObject({
      level: 30,
      msg: 'instance started',
      process: 'api',
      env: '[redacted]',
      token: '[redacted]',
    });
    await waitFor(() => printed.includes('instance started') || 'console line not printed yet');
    expect(printed).toMatch(
      /^\d\d:\d\d:\d\d INFO {2}instance started process=api env=\[redacted\] token=\[redacted\]\n$/,
    );
    expect(printed).not.toContain('s3cret');
  });
});
