/**
 * The wire contract, proved by an independent client: @grpc/grpc-js with the .proto file loaded by
 * @grpc/proto-loader (no generated code of ours) calls every ProcessManager RPC of the real daemon
 * on its native gRPC port; then one Connect call and one hand-framed gRPC-Web call on the HTTP port.
 */
import { join } from 'node:path';
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import { describe, expect, it, onTestFinished } from 'vitest';
import { startFakeGithub } from '../fakes/github.js';
import { fixture, ROOT } from '../helpers/paths.js';
import { portRange, startDaemon, writeConfig, type DaemonProcess } from '../helpers/daemon.js';
import { tempDir } from '../helpers/temp-dir.js';
import { waitFor } from '../helpers/wait-for.js';

const PROTO = join(ROOT, 'proto', 'proto', 'process_manager.proto');
const definition = protoLoader.loadSync(PROTO, {
  keepCase: true,
  longs: String,
  defaults: true,
  arrays: true,
});
type Methods = Record<
  string,
  { requestSerialize(value: object): Buffer; responseDeserialize(bytes: Buffer): unknown }
>;
const methods = definition['proto.ProcessManager'] as unknown as Methods;
const ProcessManagerClient = (
  grpc.loadPackageDefinition(definition).proto as unknown as {
    ProcessManager: new (address: string, credentials: grpc.ChannelCredentials) => grpc.Client;
  }
).ProcessManager;

interface Instance {
  id: string;
  process_name: string;
  pid: number;
  status: string;
  start_time: string;
  port: number;
  env_file_path: string;
  metrics: unknown;
}
interface ProcessInfo {
  name: string;
  instances: Instance[];
  instance_count: number;
  config: Record<string, unknown>;
}

type Unary = (
  request: object,
  metadata: grpc.Metadata,
  callback: (error: grpc.ServiceError | null, response: unknown) => void,
) => void;

/** A grpc-js client of the daemon's native port, with promise-returning calls. */
function connect(port: number, key?: string) {
  const client = new ProcessManagerClient(`127.0.0.1:${port}`, grpc.credentials.createInsecure());
  const metadata = (): grpc.Metadata => {
    const m = new grpc.Metadata();
    if (key !== undefined) m.set('authorization', `Bearer ${key}`);
    return m;
  };
  const call = <T>(rpc: string, request: object = {}): Promise<T> =>
    new Promise((resolve, reject) => {
      const method = (client as unknown as Record<string, Unary>)[rpc]!.bind(client);
      method(request, metadata(), (error, response) =>
        error ? reject(error) : resolve(response as T),
      );
    });
  const stream = (rpc: string, request: object) =>
    (
      client as unknown as Record<
        string,
        (request: object, metadata: grpc.Metadata) => grpc.ClientReadableStream<unknown>
      >
    )[rpc]!.call(client, request, metadata());
  return { client, call, stream };
}

async function failure(promise: Promise<unknown>): Promise<grpc.ServiceError> {
  try {
    await promise;
  } catch (error) {
    return error as grpc.ServiceError;
  }
  throw new Error('expected the call to fail');
}

function grpcPortOf(daemon: DaemonProcess): number {
  const line = daemon.output.find((l) => l.includes('gowinproc started'));
  const match = line ? /grpc=127\.0\.0\.1:(\d+)/.exec(line) : null;
  if (!match) throw new Error(`no grpc= in the start line: ${line ?? daemon.output.join('\n')}`);
  return Number(match[1]);
}

const CONFIG = (range: string, extra = '', top = '') => `
server: { port: 0, grpc_port: 0${extra} }
${top}
processes:
  - name: web
    binary_path: ${fixture('http-service.mjs')}
    repository: acme/web
    port_range: ${range}
    instances: 1
    min_instances: 1
    max_instances: 2
    health_check: { type: http, interval: 300ms }
  - name: alpha
    binary_path: ${fixture('http-service.mjs')}
    repository: acme/alpha
    port_range: ${range}
    secrets: { enabled: false }
`;

