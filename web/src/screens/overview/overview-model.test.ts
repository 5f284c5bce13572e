import { describe, expect, it } from 'vitest';
import {
  apiSummary,
  crashyDetail,
  crashySummary,
  frame,
  instanceMetrics,
  webDetail,
  webSummary,
} from '../process/fixtures';
import { alertsFor, hostSeries, totalsFor } from './overview-model';

describe('alertsFor', () => {
  it('lists failed and degraded processes with the reason of their worst instance', () => {
    const details = new Map([
      ['crashy', crashyDetail],
      ['web', webDetail],
    ]);
    expect(alertsFor([apiSummary, webSummary, crashySummary], details)).toEqual([
      { process: 'web', status: 'degraded', reason: '#1 backoff: exited with code 1' },
      {
        process: 'crashy',
        status: 'failed',
        reason: '#0 failed: exited with code 1; exited 4 times within 60000ms (max_restarts: 3)',
      },
    ]);
  });

  it('has no reason before the detail loads, and counts ready instances when none is troubled', () => {
    expect(alertsFor([crashySummary], new Map())).toEqual([
      { process: 'crashy', status: 'failed', reason: undefined },
    ]);
    const quiet = { ...webDetail, instances: [webDetail.instances[0]!] };
    expect(alertsFor([webSummary], new Map([['web', quiet]]))[0]!.reason).toBe(
      '1 of 2 instances ready',
    );
    expect(alertsFor([apiSummary], new Map())).toEqual([]);
  });
});

describe('totalsFor', () => {
  it("sums a process's instances in the frame; CPU stays null until one has a figure", () => {
    const f = frame('2026-11-29T04:00:00.000Z', [
      instanceMetrics('web', 0, 'a', 10, 100),
      instanceMetrics('web', 1, 'b', null, 50),
      instanceMetrics('api', 0, 'c', 70, 700),
    ]);
    expect(totalsFor(f, 'web')).toEqual({ cpu: 10, memory: 150, instances: 2 });
    expect(
      totalsFor(frame('2026-11-29T04:00:00.000Z', [instanceMetrics('x', 0, 'd', null, 5)]), 'x'),
    ).toEqual({
      cpu: null,
      memory: 5,
      instances: 1,
    });
    expect(totalsFor(f, 'none')).toBeUndefined();
    expect(totalsFor(undefined, 'web')).toBeUndefined();
  });
});

describe('hostSeries', () => {
  it('charts host CPU and the used share of memory per frame', () => {
    const data = hostSeries([
      frame('2026-11-29T04:00:00.000Z', [], 20),
      frame('2026-11-29T04:00:01.000Z', [], 30),
    ]);
    expect(data.x).toEqual([
      Date.parse('2026-11-29T04:00:00.000Z') / 1000,
      Date.parse('2026-11-29T04:00:01.000Z') / 1000,
    ]);
    expect(data.series).toEqual([
      { label: 'CPU', values: [20, 30] },
      { label: 'Memory', values: [50, 50] },
    ]);
  });
});
