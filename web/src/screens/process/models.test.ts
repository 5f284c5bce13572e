import { describe, expect, it } from 'vitest';
import type { DaemonEvent } from '../../api/types';
import { frame, instanceMetrics, webEvents, webMetrics } from './fixtures';
import {
  MAX_LINES,
  appendBounded,
  filterLines,
  logsPath,
  splitMatches,
  type LogLine,
} from './log-lines';
import { historySeries, latestMetrics, liveSeries } from './series';
import { MAX_TIMELINE, describeEvent, mergeEvents } from './timeline';

const t = (s: number) => new Date(Date.UTC(2026, 10, 29, 4, 0, s)).toISOString();
const sec = (s: number) => Date.UTC(2026, 10, 29, 4, 0, s) / 1000;

describe('liveSeries', () => {
  it('pivots frames into one series per instance index with gaps where an instance is missing', () => {
    const frames = [
      frame(t(0), [instanceMetrics('web', 0, 'a', null, 100, t(0))]),
      frame(t(1), [
        instanceMetrics('web', 0, 'a', 10, 110, t(1)),
        instanceMetrics('web', 1, 'b', 5, 50, t(1)),
        instanceMetrics('api', 0, 'c', 99, 999, t(1)),
      ]),
      frame(t(2), [instanceMetrics('web', 1, 'b', 6, 60, t(2))]),
    ];
    expect(liveSeries(frames, 'web', 'cpu')).toEqual({
      x: [sec(0), sec(1), sec(2)],
      series: [
        { label: '#0', values: [null, 10, null] },
        { label: '#1', values: [null, 5, 6] },
      ],
    });
    expect(liveSeries(frames, 'web', 'memory').series[0]!.values).toEqual([100, 110, null]);
    expect(liveSeries(frames, 'nope', 'cpu')).toEqual({ x: [], series: [] });
  });
});

describe('historySeries', () => {
  it('aligns the stored buckets of several instances on one time axis', () => {
    const cpu = historySeries(webMetrics.series, 'cpu');
    expect(cpu.x).toEqual([
      Date.parse('2026-11-29T04:19:00.000Z') / 1000,
      Date.parse('2026-11-29T04:19:05.000Z') / 1000,
    ]);
    expect(cpu.series).toEqual([
      { label: '#0', values: [44.72, 45.45] },
      { label: '#1', values: [null, 3] },
    ]);
    expect(historySeries(webMetrics.series, 'memory').series[1]!.values).toEqual([null, 1000]);
  });
});

describe('latestMetrics', () => {
  it("prefers the live frame's figures, else the instance's own", () => {
    const own = instanceMetrics('web', 0, 'a', 1, 1);
    const live = frame(t(0), [instanceMetrics('web', 0, 'a', 50, 2)]);
    expect(latestMetrics(live, 'a', own)?.cpu_usage).toBe(50);
    expect(latestMetrics(live, 'other', own)).toBe(own);
    expect(latestMetrics(undefined, 'a', undefined)).toBeUndefined();
  });
});

describe('log lines', () => {
  const line = (text: string): LogLine => ({
    process: 'web',
    instance: 0,
    instance_id: null,
    time: t(0),
    stream: 'out',
    text,
  });

  it('keeps at most MAX_LINES, dropping the oldest', () => {
    const many = Array.from({ length: MAX_LINES }, (_, i) => line(String(i)));
    const next = appendBounded(many, [line('new')]);
    expect(next).toHaveLength(MAX_LINES);
    expect(next[0]!.text).toBe('1');
    expect(next[MAX_LINES - 1]!.text).toBe('new');
    expect(appendBounded([line('a')], [line('b')], 5).map((l) => l.text)).toEqual(['a', 'b']);
  });

  it('filters case-insensitively and keeps everything for an empty search', () => {
    const lines = [line('Ready 18100'), line('crashing now'), line('READY again')];
    expect(filterLines(lines, 'ready').map((l) => l.text)).toEqual(['Ready 18100', 'READY again']);
    expect(filterLines(lines, '  ')).toHaveLength(3);
    expect(filterLines(lines, 'zzz')).toEqual([]);
  });

  it('builds the logs route with tail, instance and follow', () => {
    expect(logsPath('web', '', false)).toBe('/api/v1/processes/web/logs?tail=200');
    expect(logsPath('my app', '1', true)).toBe(
      '/api/v1/processes/my%20app/logs?tail=200&instance=1&follow=1',
    );
  });
});

describe('timeline', () => {
  it('merges recorded and live events of this process once each, newest first', () => {
    const live: DaemonEvent[] = [
      { seq: 12, at: 3, process: 'web', type: 'process.scaled', from: 2, to: 3, reason: 'scale' },
      { seq: 11, at: 2, process: 'api', type: 'instance.state' },
      { ...webEvents[0]! },
    ];
    expect(mergeEvents(webEvents, live, 'web').map((e) => e.seq)).toEqual([12, 10, 9]);
    const lots = Array.from({ length: 150 }, (_, i) => ({
      seq: i,
      at: i,
      process: 'web',
      type: 'x',
    }));
    expect(mergeEvents(lots, [], 'web')).toHaveLength(MAX_TIMELINE);
  });

  it('says what happened from the fields an event carries', () => {
    expect(describeEvent(webEvents[0]!)).toBe('running → backoff · exited with code 1');
    expect(describeEvent(webEvents[1]!)).toBe('check passed · http 200');
    expect(
      describeEvent({
        seq: 1,
        at: 0,
        process: 'w',
        type: 'instance.start_failed',
        message: 'no binary',
        code: 'binary_not_found',
      }),
    ).toBe('no binary · (binary_not_found)');
  });
});

describe('splitMatches', () => {
  it('cuts a line around every case-insensitive match, keeping the original text', () => {
    expect(splitMatches('Got SIGTERM, sigterm again', ' sigterm ')).toEqual([
      { text: 'Got ', match: false },
      { text: 'SIGTERM', match: true },
      { text: ', ', match: false },
      { text: 'sigterm', match: true },
      { text: ' again', match: false },
    ]);
    expect(splitMatches('no match here', 'xyz')).toEqual([{ text: 'no match here', match: false }]);
    expect(splitMatches('anything', '  ')).toEqual([{ text: 'anything', match: false }]);
    expect(splitMatches('aaa', 'a').filter((p) => p.match)).toHaveLength(3);
  });
});