describe('gRPC interop (grpc-js and the .proto file against the real daemon)', () => {
  it('answers every ProcessManager RPC on the native port', async () => {
    const dir = tempDir();
    const github = await startFakeGithub();
    onTestFinished(() => github.close());
    github.publish('acme/alpha', { tag: 'v1.0.0', body: 'Notes of alpha v1' });
    const daemon = await startDaemon(
      dir,
      writeConfig(dir, CONFIG(portRange(), '', `github: { api_url: ${github.apiUrl} }`)),
    );
    const { client, call, stream } = connect(grpcPortOf(daemon));
    try {
      expect(await call('ListProcesses')).toEqual({ process_names: ['alpha', 'web'], count: 2 });

      let web!: ProcessInfo;
      await waitFor(async () => {
        web = await call<ProcessInfo>('GetProcess', { process_name: 'web' });
        return web.instances[0]?.status === 'healthy' ? true : JSON.stringify(web.instances);
      });
      expect(web).toMatchObject({ name: 'web', instance_count: 1 });
      const first = web.instances[0]!;
      expect(first).toMatchObject({ process_name: 'web', status: 'healthy' });
      expect(first.pid).toBeGreaterThan(0);
      expect(first.port).toBeGreaterThan(0);
      expect(Math.abs(Number(first.start_time) - Date.now() / 1000)).toBeLessThan(120);
      expect(first.env_file_path).toBe(join(dir, 'data', 'web.env'));
      expect(web.config).toMatchObject({
        name: 'web',
        binary_path: fixture('http-service.mjs'),
        min_instances: 1,
        max_instances: 2,
        auto_restart: true,
        github: { repo: 'acme/web' },
        secrets: { enabled: true, env_file: join(dir, 'data', 'web.env') },
        certificates: { enabled: false },
      });

      const notFound = await failure(call('GetProcess', { process_name: 'nope' }));
      expect(notFound.code).toBe(grpc.status.NOT_FOUND);
      expect(notFound.details).toMatch(/nope/);
      expect((await failure(call('GetProcess', { process_name: '' }))).code).toBe(
        grpc.status.INVALID_ARGUMENT,
      );
      const negative = await failure(
        call('ScaleProcess', { process_name: 'web', target_instances: -2 }),
      );
      expect(negative.code).toBe(grpc.status.INVALID_ARGUMENT);

      // WatchEvents: subscribe, then act until an event arrives (the subscription starts once
      // the daemon has read the request; there is no handshake message to wait for).
      const events: Array<{ type: string; process_name: string; json: string; seq: string }> = [];
      const watch = stream('WatchEvents', { process_name: 'web' });
      watch.on('data', (event: (typeof events)[number]) => events.push(event));
      const watchEnded = new Promise<grpc.ServiceError>((resolve) => watch.on('error', resolve));

      const started = await call<ProcessInfo>('StartProcess', { process_name: 'web' });
      expect(started.instance_count).toBe(2);
      await waitFor(async () => {
        if (!events.some((e) => e.type === 'instance.state')) {
          return `no events yet: ${events.map((e) => e.type).join()}`;
        }
        return true;
      });
      expect(events.every((e) => e.process_name === 'web')).toBe(true);
      expect(JSON.parse(events[0]!.json)).toMatchObject({ process: 'web' });

      const full = await failure(call('StartProcess', { process_name: 'web' }));
      expect(full.code).toBe(grpc.status.RESOURCE_EXHAUSTED);
      expect(
        (await failure(call('ScaleProcess', { process_name: 'web', target_instances: 3 }))).code,
      ).toBe(grpc.status.RESOURCE_EXHAUSTED);

      const second = started.instances.find((i) => i.id !== first.id)!;
      expect(await call('StopProcess', { process_name: 'web', instance_id: second.id })).toEqual(
        {},
      );
      expect((await call<ProcessInfo>('GetProcess', { process_name: 'web' })).instance_count).toBe(
        1,
      );

      const scaled = await call<ProcessInfo>('ScaleProcess', {
        process_name: 'web',
        target_instances: 2,
      });
      expect(scaled.instance_count).toBe(2);
      await waitFor(() =>
        events.some((e) => e.type === 'process.scaled') ? true : 'no process.scaled event yet',
      );
      const below = await failure(
        call('ScaleProcess', { process_name: 'web', target_instances: 0 }),
      );
      expect(below.code).toBe(grpc.status.FAILED_PRECONDITION);

      await waitFor(async () => {
        const info = await call<ProcessInfo>('GetProcess', { process_name: 'web' });
        return info.instances.filter((i) => i.status === 'healthy').length === 2
          ? true
          : JSON.stringify(info.instances.map((i) => i.status));
      });
      const pidsBefore = (await call<ProcessInfo>('GetProcess', { process_name: 'web' })).instances
        .map((i) => i.pid)
        .sort();
      const restarted = await call<ProcessInfo>('RestartProcess', { process_name: 'web' });
      const running = restarted.instances.filter((i) => i.status !== 'stopped');
      expect(running).toHaveLength(2);
      for (const instance of running) expect(pidsBefore).not.toContain(instance.pid);

      expect(await call('StopProcess', { process_name: 'alpha', all: true })).toEqual({});
      expect(
        (await call<ProcessInfo>('GetProcess', { process_name: 'alpha' })).instance_count,
      ).toBe(0);

      expect(await call('ListRepositories')).toEqual({
        repositories: ['acme/alpha', 'acme/web'],
        count: 2,
      });

      // The update RPCs answer from the fake GitHub: alpha has a release, web has none.
      expect(await call('GetProcessVersion', { process_name: 'alpha' })).toEqual({
        process_name: 'alpha',
        current_version: '',
        latest_version: 'v1.0.0',
        update_available: true,
        instances: [], // stopped above
      });
      const available = await call<{ updates: Array<Record<string, unknown>> }>(
        'ListAvailableUpdates',
      );
      expect(available.updates).toEqual(
        expect.arrayContaining([
          expect.objectContaining({
            process_name: 'alpha',
            latest_version: 'v1.0.0',
            release_notes: 'Notes of alpha v1',
            up_to_date: false,
          }),
          expect.objectContaining({ process_name: 'web', latest_version: '' }),
        ]),
      );
      const missing = await failure(call('UpdateProcess', { process_name: 'web', version: 'v9' }));
      expect(missing.code).toBe(grpc.status.NOT_FOUND);
      const nothingBefore = await failure(call('RollbackProcess', { process_name: 'web' }));
      expect(nothingBefore.code).toBe(grpc.status.INVALID_ARGUMENT);
      // Metrics are real samples of the instance's process (uint64 fields arrive as strings).
      type Metrics = {
        process_name: string;
        instances: Array<{ instance_id: string; memory_usage: string; cpu_usage: number }>;
        aggregated: { instance_count: number; total_memory_usage: string };
      };
      const runningIds = running.map((i) => i.id).sort();
      let metrics!: Metrics;
      await waitFor(async () => {
        metrics = await call<Metrics>('GetMetrics', { process_name: 'web' });
        const sampled = metrics.instances.map((i) => i.instance_id).sort();
        return JSON.stringify(sampled) === JSON.stringify(runningIds) || JSON.stringify(metrics);
      });
      expect(metrics.process_name).toBe('web');
      for (const instance of metrics.instances)
        expect(Number(instance.memory_usage)).toBeGreaterThan(5 * 1024 * 1024);
      expect(metrics.aggregated.instance_count).toBe(2);
      expect(Number(metrics.aggregated.total_memory_usage)).toBe(
        metrics.instances.reduce((sum, i) => sum + Number(i.memory_usage), 0),
      );
      const withMetrics = await call<ProcessInfo>('GetProcess', { process_name: 'web' });
      expect(
        withMetrics.instances
          .filter((i) => i.metrics !== null)
          .map((i) => i.id)
          .sort(),
      ).toEqual(runningIds);
      expect((await failure(call('GetMetrics', { process_name: 'nope' }))).code).toBe(
        grpc.status.NOT_FOUND,
      );
      const watchUpdate = await new Promise<grpc.ServiceError>((resolve) => {
        const updates = stream('WatchUpdate', { update_id: 'u1' });
        updates.on('data', () => undefined);
        updates.on('error', resolve);
      });
      expect(watchUpdate.code).toBe(grpc.status.NOT_FOUND); // no update has this id

      // Shutdown: the watcher sees the instances stop, then the stream ends with UNAVAILABLE.
      daemon.child.kill('SIGTERM');
      expect(await daemon.exitCode).toBe(0);
      expect((await watchEnded).code).toBe(grpc.status.UNAVAILABLE);
      expect(
        events.filter((e) => e.type === 'instance.state' && JSON.parse(e.json).to === 'stopped'),
      ).not.toEqual([]);
    } finally {
      client.close();
    }
  });

  it('serves the same service as Connect and gRPC-Web on the HTTP port', async () => {
    const dir = tempDir();
    const daemon = await startDaemon(dir, writeConfig(dir, CONFIG(portRange())));
    const connectAnswer = await fetch(`${daemon.url}/proto.ProcessManager/ListProcesses`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{}',
    });
    expect(connectAnswer.status).toBe(200);
    expect(await connectAnswer.json()).toEqual({ processNames: ['alpha', 'web'], count: 2 });

    const notFound = await fetch(`${daemon.url}/proto.ProcessManager/GetProcess`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ processName: 'nope' }),
    });
    expect(notFound.status).toBe(404);
    expect(await notFound.json()).toMatchObject({ code: 'not_found' });

    // gRPC-Web, framed by hand: a 5-byte prefix (flags, big-endian length) before each message.
    const request = methods['GetProcess']!.requestSerialize({ process_name: 'web' });
    const frame = Buffer.concat([Buffer.from([0, 0, 0, 0, 0]), request]);
    frame.writeUInt32BE(request.length, 1);
    const web = await fetch(`${daemon.url}/proto.ProcessManager/GetProcess`, {
      method: 'POST',
      headers: { 'content-type': 'application/grpc-web+proto', 'x-grpc-web': '1' },
      body: frame,
    });
    expect(web.status).toBe(200);
    const body = Buffer.from(await web.arrayBuffer());
    const frames: Array<{ trailer: boolean; data: Buffer }> = [];
    for (let at = 0; at < body.length;) {
      const length = body.readUInt32BE(at + 1);
      frames.push({
        trailer: (body[at]! & 0x80) !== 0,
        data: body.subarray(at + 5, at + 5 + length),
      });
      at += 5 + length;
    }
    expect(frames.map((f) => f.trailer)).toEqual([false, true]);
    expect(methods['GetProcess']!.responseDeserialize(frames[0]!.data)).toMatchObject({
      name: 'web',
      config: { name: 'web', github: { repo: 'acme/web' } },
    });
    expect(frames[1]!.data.toString('utf8')).toMatch(/grpc-status: ?0/);
  });

  it('answers UNAUTHENTICATED and PERMISSION_DENIED with API keys configured', async () => {
    const dir = tempDir();
    const keys =
      ', auth: { api_keys: [ { name: dash, key: viewer-key-0123456789, role: viewer }, { name: ops, key: operator-key-0123456789, role: operator } ] }';
    const daemon = await startDaemon(dir, writeConfig(dir, CONFIG(portRange(), keys)));
    const port = grpcPortOf(daemon);
    const anonymous = connect(port);
    const wrong = connect(port, 'not-the-key-0123456789');
    const viewer = connect(port, 'viewer-key-0123456789');
    const operator = connect(port, 'operator-key-0123456789');
    try {
      expect((await failure(anonymous.call('ListProcesses'))).code).toBe(
        grpc.status.UNAUTHENTICATED,
      );
      expect((await failure(wrong.call('ListProcesses'))).code).toBe(grpc.status.UNAUTHENTICATED);
      expect(await viewer.call('ListProcesses')).toMatchObject({ count: 2 });
      const denied = await failure(viewer.call('StartProcess', { process_name: 'alpha' }));
      expect(denied.code).toBe(grpc.status.PERMISSION_DENIED);
      expect(
        (
          await operator.call<ProcessInfo>('ScaleProcess', {
            process_name: 'web',
            target_instances: 2,
          })
        ).instance_count,
      ).toBe(2);
    } finally {
      for (const c of [anonymous, wrong, viewer, operator]) c.client.close();
    }
  });
});
