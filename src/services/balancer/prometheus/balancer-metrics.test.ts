import parsePrometheusTextFormat from 'parse-prometheus-text-format';
import { Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { CallStats } from '../stats/index.js';
import type { CallOutcome } from '../types.js';
import { registerBalancerMetrics } from './balancer-metrics.js';

const outcome = (grpcStatus: number, durationMs: number): CallOutcome => ({
  grpcStatus,
  durationMs,
  connectFailed: false,
  cancelledByClient: false,
});

function calls(...outcomes: CallOutcome[]): CallStats {
  const stats = new CallStats();
  for (const o of outcomes) {
    stats.start();
    stats.finish(o);
  }
  stats.start(); // one in flight
  return stats;
}

describe('balancer Prometheus families', () => {
  it('renders calls by code, in-flight gauges and latency histograms that parse', async () => {
    const registry = new Registry();
    const route = calls(outcome(0, 0.4), outcome(0, 3), outcome(14, 2000));
    const backend = calls(outcome(0, 0.4));
    registerBalancerMetrics(registry, {
      routeStats: () => [{ balancer: 'lb', route: '.*/users\\..*', stats: route }],
      backendStats: () => [{ process: 'users', index: 0, state: 'ready', stats: backend }],
    });
    const text = await registry.metrics();
    const families = parsePrometheusTextFormat(text);
    const family = (name: string) => families.find((f) => f.name === name)!;

    expect(family('gowinproc_balancer_requests_total').metrics).toEqual([
      { labels: { balancer: 'lb', route: '.*/users\\..*', code: 'OK' }, value: '2' },
      { labels: { balancer: 'lb', route: '.*/users\\..*', code: 'UNAVAILABLE' }, value: '1' },
    ]);
    expect(family('gowinproc_balancer_in_flight').metrics[0]?.value).toBe('1');
    expect(family('gowinproc_balancer_request_duration_seconds').type).toBe('HISTOGRAM');
    // parse-prometheus-text-format drops a labelled histogram's labels, sum and count: read lines.
    const line = (suffix: string) =>
      text
        .split('\n')
        .find((l) => l.startsWith(`gowinproc_balancer_request_duration_seconds_${suffix}`))
        ?.split(' ')[1];
    expect(line('bucket{balancer="lb",route=".*/users\\\\..*",le="0.0005"}')).toBe('1');
    expect(line('bucket{balancer="lb",route=".*/users\\\\..*",le="0.005"}')).toBe('2');
    expect(line('bucket{balancer="lb",route=".*/users\\\\..*",le="+Inf"}')).toBe('3');
    expect(line('count{balancer="lb",route=".*/users\\\\..*"}')).toBe('3');
    expect(Number(line('sum{balancer="lb",route=".*/users\\\\..*"}'))).toBeCloseTo(2.0034, 6);
    expect(family('gowinproc_backend_requests_total').metrics).toEqual([
      { labels: { process: 'users', index: '0', code: 'OK' }, value: '1' },
    ]);
    expect(family('gowinproc_backend_up').metrics).toEqual([
      { labels: { process: 'users', index: '0', state: 'ready' }, value: '1' },
    ]);
  });
});
