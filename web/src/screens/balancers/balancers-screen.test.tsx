import { act, screen, waitFor, within } from '@testing-library/react';
import { describe, expect, it } from 'vitest';
import { fakeApi, type FakeApi } from '../../test/fake-api';
import { renderApp } from '../../test/render';
import {
  BalancersScreen,
  currentBalancers,
  errorsText,
  formatMs,
  signalText,
  targetsText,
} from './balancers-screen';
import type { Balancer, CallStats } from './types';

const stats = (requests: number, errors: number, p50 = 1.5, p99 = 12): CallStats => ({
  requests,
  inFlight: 0,
  errors,
  byStatus: { OK: requests - errors, UNAVAILABLE: errors },
  latency: {
    count: requests,
    sumMs: requests * p50,
    p50Ms: p50,
    p90Ms: p99 / 2,
    p99Ms: p99,
    boundsMs: [1, 5, 25],
    counts: [0, requests, 0, 0],
  },
});

const balancer = (requests: number): Balancer => ({
  name: 'grpc-front',
  address: '127.0.0.1:9090',
  port: 9090,
  tls: false,
  rps: 4.2,
  unmatched: 1,
  routes: [
    {
      index: 0,
      methods: ['/demo.Greeter/*'],
      target_processes: ['demo'],
      strategy: 'round_robin',
      stats: stats(requests, 2),
    },
  ],
  backends: [
    {
      id: 'demo-0-abc',
      process: 'demo',
      index: 0,
      address: '127.0.0.1:50061',
      state: 'ready',
      stats: stats(requests - 10, 0),
    },
    {
      id: 'demo-1-def',
      process: 'demo',
      index: 1,
      address: '127.0.0.1:50062',
      state: 'ejected',
      ejectedUntil: 1_795_918_260_000,
      stats: stats(10, 2),
    },
  ],
});

const autoscale = {
  process: 'demo',
  enabled: true,
  policy: {
    minInstances: 1,
    maxInstances: 4,
    targets: { cpuPercent: 60 },
    tolerance: 0.1,
    sustainMs: 30_000,
    cooldownMs: 60_000,
    upStabilizationMs: 0,
    downStabilizationMs: 300_000,
    upStep: 1,
    downStep: 1,
  },
  instances: { current: 2, ready: 2, desired: 3 },
  decisions: [
    {
      at: 1_795_918_200_000,
      action: 'none',
      from: 2,
      to: 2,
      recommended: 3,
      reason: 'cpu above target, waiting for it to last',
      held: 'sustain',
      signals: [{ signal: 'cpu', observed: 85, target: 60, ratio: 1.42, desired: 3 }],
    },
    {
      at: 1_795_918_230_000,
      action: 'scale_up',
      from: 2,
      to: 3,
      recommended: 3,
      reason: 'cpu 85.0 % > 60 % per instance for 30 s',
      signals: [{ signal: 'cpu', observed: 85, target: 60, ratio: 1.42, desired: 3 }],
    },
  ],
};

function setup(): FakeApi {
  const api = fakeApi();
  api.on('GET /api/v1/auth/whoami', {
    json: { authenticated: false, auth_required: false, role: 'admin', name: null },
  });
  api.on('GET /api/v1/balancers', { json: { balancers: [balancer(100)] } });
  api.on('GET /api/v1/processes', {
    json: { processes: ['demo', 'echo'], count: 2, items: [] },
  });
  api.on('GET /api/v1/processes/demo/autoscale', { json: autoscale });
  api.on('GET /api/v1/processes/echo/autoscale', {
    json: {
      process: 'echo',
      enabled: false,
      policy: null,
      instances: { current: 1, ready: 1, desired: 1 },
      decisions: [],
    },
  });
  return api;
}

