import { join } from 'node:path';
import {
  Code,
  ConnectError,
  createClient,
  createRouterTransport,
  type Client,
} from '@connectrpc/connect';
import { describe, expect, it } from 'vitest';
import { configFromYaml } from '../../../test/helpers/config.js';
import { tempDir } from '../../../test/helpers/temp-dir.js';
import { waitFor } from '../../../test/helpers/wait-for.js';
import { ProcessManager, type Event } from '../../gen/proto/process_manager_pb.js';
import { AuthPolicy } from '../auth/index.js';
import { ERROR_CODE_METADATA } from './grpc-status.js';
import { registerServices, rpcInterceptors } from './routes.js';
import { fakeApp } from '../../../test/helpers/fake-app.js';
import { FakeMetricsSource } from '../../../test/helpers/fake-metrics.js';
import { instanceSample, metricsTick } from '../../../test/helpers/metric-samples.js';

const YAML = `
processes:
  - name: web
    binary_path: /bin/web
    args: [--listen, fast]
    repository: acme/web
    instances: 2
    min_instances: 1
    max_instances: 3
    port_range: 7100-7199
    env: { DB_PASSWORD: hunter2-secret-value, MODE: prod }
    health_check: { type: tcp, start_period: 100ms, interval: 1s }
    secrets: { source: local }
    certificates: { enabled: true }
    github: { update_check_interval: 10m }
  - name: worker
    binary_path: /bin/worker
    secrets: { enabled: false }
    restart: { policy: never }
  - name: api
    binary_path: /bin/api
    repository: Acme/API
`;

async function setup(options: { fetchRepoList?: () => Promise<string[] | undefined> } = {}) {
  const dir = tempDir();
  const config = configFromYaml(dir, YAML);
  const metrics = new FakeMetricsSource();
  const { app, supervisor } = await fakeApp(config, {
    ...(options.fetchRepoList ? { fetchRepoList: options.fetchRepoList } : {}),
    metrics,
  });
  const internalErrors: unknown[] = [];
  const rpc = {
    app,
    config: () => supervisor.currentConfig(),
    auth: new AuthPolicy(config.server),
    onInternalError: (error: unknown) => internalErrors.push(error),
  };
  const shutdown = new AbortController();
  const transport = createRouterTransport((router) => registerServices(router, rpc), {
    router: { interceptors: rpcInterceptors(rpc), shutdownSignal: shutdown.signal },
  });
  const client: Client<typeof ProcessManager> = createClient(ProcessManager, transport);
  return { dir, config, supervisor, client, internalErrors, shutdown, metrics };
}

async function failure(call: Promise<unknown> | (() => Promise<unknown>)): Promise<ConnectError> {
  try {
    await (typeof call === 'function' ? call() : call);
  } catch (error) {
    return ConnectError.from(error);
  }
  throw new Error('expected the call to fail');
}

