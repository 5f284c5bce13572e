import { describe, expect, it } from 'vitest';
import type { UpdateStatusView } from '../app/index.js';
import { FakeClock } from '../shared/index.js';
import {
  downloadFigures,
  formatBytes,
  phaseLine,
  progressLine,
  ProgressPrinter,
} from './progress-bar.js';

const MiB = 1024 * 1024;

function status(overrides: Partial<UpdateStatusView> = {}): UpdateStatusView {
  return {
    update_id: 'u-1',
    process_name: 'echo',
    status: 'downloading',
    progress: 20,
    message: 'downloading echo_linux_amd64.tar.gz',
    timestamp: 1_000,
    kind: 'update',
    from_version: 'v1.0.0',
    to_version: 'v2.0.0',
    strategy: 'rolling',
    started_at: 0,
    download: { bytes: 12 * MiB, total: 40 * MiB, rate: 2 * MiB },
    ...overrides,
  };
}

describe('progress line', () => {
  it.each<[number, string]>([
    [0, '0 B'],
    [1023, '1023 B'],
    [1536, '1.5 KiB'],
    [40 * MiB, '40.0 MiB'],
    [3.25 * 1024 * MiB, '3.3 GiB'],
  ])('bytes %s -> %s', (bytes, text) => expect(formatBytes(bytes)).toBe(text));

  it('shows phase, percent, bar, bytes/total and rate while downloading', () => {
    expect(progressLine(status(), 100)).toBe(
      'downloading   20%  [######------------------------]  12.0 MiB / 40.0 MiB  2.0 MiB/s',
    );
  });

  it('shows bytes and rate without a total when the size is unknown', () => {
    const line = progressLine(status({ download: { bytes: 5 * MiB, total: null, rate: 0 } }), 80);
    expect(line).toMatch(/^downloading {3}20% {2}\[#+-+\] {2}5\.0 MiB$/);
    expect(downloadFigures(status({ download: { bytes: 5 * MiB, total: null, rate: 1024 } }))).toBe(
      '5.0 MiB  1.0 KiB/s',
    );
  });

  it('shows the message outside a download, with the phase readable', () => {
    const line = progressLine(
      status({
        status: 'health_check',
        progress: 80,
        message: 'waiting for echo-2',
        download: undefined,
      }),
      80,
    );
    expect(line).toMatch(/^health check {2}80% {2}\[#{24}-{6}\] {2}waiting for echo-2$/);
    // Download figures are only for the download phase, even if the status still carries them.
    expect(progressLine(status({ status: 'verifying', message: 'sha' }), 80)).toMatch(/ sha$/);
  });

  it('drops the bar, then cuts the detail, on a narrow terminal and never exceeds the width', () => {
    expect(progressLine(status(), 50)).toBe('downloading   20%  12.0 MiB / 40.0 MiB  2.0 MiB/s');
    const narrow = progressLine(status(), 30);
    expect(narrow).toBe('downloading   20%  12.0 MiB /…');
    for (let width = 1; width <= 120; width++) {
      const line = progressLine(status({ message: 'x'.repeat(200), download: undefined }), width);
      expect(line.length).toBeLessThanOrEqual(width);
    }
    expect(progressLine(status({ progress: 140 }), 100)).toContain(
      ' 100%  [##############################]',
    );
  });

  it('gives a plain line for pipes, without control characters', () => {
    expect(phaseLine(status())).toBe(
      '[ 20%] downloading: downloading echo_linux_amd64.tar.gz (12.0 MiB / 40.0 MiB  2.0 MiB/s)',
    );
    expect(
      phaseLine(
        status({
          status: 'completed',
          progress: 100,
          message: 'echo runs v2.0.0',
          download: undefined,
        }),
      ),
    ).toBe('[100%] completed: echo runs v2.0.0');
  });
});

function printer(isTty: boolean, columns = 100) {
  const clock = new FakeClock(0);
  let output = '';
  const progress = new ProgressPrinter({
    write: (text) => (output += text),
    isTty,
    columns: () => columns,
    clock,
    intervalMs: 100,
  });
  return { clock, progress, output: () => output };
}

describe('progress printer', () => {
  it('on a terminal, redraws the phase line in place, at most every interval, and keeps each phase on its own line', async () => {
    const { clock, progress, output } = printer(true);
    const at = (bytes: number) =>
      status({ download: { bytes: bytes * MiB, total: 40 * MiB, rate: MiB } });
    progress.update(at(1));
    expect(output()).toBe(`\r${progressLine(at(1), 99)}\x1b[K`);
    progress.update(at(2)); // too soon: not drawn yet
    progress.update(at(3));
    expect(output()).not.toContain('3.0 MiB');
    await clock.advance(100); // the newest one is drawn when the interval is up
    expect(output().split('\r')).toHaveLength(3);
    expect(output()).toContain('3.0 MiB');
    expect(output()).not.toContain('2.0 MiB');
    expect(output()).not.toContain('\n');

    await clock.advance(50);
    progress.update(at(39));
    const next = status({
      status: 'verifying',
      progress: 60,
      message: 'checking',
      download: undefined,
    });
    progress.update(next); // a new phase: the download line ends with its last figures
    expect(output()).toContain(`${progressLine(at(39), 99)}\x1b[K\n\r${progressLine(next, 99)}`);
    progress.update(
      status({ status: 'completed', progress: 100, message: 'done', download: undefined }),
    );
    progress.finish();
    expect(output().endsWith('\x1b[K\n')).toBe(true);
    expect(clock.pendingTimers).toBe(0);
  });

  it('on a terminal, finish draws what waits and cancels the timer', async () => {
    const { clock, progress, output } = printer(true);
    progress.update(status());
    progress.update(status({ download: { bytes: 30 * MiB, total: 40 * MiB, rate: MiB } }));
    progress.finish();
    expect(output()).toContain('30.0 MiB');
    expect(output().endsWith('\n')).toBe(true);
    expect(clock.pendingTimers).toBe(0);
    progress.finish();
    expect(output().match(/\n/g)).toHaveLength(1);
  });

  it('elsewhere, prints one plain line per phase change and nothing in between', () => {
    const { clock, progress, output } = printer(false);
    progress.update(
      status({ status: 'pending', progress: 0, message: 'queued', download: undefined }),
    );
    progress.update(status());
    progress.update(status({ download: { bytes: 30 * MiB, total: 40 * MiB, rate: MiB } }));
    progress.update(
      status({ status: 'starting', progress: 70, message: 'starting echo-2', download: undefined }),
    );
    progress.update(
      status({
        status: 'completed',
        progress: 100,
        message: 'echo runs v2.0.0',
        download: undefined,
      }),
    );
    progress.finish();
    expect(output()).toBe(
      [
        '[  0%] pending: queued',
        '[ 20%] downloading: downloading echo_linux_amd64.tar.gz (12.0 MiB / 40.0 MiB  2.0 MiB/s)',
        '[ 70%] starting: starting echo-2',
        '[100%] completed: echo runs v2.0.0',
        '',
      ].join('\n'),
    );
    expect(clock.pendingTimers).toBe(0);
  });
});
