/**
 * The load balancer of the real daemon over real echo-fixture instances: a config in the shape of
 * the original's load-balancer example routes calls by method to the right processes with the
 * right strategies; streaming and cancellation pass through; restarts, scale-in and stopping an
 * instance under load lose no call (the balancer drains each instance before it stops); stats
 * reach the API, /metrics and the events stream.
 */
import * as grpc from '@grpc/grpc-js';
import parsePrometheusTextFormat from 'parse-prometheus-text-format';
import { describe, expect, it } from 'vitest';
import { startBalancedDaemon } from '../helpers/balanced-daemon.js';
import { portRange, type DaemonProcess } from '../helpers/daemon.js';
import { closedLoop, echoClient, unary, type LoadResult } from '../helpers/echo-client.js';
import { eventStream } from '../helpers/event-stream.js';
import { fixture } from '../helpers/paths.js';
import { waitFor } from '../helpers/wait-for.js';

const HEALTH = '{ type: grpc, interval: 200ms, timeout: 200ms, retries: 1, start_period: 10s }';

function echoProcess(name: string, instances: number, range: string, extra = ''): string {
  return `  - name: ${name}
    binary_path: ${fixture('echo-service.mjs')}
    instances: ${instances}
    max_instances: 4
    port_range: ${range}
    secrets: { enabled: false }
    health_check: ${HEALTH}
    stop: { timeout: 5s }
${extra}`;
}

interface BalancerJson {
  name: string;
  port: number;
  rps: number;
  unmatched: number;
  routes: Array<{
    strategy: string;
    stats: { requests: number; byStatus: Record<string, number> };
  }>;
  backends: Array<{ id: string; process: string; state: string; stats: { requests: number } }>;
}

async function readyBackends(daemon: DaemonProcess, lb: string, count: number): Promise<void> {
  await waitFor(
    async () => {
      const { json } = await daemon.api<BalancerJson>('GET', `/api/v1/balancers/${lb}`);
      const ready = json.backends.filter((b) => b.state === 'ready').length;
      return (
        ready === count || `${ready} of ${count} backends ready: ${JSON.stringify(json.backends)}`
      );
    },
    { timeoutMs: 20_000 },
  );
}

const okOnly = (result: LoadResult): void => {
  expect(result.failures).toEqual([]);
  expect([...result.byCode.keys()]).toEqual([grpc.status.OK]);
};

