import { describe, expect, it } from 'vitest';
import { autoscaleText, balancersText, formatCpu, formatMemory, formatUptime } from './format.js';

describe('CLI formatting', () => {
  it.each<[number | null | undefined, string]>([
    [null, '-'],
    [undefined, '-'],
    [0, '0.0%'],
    [49.96, '50.0%'],
    [180.25, '180.3%'],
  ])('cpu %s -> %s', (value, text) => expect(formatCpu(value)).toBe(text));

  it.each<[number | null | undefined, string]>([
    [undefined, '-'],
    [512, '512b'],
    [1536, '1.5kb'],
    [50 * 1024 * 1024, '50.0mb'],
    [3.25 * 1024 ** 3, '3.3gb'],
  ])('memory %s -> %s', (value, text) => expect(formatMemory(value)).toBe(text));

  it.each<[number | null, string]>([
    [null, '-'],
    [59, '59s'],
    [90, '1m30s'],
    [7200, '2h'],
    [90_000, '1d1h'],
  ])('uptime %s -> %s', (value, text) => expect(formatUptime(value)).toBe(text));
});

describe('balancer and autoscale text', () => {
  const stats = (calls: number, p50: number) => ({
    requests: calls,
    inFlight: 1,
    errors: 2,
    byStatus: { OK: calls - 3, UNAVAILABLE: 2 },
    latency: {
      count: calls - 1,
      sumMs: 0,
      p50Ms: p50,
      p90Ms: 0,
      p99Ms: 120.4,
      boundsMs: [],
      counts: [],
    },
  });

  it('shows each balancer with its routes and backends', () => {
    const text = balancersText([
      {
        name: 'edge',
        address: '127.0.0.1:6000',
        port: 6000,
        tls: false,
        rps: 41.5,
        unmatched: 3,
        routes: [
          {
            index: 0,
            methods: ['.*/users\\..*'],
            target_processes: ['users'],
            strategy: 'round_robin',
            stats: stats(10, 1),
          },
        ],
        backends: [
          {
            id: 'users-0-abc',
            process: 'users',
            index: 0,
            address: '127.0.0.1:5001',
            state: 'draining',
            stats: stats(10, 0.42),
          },
        ],
      },
    ]);
    expect(text.split('\n')).toEqual([
      'edge  grpc://127.0.0.1:6000  41.5 req/s  3 unmatched',
      '  route 0: .*/users\\..* -> users (round_robin)',
      'backend      state     address         in flight  calls  errors  p50 ms  p99 ms',
      '───────────  ────────  ──────────────  ─────────  ─────  ──────  ──────  ──────',
      'users-0-abc  draining  127.0.0.1:5001  1          10     2       0.4     120',
    ]);
    expect(balancersText([])).toBe('no load balancers are configured');
  });

  it('shows the policy and the latest decisions', () => {
    const policy = {
      minInstances: 1,
      maxInstances: 4,
      targets: { cpuPercent: 80, rpsPerInstance: 500 },
      tolerance: 0.1,
      sustainMs: 15_000,
      cooldownMs: 60_000,
      upStabilizationMs: 0,
      downStabilizationMs: 300_000,
      upStep: 4,
      downStep: 1,
    };
    const decision = (action: 'scale_up' | 'none', reason: string, held?: 'sustain') => ({
      at: Date.UTC(2026, 10, 29, 6, 0, 0),
      action,
      from: 1,
      to: action === 'none' ? 1 : 2,
      recommended: 2,
      reason,
      ...(held ? { held } : {}),
      signals: [],
    });
    const text = autoscaleText({
      process: 'api',
      enabled: true,
      policy,
      instances: { current: 2, ready: 1, desired: 2 },
      decisions: [
        decision('none', 'cpu 95% ... for 3s of 15s', 'sustain'),
        decision('scale_up', 'cpu 95%: 1 → 2'),
      ],
    });
    expect(text.split('\n')).toEqual([
      'api: 2 instance(s), 1 ready; autoscaling 1..4 on cpu 80%, 500 req/s per instance',
      '  2026-11-29T06:00:00.000Z  hold (sustain)  cpu 95% ... for 3s of 15s',
      '  2026-11-29T06:00:00.000Z  scale_up  cpu 95%: 1 → 2',
    ]);
    expect(
      autoscaleText({
        process: 'db',
        enabled: false,
        policy: null,
        instances: { current: 1, ready: 1, desired: 1 },
        decisions: [],
      }),
    ).toBe('db: autoscaling is not enabled');
  });
});
