import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { tempDir } from '../../../test/helpers/temp-dir.js';
import { waitFor } from '../../../test/helpers/wait-for.js';
import { FakeClock } from '../../shared/index.js';
import {
  formatLogLine,
  InstanceLog,
  MAX_LINE_BYTES,
  parseLogLine,
  type LogLine,
} from './instance-log.js';

const T0 = Date.UTC(2026, 10, 29, 10, 0, 0);
const ISO0 = '2026-11-29T10:00:00.000Z';

function rig(rotation = { maxSize: 10 * 1024 * 1024, maxFiles: 3 }) {
  const dir = tempDir();
  const path = join(dir, 'logs', 'api', '0.log');
  const clock = new FakeClock(T0);
  const log = new InstanceLog(path, rotation, clock);
  const lines: LogLine[] = [];
  log.subscribe((line) => lines.push(line));
  const out = new PassThrough();
  const err = new PassThrough();
  log.attach(out, 'out');
  log.attach(err, 'err');
  return {
    log,
    path,
    clock,
    lines,
    out,
    err,
    texts: () => lines.map((l) => `[${l.stream}] ${l.text}`),
    file: () => readFileSync(path, 'utf8'),
    /** Waits until `n` lines have been seen. */
    seen: (n: number) => waitFor(() => lines.length >= n || `${lines.length}/${n} lines seen`),
  };
}