describe('the load balancers screen', () => {
  it('shows routes and backends with their stats, then follows the live frame', async () => {
    setup();
    const { queries } = renderApp(<BalancersScreen />, '/balancers');
    const panel = await screen.findByRole('region', { name: 'Balancer grpc-front' });
    expect(panel).toHaveTextContent('127.0.0.1:9090');
    const routes = within(panel).getByRole('table', { name: 'Routes of grpc-front' });
    expect(routes).toHaveTextContent('/demo.Greeter/*');
    expect(routes).toHaveTextContent('round_robin');
    expect(routes).toHaveTextContent('2 (2.0 %)');
    expect(routes).toHaveTextContent('1.5 ms / 12 ms');
    const backends = within(panel).getByRole('table', { name: 'Backends of grpc-front' });
    expect(within(backends).getAllByRole('row')).toHaveLength(3);
    expect(within(backends).getByText('ejected')).toHaveAttribute('data-state', 'ejected');
    expect(within(backends).getByRole('link', { name: 'demo-0-abc' })).toHaveAttribute(
      'href',
      '/processes/demo',
    );

    // live-events puts each `balancers` frame here.
    act(() =>
      queries.setQueryData(['balancers', 'live'], {
        time: '2026-11-29T09:00:00Z',
        balancers: [balancer(250)],
      }),
    );
    await waitFor(() => expect(routes).toHaveTextContent('250'));
    expect(screen.getByText(/Live figures of/)).toBeInTheDocument();
  });

  it('shows the autoscaled processes only, newest decision first, with reasons and signals', async () => {
    setup();
    renderApp(<BalancersScreen />, '/balancers');
    const demo = await screen.findByRole('region', { name: 'Autoscaling of demo' });
    expect(demo).toHaveTextContent('2 ready of 2 running, 3 desired');
    expect(demo).toHaveTextContent('1..4 instances · target CPU 60 % per instance');
    const rows = within(
      within(demo).getByRole('table', { name: 'Scaling decisions of demo' }),
    ).getAllByRole('row');
    expect(rows[1]).toHaveTextContent('scale up');
    expect(rows[1]).toHaveTextContent('cpu 85.0 % > 60 % per instance for 30 s');
    expect(rows[2]).toHaveTextContent('held: sustain');
    expect(rows[2]).toHaveTextContent('cpu 85.0 % / 60.0 % → 3');
    expect(screen.queryByRole('region', { name: 'Autoscaling of echo' })).toBeNull();
  });

  it('says how to configure a balancer and autoscaling when there are none', async () => {
    const api = setup();
    api.on('GET /api/v1/balancers', { json: { balancers: [] } });
    api.on('GET /api/v1/processes', { json: { processes: ['echo'], count: 1, items: [] } });
    renderApp(<BalancersScreen />, '/balancers');
    expect(await screen.findByText('No load balancer is configured')).toBeInTheDocument();
    expect(screen.getByText(/docs\/load-balancing.md/)).toBeInTheDocument();
    expect(await screen.findByText('No process scales automatically')).toBeInTheDocument();
  });

  it('shows an error with a retry when the daemon cannot answer', async () => {
    const api = setup();
    api.on('GET /api/v1/balancers', {
      status: 500,
      json: { error: 'internal error', code: 'internal' },
    });
    renderApp(<BalancersScreen />, '/balancers');
    const alerts = await screen.findAllByRole('alert');
    expect(alerts[0]).toHaveTextContent('internal error');
    expect(screen.getAllByRole('button', { name: 'Retry' }).length).toBeGreaterThan(0);
  });
});

describe('balancer helpers', () => {
  it('prefers the live frame', () => {
    const list = { balancers: [balancer(1)] };
    expect(currentBalancers(list, undefined)).toBe(list.balancers);
    const live = { time: 't', balancers: [] };
    expect(currentBalancers(list, live)).toBe(live.balancers);
    expect(currentBalancers(undefined, undefined)).toBeUndefined();
  });

  it('words latencies, errors, targets and signals', () => {
    expect(formatMs(0.25)).toBe('0.25 ms');
    expect(formatMs(250)).toBe('250 ms');
    expect(formatMs(2500)).toBe('2.50 s');
    expect(errorsText(stats(10, 0))).toBe('0');
    expect(errorsText({ ...stats(10, 5), inFlight: 10 })).toBe('5');
    expect(targetsText({})).toBe('no target');
    expect(targetsText({ memoryBytes: 268_435_456, rpsPerInstance: 50 })).toBe(
      'memory 256 MiB, 50 req/s per instance',
    );
    expect(
      signalText({ signal: 'in_flight', observed: 7, target: 4, ratio: 1.75, desired: 4 }),
    ).toBe('in_flight 7.0 / 4.0 → 4');
  });
});