describe('the load balancer of a real daemon', () => {
  it('routes the original example shape by method, with round robin and primary', async () => {
    const range = portRange();
    const { daemon, target: balancer } = await startBalancedDaemon(
      `server: { port: 0, grpc_port: 0 }
processes:
${echoProcess('catalog_service', 3, range)}
${echoProcess('billing_service', 2, range)}
load_balancers:
  - name: storefront_lb
    listen_port: 0
    protocol: grpc
    routes:
      - methods:
          - ".*/fixture\\\\.echo\\\\.Echo/.*"
        target_processes:
          - catalog_service
        strategy: round_robin
      - methods:
          - '.*/fixture.echo.Other.*'
        target_processes:
          - billing_service
        strategy: primary
`,
    );
    await readyBackends(daemon, 'storefront_lb', 5);
    const target = await balancer('storefront_lb');
    const events = await eventStream(
      `${daemon.url}/api/v1/events?metrics=1&process=catalog_service`,
    );

    // Round robin over catalog_service's three instances: each gets exactly a third.
    const echo = echoClient(target);
    const served = new Map<string, number>();
    for (let n = 0; n < 30; n++) {
      const { code, reply } = await unary(echo, { payload: Buffer.from(`call ${n}`) });
      expect(code).toBe(0);
      expect(reply?.payload.toString()).toBe(`call ${n}`);
      served.set(reply!.served_by, (served.get(reply!.served_by) ?? 0) + 1);
    }
    expect([...served.values()]).toEqual([10, 10, 10]);
    const catalogIds = new Set(
      (
        await daemon.api<{ instances: Array<{ id: string }> }>(
          'GET',
          '/api/v1/processes/catalog_service',
        )
      ).json.instances.map((i) => i.id),
    );
    expect(new Set(served.keys())).toEqual(catalogIds);

    // Primary: every call to the Other service goes to billing_service's first instance.
    const other = echoClient(target, 'Other');
    const billing = new Set<string>();
    for (let n = 0; n < 10; n++) {
      const { code, reply } = await unary(other, {});
      expect(code).toBe(0);
      billing.add(reply!.served_by);
    }
    expect(billing.size).toBe(1);
    const [primary] = [...billing];
    expect(primary).toMatch(/^other:billing_service-0-/);

    // Primary fails over to the next instance when the first stops (drained first).
    const everything = await eventStream(`${daemon.url}/api/v1/events`);
    expect((await daemon.cli(['stop', 'billing_service', '--instance', '0'])).code).toBe(0);
    const after = await unary(other, {});
    expect(after.code).toBe(0);
    expect(after.reply?.served_by).toMatch(/^other:billing_service-1-/);

    // A method no route matches: UNIMPLEMENTED naming it.
    const health = new grpc.Client(target, grpc.credentials.createInsecure());
    const unmatched = await new Promise<grpc.ServiceError | null>((resolve) =>
      health.makeUnaryRequest(
        '/nobody.Nothing/Call',
        (b: Buffer) => b,
        (b: Buffer) => b,
        Buffer.alloc(0),
        (error) => resolve(error),
      ),
    );
    health.close();
    expect(unmatched?.code).toBe(grpc.status.UNIMPLEMENTED);
    expect(unmatched?.details).toContain('/nobody.Nothing/Call');

    // Stats on the API.
    const { json } = await daemon.api<BalancerJson>('GET', '/api/v1/balancers/storefront_lb');
    expect(json.unmatched).toBe(1);
    expect(json.routes[0]?.stats.byStatus.OK).toBe(30);
    expect(json.routes[1]?.strategy).toBe('primary');
    expect((await daemon.api('GET', '/api/v1/balancers/nope')).status).toBe(404);
    const cli = await daemon.cli(['balancers']);
    expect(cli.code, cli.stderr).toBe(0);
    expect(cli.stdout).toMatch(/^storefront_lb {2}grpc:\/\/127\.0\.0\.1:\d+ /m);
    expect(
      cli.stdout.match(/^catalog_service-\d-\w+ +ready +127\.0\.0\.1:\d+ +0 +10 +0 /gm),
    ).toHaveLength(3);

    // On the events stream: a `balancers` frame with each sample, and the backends' joins.
    await waitFor(() => {
      const frame = events.filter((e) => e.type === 'balancers').at(-1)?.data as
        { balancers: BalancerJson[] } | undefined;
      const calls = frame?.balancers[0]?.routes[0]?.stats.requests;
      return calls === 30 || `latest balancers frame: ${calls} calls on the first route`;
    });
    expect(
      everything
        .filter((e) => e.type === 'balancer.backend')
        .map((e) => (e.data as { change: string }).change),
    ).toEqual(['draining', 'drained']);

    // And on /metrics: finished calls by route and code, per backend, and latency histograms.
    const metricsText = await (await fetch(`${daemon.url}/metrics`)).text();
    const families = parsePrometheusTextFormat(metricsText);
    const family = (name: string) => {
      const found = families.find((f) => f.name === name);
      if (!found) throw new Error(`no ${name} in /metrics`);
      return found;
    };
    const routeCalls = family('gowinproc_balancer_requests_total').metrics.filter(
      (m) => m.labels?.['balancer'] === 'storefront_lb' && m.labels['code'] === 'OK',
    );
    expect(routeCalls.map((m) => Number(m.value)).sort((a, b) => a - b)).toEqual([11, 30]);
    const perBackend = family('gowinproc_backend_requests_total').metrics.filter(
      (m) => m.labels?.['process'] === 'catalog_service',
    );
    expect(perBackend.map((m) => Number(m.value))).toEqual([10, 10, 10]);
    expect(family('gowinproc_balancer_request_duration_seconds').type).toBe('HISTOGRAM');
    expect(metricsText).toMatch(
      /^gowinproc_balancer_request_duration_seconds_count\{balancer="storefront_lb",route="[^"]*Echo[^"]*"\} 30$/m,
    );
  });

  it('passes streaming calls, deadlines and cancellation through', async () => {
    const { daemon, target: balancer } = await startBalancedDaemon(
      `server: { port: 0, grpc_port: 0 }
processes:
${echoProcess('echo', 1, portRange())}
load_balancers:
  - name: lb
    listen_port: 0
    routes: [{ methods: ['.*'], target_processes: [echo] }]
`,
    );
    await readyBackends(daemon, 'lb', 1);
    const client = echoClient(await balancer('lb'));

    const streamed: string[] = [];
    await new Promise<void>((resolve, reject) => {
      const call = client.ServerStream({ payload: Buffer.from('s'), count: 50 });
      call.on('data', (reply: { payload: Buffer }) => streamed.push(reply.payload.toString()));
      call.on('error', reject);
      call.on('end', resolve);
    });
    expect(streamed).toHaveLength(50);

    const received = await new Promise<number>((resolve, reject) => {
      const call = client.ClientStream((error, reply) =>
        error ? reject(error) : resolve(reply!.received),
      );
      for (let n = 0; n < 40; n++) call.write({ payload: Buffer.from(String(n)) });
      call.end();
    });
    expect(received).toBe(40);

    const echoed = await new Promise<string[]>((resolve, reject) => {
      const out: string[] = [];
      const call = client.Bidi();
      call.on('data', (reply: { payload: Buffer }) => {
        out.push(reply.payload.toString());
        if (out.length < 20) call.write({ payload: Buffer.from(String(out.length)) });
        else call.end();
      });
      call.on('error', reject);
      call.on('end', () => resolve(out));
      call.write({ payload: Buffer.from('0') });
    });
    expect(echoed).toEqual(Array.from({ length: 20 }, (_, n) => String(n)));

    const failed = await unary(client, { fail_code: 5, fail_message: 'no such thing ü' });
    expect(failed).toMatchObject({ code: grpc.status.NOT_FOUND, details: 'no such thing ü' });

    const big = Buffer.alloc(8 * 1024 * 1024, 7);
    const large = await unary(client, { payload: big });
    expect(large.code).toBe(0);
    expect(large.reply?.payload.equals(big)).toBe(true);

    // The deadline reaches the backend, which ends the call; the backend sees it cancelled.
    const hung = await unary(client, {}, { method: 'Hang', deadlineMs: 300 });
    expect(hung.code).toBe(grpc.status.DEADLINE_EXCEEDED);
    await waitFor(async () => {
      const logs = await daemon.cli(['logs', 'echo', '--tail', '200']);
      return logs.stdout.includes('hang cancelled') || `backend log: ${logs.stdout}`;
    });

    // A client that cancels: the backend's call is cancelled too.
    const before = (await daemon.cli(['logs', 'echo', '--tail', '200'])).stdout.split(
      'hang cancelled',
    ).length;
    const cancelled = await new Promise<number>((resolve) => {
      const call = client.Hang({}, new grpc.Metadata(), {}, (error) => resolve(error!.code));
      setImmediate(() => setTimeout(() => call.cancel(), 200));
    });
    expect(cancelled).toBe(grpc.status.CANCELLED);
    await waitFor(async () => {
      const logs = (await daemon.cli(['logs', 'echo', '--tail', '200'])).stdout;
      return logs.split('hang cancelled').length > before || `backend log: ${logs}`;
    });
  });

  it('loses no call while instances are restarted, scaled in and stopped under load', async () => {
    const { daemon, target: balancer } = await startBalancedDaemon(
      `server: { port: 0, grpc_port: 0 }
processes:
${echoProcess('api', 3, portRange(), '    env: { STOP: abrupt }\n')}
load_balancers:
  - name: lb
    listen_port: 0
    drain_timeout: 10s
    routes: [{ methods: ['.*'], target_processes: [api], strategy: least_connections }]
`,
    );
    await readyBackends(daemon, 'lb', 3);
    const client = echoClient(await balancer('lb'));
    // Calls that take 30 ms, so there are always calls in flight on every instance; the
    // instances exit at once on SIGTERM, so only the drain keeps their calls from failing.
    const load = closedLoop(client, 12, { delay_ms: 30, payload: Buffer.from('x') });
    await waitFor(() => load.calls() > 100 || `${load.calls()} calls so far`);

    // A rolling restart (each instance replaced: start new, wait healthy, drain, stop old).
    const restarted = await daemon.cli(['restart', 'api']);
    expect(restarted.code, restarted.stderr).toBe(0);
    // Scale in (drain, then stop), and stop one instance by hand.
    expect((await daemon.cli(['scale', 'api', '2'])).code).toBe(0);
    const { json } = await daemon.api<{ instances: Array<{ index: number }> }>(
      'GET',
      '/api/v1/processes/api',
    );
    expect(
      (await daemon.cli(['stop', 'api', '--instance', String(json.instances[0]!.index)])).code,
    ).toBe(0);
    const calls = load.calls();
    await waitFor(() => load.calls() > calls + 100 || `${load.calls()} calls so far`);
    const result = await load.stop();
    okOnly(result);
    expect(result.calls).toBeGreaterThan(300);
    // Replies came from the old and the new instances.
    expect(result.servedBy.size).toBeGreaterThanOrEqual(5);

    const events = await daemon.api<{ events: Array<{ type: string; change?: string }> }>(
      'GET',
      '/api/v1/processes/api',
    );
    expect(events.status).toBe(200);
  });
});