describe('InstanceLog', () => {
  it('stamps and tags each line in the file: [out], [err], [sys]', async () => {
    const r = rig();
    r.out.write('hello\n');
    await r.seen(1);
    await r.clock.advance(1500);
    r.err.write('oops\n');
    await r.seen(2);
    await r.clock.advance(1);
    r.log.note('instance exited with code 1');
    await r.log.close();
    expect(r.file()).toBe(
      `${ISO0} [out] hello\n` +
        `2026-11-29T10:00:01.500Z [err] oops\n` +
        `2026-11-29T10:00:01.501Z [sys] instance exited with code 1\n`,
    );
  });

  it('gives subscribers each line with its time and stream, until they unsubscribe', async () => {
    const r = rig();
    const mine: LogLine[] = [];
    const unsubscribe = r.log.subscribe((line) => mine.push(line));
    r.out.write('one\n');
    await r.seen(1);
    expect(mine).toEqual([{ at: T0, stream: 'out', text: 'one' }]);
    unsubscribe();
    r.err.write('two\n');
    await r.seen(2);
    expect(mine).toHaveLength(1);
    expect(r.lines[1]).toEqual({ at: T0, stream: 'err', text: 'two' });
    await r.log.close();
  });

  it('joins a line written across several chunks', async () => {
    const r = rig();
    r.out.write('hel');
    r.out.write('lo wor');
    r.out.write('ld\nsecond li');
    await r.seen(1);
    r.out.write('ne\n');
    await r.seen(2);
    expect(r.texts()).toEqual(['[out] hello world', '[out] second line']);
    await r.log.close();
  });

  it('keeps stdout and stderr partial lines apart', async () => {
    const r = rig();
    r.out.write('out-a');
    r.err.write('err-a');
    r.out.write('out-b\n');
    r.err.write('err-b\n');
    await r.seen(2);
    expect(r.texts().sort()).toEqual(['[err] err-aerr-b', '[out] out-aout-b']);
    await r.log.close();
  });

  it('writes a last line without a newline when the stream ends', async () => {
    const r = rig();
    r.out.end('no newline at the end');
    await r.seen(1);
    expect(r.texts()).toEqual(['[out] no newline at the end']);
    await r.log.close();
    expect(r.file()).toBe(`${ISO0} [out] no newline at the end\n`);
  });

  it('handles \\r\\n line endings, also when split between chunks', async () => {
    const r = rig();
    r.out.write('windows\r\nline two\r');
    r.out.write('\nlast\r\n');
    await r.seen(3);
    expect(r.texts()).toEqual(['[out] windows', '[out] line two', '[out] last']);
    await r.log.close();
    expect(r.file()).not.toContain('\r');
  });

  it('keeps empty lines', async () => {
    const r = rig();
    r.out.write('a\n\nb\n');
    await r.seen(3);
    expect(r.texts()).toEqual(['[out] a', '[out] ', '[out] b']);
    await r.log.close();
  });

  it('keeps multi-byte characters split between chunks whole', async () => {
    const r = rig();
    const bytes = Buffer.from('héllo wörld ✓\n');
    r.out.write(bytes.subarray(0, 2)); // cuts é in half
    r.out.write(bytes.subarray(2, 13));
    r.out.write(bytes.subarray(13));
    await r.seen(1);
    expect(r.texts()).toEqual(['[out] héllo wörld ✓']);
    await r.log.close();
  });

  it('splits output without a newline once it passes MAX_LINE_BYTES', async () => {
    const r = rig();
    const piece = 'x'.repeat(16 * 1024);
    for (let i = 0; i < 5; i++) r.out.write(piece); // 80 KiB, no newline yet
    await r.seen(1);
    expect(r.lines[0]!.text).toHaveLength(MAX_LINE_BYTES);
    r.out.write('\n');
    await r.seen(2);
    expect(r.lines.map((l) => l.text.length)).toEqual([MAX_LINE_BYTES, 16 * 1024]);
    await r.log.close();
  });

  it('splits a line longer than MAX_LINE_BYTES that arrives with its newline', async () => {
    const r = rig();
    r.out.end(`${'y'.repeat(MAX_LINE_BYTES + 10)}\nshort\n`);
    r.err.end();
    await r.log.drained();
    expect(r.lines.map((l) => l.text.length)).toEqual([MAX_LINE_BYTES, 10, 5]);
    await r.log.close();
  });

  it('no line is ever longer than MAX_LINE_BYTES, however the output is chunked', async () => {
    const r = rig();
    r.out.write('z'.repeat(MAX_LINE_BYTES - 100));
    r.out.end(`${'z'.repeat(200)}\n`); // the newline comes with the chunk that passes the limit
    r.err.end();
    await r.log.drained();
    for (const line of r.lines) expect(line.text.length).toBeLessThanOrEqual(MAX_LINE_BYTES);
    expect(r.lines.map((l) => l.text).join('')).toBe('z'.repeat(MAX_LINE_BYTES + 100));
    await r.log.close();
  });

  it('keeps the last 20 stderr lines (and no stdout) for crash reports', async () => {
    const r = rig();
    for (let i = 0; i < 25; i++) r.err.write(`err ${i}\n`);
    r.out.write('not stderr\n');
    await r.seen(26);
    expect(r.log.recentStderr()).toEqual(Array.from({ length: 20 }, (_, i) => `err ${i + 5}`));
    await r.log.close();
  });

  it('pauses the source while the file lags behind, then resumes and loses nothing', async () => {
    const r = rig();
    const events: string[] = [];
    r.out.on('pause', () => events.push('pause'));
    r.out.on('resume', () => events.push('resume'));
    const count = 3000;
    const lines = Array.from({ length: count }, (_, i) => `line ${i} ${'.'.repeat(60)}`);
    // one big chunk: far more than the writer's 64 KiB buffer
    r.out.write(`${lines.join('\n')}\n`);
    await r.seen(count);
    await waitFor(() => events.includes('pause') || 'source was never paused');
    await waitFor(
      () => events.lastIndexOf('resume') > events.lastIndexOf('pause') || 'source not resumed',
    );
    await r.log.close();
    const written = r.file().trimEnd().split('\n');
    expect(written).toHaveLength(count);
    expect(written.map((l) => parseLogLine(l)?.text)).toEqual(lines);
  });

  it('drained() resolves once every source has ended', async () => {
    const r = rig();
    let drained = false;
    const waiting = r.log.drained(60_000).then(() => (drained = true));
    r.out.end('last');
    await r.seen(1);
    expect(drained).toBe(false);
    r.err.end();
    await waiting;
    expect(drained).toBe(true);
    await r.log.close();
  });

  it('close() stops reading the sources and later notes are ignored', async () => {
    const r = rig();
    r.out.write('before\n');
    await r.seen(1);
    await r.log.close();
    expect(r.out.destroyed).toBe(true);
    expect(() => r.log.note('after close')).not.toThrow();
    expect(r.file()).toBe(`${ISO0} [out] before\n`);
  });

  it('rotates its file by size', async () => {
    const r = rig({ maxSize: 200, maxFiles: 5 });
    for (let i = 0; i < 10; i++) {
      r.out.write(`line ${i}\n`);
      await r.seen(i + 1);
    }
    await r.log.close();
    const files = [4, 3, 2, 1].map((n) => `${r.path}.${n}`).filter((f) => existsSync(f));
    expect(files.length).toBeGreaterThan(0);
    const all = [...files, r.path].map((f) => readFileSync(f, 'utf8')).join('');
    expect(
      all
        .trimEnd()
        .split('\n')
        .map((l) => parseLogLine(l)?.text),
    ).toEqual(Array.from({ length: 10 }, (_, i) => `line ${i}`));
  });
});