describe('ProcessManager (in process, over the app facade)', () => {
  it('lists process names sorted, with their count', async () => {
    const { client } = await setup();
    const list = await client.listProcesses({});
    expect(list.processNames).toEqual(['api', 'web', 'worker']);
    expect(list.count).toBe(3);
  });

  it('describes a process: instances as grpc.md says, config without secrets', async () => {
    const { client, supervisor, dir } = await setup();
    await waitFor(() => (supervisor.program('web').ready().length === 2 ? true : 'not ready'));
    const info = await client.getProcess({ processName: 'web' });
    expect(info.name).toBe('web');
    expect(info.instanceCount).toBe(2);
    const now = Math.floor(Date.now() / 1000);
    for (const instance of info.instances) {
      expect(instance.processName).toBe('web');
      expect(instance.status).toBe('healthy');
      expect(instance.pid).toBeGreaterThan(0);
      expect(instance.port).toBeGreaterThanOrEqual(7100);
      expect(Number(instance.startTime)).toBeGreaterThan(now - 60);
      expect(Number(instance.startTime)).toBeLessThanOrEqual(now);
      expect(instance.envFilePath).toBe(join(dir, 'data', 'web.env'));
      expect(instance.metrics).toBeUndefined();
    }
    expect(new Set(info.instances.map((i) => i.id)).size).toBe(2);
    expect(info.config).toMatchObject({
      name: 'web',
      binaryPath: '/bin/web',
      args: ['--listen', 'fast'],
      minInstances: 1,
      maxInstances: 3,
      autoRestart: true,
      github: { repo: 'acme/web', autoUpdate: false, updateCheckInterval: 600 },
      secrets: { enabled: true, source: 'local', envFile: join(dir, 'data', 'web.env') },
      certificates: { enabled: true },
    });
    const certs = supervisor.currentConfig().paths.certs;
    expect(info.config?.certificates?.certPath).toBe(join(certs, 'web.crt'));
    expect(info.config?.certificates?.keyPath).toBe(join(certs, 'web.key'));
    expect(JSON.stringify(info, (_k, v: unknown) => (typeof v === 'bigint' ? 0 : v))).not.toMatch(
      /hunter2|DB_PASSWORD/,
    );

    const worker = await client.getProcess({ processName: 'worker' });
    expect(worker.config).toMatchObject({
      autoRestart: false,
      secrets: { enabled: false },
      certificates: { enabled: false, certPath: '', keyPath: '' },
    });
    expect(worker.instances[0]?.envFilePath).toBe('');
  });

  it('starts, stops, restarts and scales, with the effects visible in GetProcess', async () => {
    const { client, supervisor } = await setup();
    await waitFor(() => (supervisor.program('web').ready().length === 2 ? true : 'not ready'));
    const started = await client.startProcess({ processName: 'web' });
    expect(started.instanceCount).toBe(3);
    const full = await failure(client.startProcess({ processName: 'web' }));
    expect(full.code).toBe(Code.ResourceExhausted);
    expect(full.metadata.get(ERROR_CODE_METADATA)).toBe('max_instances_reached');

    const third = started.instances.find((i) => i.id.startsWith('web-2-'));
    expect(third, JSON.stringify(started.instances.map((i) => i.id))).toBeDefined();
    expect(await client.stopProcess({ processName: 'web', instanceId: third!.id })).toEqual(
      expect.objectContaining({}),
    );
    expect((await client.getProcess({ processName: 'web' })).instanceCount).toBe(2);

    const scaled = await client.scaleProcess({ processName: 'web', targetInstances: 1 });
    expect(scaled.instanceCount).toBe(1);
    const below = await failure(client.scaleProcess({ processName: 'web', targetInstances: 0 }));
    expect(below.code).toBe(Code.FailedPrecondition);
    expect(below.metadata.get(ERROR_CODE_METADATA)).toBe('min_instances_reached');
    const above = await failure(client.scaleProcess({ processName: 'web', targetInstances: 4 }));
    expect(above.code).toBe(Code.ResourceExhausted);

    await waitFor(() => (supervisor.program('web').ready().length === 1 ? true : 'not ready'));
    const before = (await client.getProcess({ processName: 'web' })).instances.find(
      (i) => i.status === 'healthy',
    );
    const restarted = await client.restartProcess({ processName: 'web' });
    const running = restarted.instances.filter((i) => i.status !== 'stopped');
    expect(running).toHaveLength(1);
    expect(running[0]?.pid).not.toBe(before?.pid);

    await client.stopProcess({ processName: 'worker' });
    expect(
      (await client.getProcess({ processName: 'worker' })).instances.filter(
        (i) => i.status !== 'stopped',
      ),
    ).toEqual([]);
    await client.stopProcess({ processName: 'api', all: true });
    expect((await client.getProcess({ processName: 'api' })).instanceCount).toBe(0);
  });

  it('answers bad input with the right status codes', async () => {
    const { client } = await setup();
    const unknown = await failure(client.getProcess({ processName: 'nope' }));
    expect(unknown.code).toBe(Code.NotFound);
    expect(unknown.rawMessage).toBe('no process named "nope" is configured');
    expect((await failure(client.startProcess({ processName: 'nope' }))).code).toBe(Code.NotFound);
    expect((await failure(client.getProcess({ processName: '' }))).code).toBe(Code.InvalidArgument);
    expect((await failure(client.getProcess({ processName: 'x'.repeat(201) }))).code).toBe(
      Code.InvalidArgument,
    );
    const negative = await failure(
      client.scaleProcess({ processName: 'web', targetInstances: -1 }),
    );
    expect(negative.code).toBe(Code.InvalidArgument);
    expect(negative.rawMessage).toMatch(/target_instances/);
    const noInstance = await failure(
      client.stopProcess({ processName: 'web', instanceId: 'web-9' }),
    );
    expect(noInstance.code).toBe(Code.NotFound);
    expect(noInstance.metadata.get(ERROR_CODE_METADATA)).toBe('instance_not_found');
    const both = await failure(
      client.stopProcess({ processName: 'web', instanceId: '0', all: true }),
    );
    expect(both.code).toBe(Code.InvalidArgument);
  });

  it('GetMetrics gives the latest samples and totals; unknown figures stay unset', async () => {
    const { client, supervisor, metrics } = await setup();
    const [web0, web1] = supervisor.program('web').instances();
    const sampleOf = (instance: typeof web0, cpuPercent: number | null, rssBytes: number) =>
      instanceSample({
        instance: instance!.id,
        index: instance!.index,
        pid: instance!.pid!,
        cpuPercent,
        rssBytes,
        diskReadBps: 1.4,
        diskWriteBps: null,
        uptimeSeconds: 42,
      });
    metrics.publish(
      metricsTick([
        sampleOf(web0, 25.5, 3 * 1024 ** 3),
        sampleOf(web1, null, 1024),
        instanceSample({ process: 'worker', instance: 'worker-0-x' }),
      ]),
    );
    const answer = await client.getMetrics({ processName: 'web' });
    expect(answer.processName).toBe('web');
    expect(answer.instances.map((i) => [i.instanceId, i.cpuUsage, i.memoryUsage])).toEqual([
      [web0!.id, 25.5, 3n * 1024n ** 3n],
      [web1!.id, 0, 1024n],
    ]);
    expect(answer.instances[0]).toMatchObject({
      diskRead: 1n,
      diskWrite: 0n,
      networkRecv: 0n,
      networkSent: 0n,
      uptime: 42n,
    });
    expect(answer.aggregated).toMatchObject({
      totalCpuUsage: 25.5,
      totalMemoryUsage: 3n * 1024n ** 3n + 1024n,
      instanceCount: 2,
    });
    const one = await client.getMetrics({ processName: 'web', instanceId: '1' });
    expect(one.instances.map((i) => i.instanceId)).toEqual([web1!.id]);
    // The metrics of GetProcess are the same sample.
    const info = await client.getProcess({ processName: 'web' });
    expect(info.instances.find((i) => i.id === web0!.id)?.metrics?.cpuUsage).toBe(25.5);
    expect((await failure(client.getMetrics({ processName: 'nope' }))).code).toBe(Code.NotFound);
    expect((await failure(client.getMetrics({ processName: 'web', instanceId: '7' }))).code).toBe(
      Code.NotFound,
    );
  });

  it('answers the update RPCs with UNIMPLEMENTED when the daemon has no update machinery', async () => {
    // The update RPCs against real updates: update-rpcs.test.ts.
    const { client, supervisor } = await setup();
    const before = supervisor.program('web').instances().length;
    const updates = [
      () => client.updateProcess({ processName: 'web' }),
      () => client.getProcessVersion({ processName: 'web' }),
      () => client.rollbackProcess({ processName: 'web' }),
      async () => {
        for await (const _ of client.watchUpdate({ updateId: 'u1' })) break;
      },
    ];
    for (const call of updates) {
      const error = await failure(call);
      expect(error.code).toBe(Code.Unimplemented);
      expect(error.rawMessage).toBe('updates are not available in this daemon');
    }
    expect(supervisor.program('web').instances().length).toBe(before);
  });

  it('lists configured repositories and the worker list, sorted and unique', async () => {
    const { client } = await setup({
      fetchRepoList: () => Promise.resolve(['zeta/tool', 'ACME/web', 'beta/lib']),
    });
    expect(await client.listRepositories({})).toMatchObject({
      repositories: ['Acme/API', 'acme/web', 'beta/lib', 'zeta/tool'],
      count: 4,
    });
    const failing = await setup({ fetchRepoList: () => Promise.reject(new Error('worker down')) });
    expect((await failing.client.listRepositories({})).repositories).toEqual([
      'Acme/API',
      'acme/web',
    ]);
  });

  it('streams events of one process until the client cancels', async () => {
    const { client, supervisor } = await setup();
    await waitFor(() => (supervisor.program('web').ready().length === 2 ? true : 'not ready'));
    const listenersBefore = supervisor.events.size;
    const abort = new AbortController();
    const received: Event[] = [];
    const reading = (async () => {
      try {
        for await (const event of client.watchEvents(
          { processName: 'web' },
          { signal: abort.signal },
        ))
          received.push(event);
      } catch (error) {
        return ConnectError.from(error).code;
      }
      return 'ended';
    })();
    await waitFor(() =>
      supervisor.events.size > listenersBefore ? true : 'WatchEvents has not subscribed yet',
    );
    await client.scaleProcess({ processName: 'worker', targetInstances: 1 }); // another process
    await client.scaleProcess({ processName: 'web', targetInstances: 3 });
    await waitFor(() =>
      received.some((e) => e.type === 'instance.state' && e.instanceIndex === 2)
        ? true
        : `received ${received.map((e) => e.type).join(', ')}`,
    );
    expect(received.every((e) => e.processName === 'web')).toBe(true);
    const scaled = received.find((e) => e.type === 'process.scaled');
    expect(scaled).toBeDefined();
    expect(JSON.parse(scaled!.json)).toMatchObject({ type: 'process.scaled', from: 2, to: 3 });
    expect(scaled!.instanceId).toBe('');
    const state = received.find((e) => e.type === 'instance.state')!;
    expect(state.instanceId).toBe(JSON.parse(state.json).instance);
    const seqs = received.map((e) => Number(e.seq));
    expect(seqs).toEqual([...seqs].sort((a, b) => a - b));
    expect(Number(state.at)).toBeGreaterThan(Date.now() - 60_000);

    abort.abort();
    expect(await reading).toBe(Code.Canceled);
    await waitFor(() =>
      supervisor.events.size === listenersBefore ? true : 'the stream still listens',
    );
  });

  it('streams every process when no name is given, refuses an unknown one, ends at shutdown', async () => {
    const { client, supervisor, shutdown } = await setup();
    expect(
      (
        await failure(async () => {
          for await (const _ of client.watchEvents({ processName: 'nope' })) break;
        })
      ).code,
    ).toBe(Code.NotFound);
    const listenersBefore = supervisor.events.size;
    const names = new Set<string>();
    const reading = failure(async () => {
      for await (const event of client.watchEvents({})) names.add(event.processName);
    });
    await waitFor(() => (supervisor.events.size > listenersBefore ? true : 'not subscribed yet'));
    await client.stopProcess({ processName: 'worker' });
    await client.stopProcess({ processName: 'api' });
    await waitFor(() => (names.has('worker') && names.has('api') ? true : [...names].join()));
    shutdown.abort(new ConnectError('the daemon is shutting down', Code.Unavailable));
    expect((await reading).code).toBe(Code.Unavailable);
    await waitFor(() => (supervisor.events.size === listenersBefore ? true : 'still listening'));
  });
});
