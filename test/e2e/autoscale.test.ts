/**
 * The autoscaler of the real daemon: load through the balancer raises the calls in flight per
 * instance above the target, the process scales out (new instances take traffic once healthy),
 * and when the load stops it scales back in, draining each instance first: no call fails.
 * Every decision is visible in the API with its reason and inputs, and on the events stream.
 */
import * as grpc from '@grpc/grpc-js';
import { describe, expect, it } from 'vitest';
import { startBalancedDaemon } from '../helpers/balanced-daemon.js';
import { portRange } from '../helpers/daemon.js';
import { eventStream } from '../helpers/event-stream.js';
import { closedLoop, echoClient } from '../helpers/echo-client.js';
import { fixture } from '../helpers/paths.js';
import { waitFor } from '../helpers/wait-for.js';

interface AutoscaleJson {
  enabled: boolean;
  policy: { targets: Record<string, number>; sustainMs: number; cooldownMs: number } | null;
  instances: { current: number; ready: number; desired: number };
  decisions: Array<{
    action: string;
    from: number;
    to: number;
    reason: string;
    held?: string;
    signals: Array<{ signal: string; observed: number; target: number }>;
  }>;
}

describe('autoscaling a real daemon', () => {
  it('scales out under load and back in when it stops, losing no call', async () => {
    const { daemon, target: balancer } = await startBalancedDaemon(
      `server: { port: 0, grpc_port: 0 }
processes:
  - name: api
    binary_path: ${fixture('echo-service.mjs')}
    instances: 1
    port_range: ${portRange()}
    secrets: { enabled: false }
    health_check: { type: grpc, interval: 200ms, timeout: 200ms, retries: 1, start_period: 10s }
    env: { STOP: abrupt }
    scaling:
      enabled: true
      min_instances: 1
      max_instances: 3
      cpu_threshold: 0
      in_flight_threshold: 2
      sustain: 1s
      cooldown: 2s
      scale_down_stabilization: 2s
load_balancers:
  - name: lb
    listen_port: 0
    routes: [{ methods: ['.*'], target_processes: [api], strategy: least_connections }]
`,
    );
    const events = await eventStream(`${daemon.url}/api/v1/events?process=api`);
    const autoscale = async (): Promise<AutoscaleJson> =>
      (await daemon.api<AutoscaleJson>('GET', '/api/v1/processes/api/autoscale')).json;

    await waitFor(async () => {
      const { instances } = await autoscale();
      return instances.ready === 1 || `instances: ${JSON.stringify(instances)}`;
    });
    const idle = await autoscale();
    expect(idle.enabled).toBe(true);
    expect(idle.policy?.targets).toEqual({ inFlightPerInstance: 2 });

    // Eight callers with 50 ms calls: about eight calls in flight on one instance, four times
    // the target; the autoscaler goes to its maximum of three.
    const client = echoClient(await balancer('lb'));
    const load = closedLoop(client, 8, { delay_ms: 50 });
    await waitFor(
      async () => {
        const { instances } = await autoscale();
        return instances.ready === 3 || `instances: ${JSON.stringify(instances)}`;
      },
      { timeoutMs: 30_000 },
    );
    const up = (await autoscale()).decisions.find((d) => d.action === 'scale_up');
    expect(up).toMatchObject({ from: 1 });
    expect(up?.to).toBeGreaterThan(1);
    expect(up?.signals[0]).toMatchObject({ signal: 'in_flight', target: 2 });
    expect(up?.signals[0]?.observed).toBeGreaterThan(2);
    expect(up?.reason).toMatch(/in.flight/i);
    // The new instances take calls once healthy.
    await waitFor(() => {
      const served = load.calls();
      return served > 0 || 'no calls yet';
    });
    const during = load.calls();
    await waitFor(() => load.calls() > during + 200 || `${load.calls()} calls`);

    const shown = await daemon.cli(['autoscale', 'api']);
    expect(shown.code, shown.stderr).toBe(0);
    expect(shown.stdout).toMatch(/autoscaling 1\.\.3 on 2 in flight per instance/);
    expect(shown.stdout).toMatch(/ scale_up {2}.*in.flight/);
    const result = await load.stop();
    expect(result.failures).toEqual([]);
    expect([...result.byCode.keys()]).toEqual([grpc.status.OK]);
    expect(result.servedBy.size).toBe(3);

    // No load: back to the minimum, one instance at a time, each drained before it stops.
    await waitFor(
      async () => {
        const { instances } = await autoscale();
        return instances.current === 1 || `instances: ${JSON.stringify(instances)}`;
      },
      { timeoutMs: 30_000 },
    );
    const downs = (await autoscale()).decisions.filter((d) => d.action === 'scale_down');
    expect(downs.length).toBeGreaterThanOrEqual(2);
    for (const d of downs) expect(d.from - d.to).toBe(1);

    // Every decision was an event on the stream, with its inputs; so were the drains.
    const actions = events
      .filter((e) => e.type === 'process.autoscale')
      .map((e) => e.data as { action: string; signals: unknown[] });
    expect(actions.filter((a) => a.action === 'scale_up').length).toBeGreaterThanOrEqual(1);
    expect(actions.filter((a) => a.action === 'scale_down').length).toBe(downs.length);
    expect(actions.every((a) => Array.isArray(a.signals))).toBe(true);
    const drained = events
      .filter((e) => e.type === 'balancer.backend')
      .map((e) => (e.data as { change: string }).change)
      .filter((c) => c === 'drained');
    expect(drained.length).toBeGreaterThanOrEqual(2);
  });
});