describe('formatLogLine / parseLogLine', () => {
  it('formats as `<ISO time> [<stream>] <text>` with a newline', () => {
    expect(formatLogLine({ at: T0, stream: 'err', text: 'boom' })).toBe(`${ISO0} [err] boom\n`);
  });

  it('parses what it formats', () => {
    expect(parseLogLine(`${ISO0} [sys] started pid=42`)).toEqual({
      at: T0,
      stream: 'sys',
      text: 'started pid=42',
    });
    expect(parseLogLine(`${ISO0} [out] `)).toEqual({ at: T0, stream: 'out', text: '' });
    expect(parseLogLine(`${ISO0} [out]   indented`)).toEqual({
      at: T0,
      stream: 'out',
      text: '  indented',
    });
  });

  it.each(['', 'plain text', `${ISO0} [bad] x`, `${ISO0}[out] x`, '2026-11-29 10:00:00 [out] x'])(
    'does not parse %j',
    (text) => {
      expect(parseLogLine(text)).toBeUndefined();
    },
  );

  it('round-trips examples with awkward text', () => {
    for (const text of [
      '',
      ' ',
      '[err] nested tag',
      'tab\there',
      'ünïcødé ✓ 日本語',
      'progress 10%\r20%\r30%',
      'a\u2028b',
    ]) {
      const line: LogLine = { at: T0, stream: 'out', text };
      expect(parseLogLine(formatLogLine(line).slice(0, -1))).toEqual(line);
    }
  });

  it('round-trips any line of text', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: Date.UTC(9999, 11, 31) }),
        fc.constantFrom('out' as const, 'err' as const, 'sys' as const),
        fc
          .oneof(fc.string({ unit: 'binary-ascii' }), fc.string({ unit: 'binary' }))
          .filter((s) => !s.includes('\n')),
        (at, stream, text) => {
          const line = { at, stream, text };
          expect(parseLogLine(formatLogLine(line).slice(0, -1))).toEqual(line);
        },
      ),
    );
  });

  it('drops lines instead of blocking the child when the log cannot be written, and says so once', async () => {
    const dir = tempDir();
    const blocker = join(dir, 'not-a-dir');
    writeFileSync(blocker, 'a file where the log directory should be');
    const errors: Error[] = [];
    const log = new InstanceLog(
      join(blocker, 'web', '0.log'),
      { maxSize: 1024, maxFiles: 2 },
      new FakeClock(),
      (e) => errors.push(e),
    );
    const source = new PassThrough();
    const seen: string[] = [];
    log.subscribe((line) => seen.push(line.text));
    log.attach(source, 'out');
    for (let i = 0; i < 2000; i++) source.write(`line ${i} ${'x'.repeat(100)}\n`);
    await waitFor(() => (seen.length === 2000 ? true : `${seen.length} lines seen`));
    expect(errors).toHaveLength(1);
    expect(source.isPaused()).toBe(false);
    source.end();
    await log.close();
  });
});
