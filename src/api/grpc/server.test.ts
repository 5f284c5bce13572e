import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { Code, ConnectError, createClient, type Transport } from '@connectrpc/connect';
import {
  createConnectTransport,
  createGrpcTransport,
  createGrpcWebTransport,
} from '@connectrpc/connect-node';
import { afterEach, describe, expect, it } from 'vitest';
import { configFromYaml } from '../../../test/helpers/config.js';
import { FakeProbe } from '../../../test/helpers/fake-probe.js';
import { tempDir } from '../../../test/helpers/temp-dir.js';
import { waitFor } from '../../../test/helpers/wait-for.js';
import { createApp } from '../../app/index.js';
import { FakeProcessDriver, PortAllocator, Supervisor } from '../../core/index.js';
import {
  Health,
  HealthCheckResponse_ServingStatus as ServingStatus,
} from '../../gen/grpc/health/v1/health_pb.js';
import { ProcessManager } from '../../gen/proto/process_manager_pb.js';
import { ensureServerCertificate } from '../../services/certs/index.js';
import { DaemonError, systemClock } from '../../shared/index.js';
import { AuthPolicy } from '../auth/index.js';
import { buildRestApi, listen, type RunningServer } from '../rest/index.js';
import { rpcHttpMount } from './http-handler.js';
import { startGrpcServer, type RunningGrpcServer } from './server.js';

const YAML = `
processes:
  - name: web
    binary_path: /bin/web
    max_instances: 3
`;

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function setup(authYaml = '') {
  const dir = tempDir();
  const config = configFromYaml(dir, `${authYaml}\n${YAML}`);
  const supervisor = new Supervisor({
    config,
    driver: new FakeProcessDriver(),
    probe: new FakeProbe().probe,
    ports: new PortAllocator(() => Promise.resolve(true)),
    platform: 'linux',
    daemonEnv: {},
  });
  cleanups.push(() => supervisor.shutdown());
  await supervisor.start();
  const app = createApp({
    supervisor,
    clock: systemClock,
    startedAt: Date.now(),
    version: 't',
    control: { reload: () => supervisor.reload(config), shutdown: () => undefined },
  });
  const internalErrors: unknown[] = [];
  const rpc = {
    app,
    config: () => supervisor.currentConfig(),
    auth: new AuthPolicy(config.server),
    onInternalError: (error: unknown) => internalErrors.push(error),
  };
  return { dir, config, supervisor, app, rpc, internalErrors };
}

async function grpcServer(
  rpc: Awaited<ReturnType<typeof setup>>['rpc'],
  tls?: { cert: string; key: string },
): Promise<RunningGrpcServer> {
  const server = await startGrpcServer({
    ...rpc,
    host: '127.0.0.1',
    port: 0,
    ...(tls ? { tls } : {}),
    closeGraceMs: 200,
  });
  cleanups.push(() => server.close());
  return server;
}

describe('the native gRPC port', () => {
  it('serves ProcessManager, health and reflection over h2c', async () => {
    const { rpc } = await setup();
    const server = await grpcServer(rpc);
    const transport = createGrpcTransport({ baseUrl: `http://127.0.0.1:${server.port}` });
    const client = createClient(ProcessManager, transport);
    expect((await client.listProcesses({})).processNames).toEqual(['web']);
    const missing = await client.getProcess({ processName: 'nope' }).catch(ConnectError.from);
    expect(missing).toMatchObject({ code: Code.NotFound });
    const health = createClient(Health, transport);
    expect((await health.check({ service: '' })).status).toBe(ServingStatus.SERVING);
    expect((await health.check({ service: 'proto.ProcessManager' })).status).toBe(
      ServingStatus.SERVING,
    );
  });

  it('serves TLS when given a certificate', async () => {
    const { rpc, dir, config } = await setup();
    const generated = await ensureServerCertificate(dir, config.certificates, Date.now());
    const cert = readFileSync(generated.certFile, 'utf8');
    const server = await grpcServer(rpc, { cert, key: readFileSync(generated.keyFile, 'utf8') });
    const client = createClient(
      ProcessManager,
      createGrpcTransport({
        baseUrl: `https://localhost:${server.port}`,
        nodeOptions: { ca: cert },
      }),
    );
    expect((await client.listProcesses({})).count).toBe(1);
  });

  it('authenticates with the same policy and rate-limits failed attempts per client', async () => {
    const { rpc } = await setup(
      'server:\n  auth:\n    api_keys: [ { name: ops, key: operator-key-0123456789, role: operator } ]',
    );
    const server = await grpcServer(rpc);
    const client = createClient(
      ProcessManager,
      createGrpcTransport({ baseUrl: `http://127.0.0.1:${server.port}` }),
    );
    const wrong = { headers: { authorization: 'Bearer wrong' } };
    const first = await client.listProcesses({}, wrong).catch(ConnectError.from);
    expect(first).toMatchObject({ code: Code.Unauthenticated });
    let limited: ConnectError | undefined;
    await waitFor(async () => {
      const error = await client.listProcesses({}, wrong).catch(ConnectError.from);
      if (error instanceof ConnectError && error.code === Code.ResourceExhausted) limited = error;
      return limited ? true : `still ${error instanceof ConnectError ? Code[error.code] : 'ok'}`;
    });
    expect(Number(limited!.metadata.get('retry-after'))).toBeGreaterThan(0);
    const ok = { headers: { authorization: 'Bearer operator-key-0123456789' } };
    // Locked out by address, whatever the credential, until the window passes.
    expect(await client.listProcesses({}, ok).catch(ConnectError.from)).toMatchObject({
      code: Code.ResourceExhausted,
    });
  });

  it('ends open WatchEvents streams with UNAVAILABLE on close, without hanging', async () => {
    const { rpc, supervisor } = await setup();
    const server = await grpcServer(rpc);
    const client = createClient(
      ProcessManager,
      createGrpcTransport({ baseUrl: `http://127.0.0.1:${server.port}` }),
    );
    const before = supervisor.events.size;
    const reading = (async () => {
      try {
        for await (const _ of client.watchEvents({})) {
          // keep reading
        }
        return 'ended';
      } catch (error) {
        return ConnectError.from(error).code;
      }
    })();
    await waitFor(() => (supervisor.events.size > before ? true : 'not subscribed yet'));
    const started = Date.now();
    await server.close();
    expect(Date.now() - started).toBeLessThan(5000);
    expect(await reading).toBe(Code.Unavailable);
    expect(supervisor.events.size).toBe(before);
  });

  it('refuses a port in use, naming server.grpc_port', async () => {
    const { rpc } = await setup();
    const blocker = createServer();
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
    cleanups.push(() => new Promise((resolve) => blocker.close(() => resolve())));
    const port = (blocker.address() as { port: number }).port;
    const attempt = startGrpcServer({ ...rpc, host: '127.0.0.1', port });
    await expect(attempt).rejects.toBeInstanceOf(DaemonError);
    await expect(attempt).rejects.toMatchObject({
      code: 'port_in_use',
      message: expect.stringMatching(/server\.grpc_port/) as unknown,
    });
  });
});

describe('Connect and gRPC-Web on the HTTP port', () => {
  async function httpServer(authYaml = '', origins: string[] = []) {
    const parts = await setup(authYaml);
    const browser = { origins, loopbackOnly: true };
    const server: RunningServer = await listen(
      buildRestApi({ app: parts.app, auth: parts.rpc.auth, browser }),
      {
        host: '127.0.0.1',
        port: 0,
        requestTimeoutMs: 10_000,
        mount: rpcHttpMount({ ...parts.rpc, browser }),
      },
    );
    cleanups.push(() => server.close());
    return { ...parts, base: `http://127.0.0.1:${server.port}` };
  }

  const clients = (base: string): Record<string, Transport> => ({
    connect: createConnectTransport({ baseUrl: base, httpVersion: '1.1' }),
    grpcWeb: createGrpcWebTransport({ baseUrl: base, httpVersion: '1.1' }),
  });

  it('answers Connect (fetch and client) and gRPC-Web with the same service, REST still works', async () => {
    const { base, supervisor } = await httpServer();
    const json = await fetch(`${base}/proto.ProcessManager/ListProcesses`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{}',
    });
    expect(json.status).toBe(200);
    expect(await json.json()).toEqual({ processNames: ['web'], count: 1 });
    for (const [name, transport] of Object.entries(clients(base))) {
      const client = createClient(ProcessManager, transport);
      expect((await client.getProcess({ processName: 'web' })).name, name).toBe('web');
      const error = await client.getProcess({ processName: 'nope' }).catch(ConnectError.from);
      expect(error, name).toMatchObject({ code: Code.NotFound });
    }
    // A server stream over HTTP/1.1 (gRPC-Web).
    const before = supervisor.events.size;
    const abort = new AbortController();
    const web = createClient(ProcessManager, clients(base).grpcWeb!);
    const types: string[] = [];
    const reading = (async () => {
      try {
        for await (const event of web.watchEvents({}, { signal: abort.signal }))
          types.push(event.type);
      } catch {
        // cancelled below
      }
    })();
    await waitFor(() => (supervisor.events.size > before ? true : 'not subscribed yet'));
    await web.scaleProcess({ processName: 'web', targetInstances: 2 });
    await waitFor(() => (types.includes('process.scaled') ? true : types.join()));
    abort.abort();
    await reading;
    await waitFor(() => (supervisor.events.size === before ? true : 'still listening'));
    const rest = await fetch(`${base}/api/v1/processes`);
    expect(((await rest.json()) as { processes: string[] }).processes).toEqual(['web']);
  });

  it('keeps the browser guard and CORS for RPC paths', async () => {
    const { base } = await httpServer('', ['http://dash.example']);
    const call = (headers: Record<string, string>) =>
      fetch(`${base}/proto.ProcessManager/ListProcesses`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...headers },
        body: '{}',
      });
    const evil = await call({ origin: 'https://evil.example' });
    expect(evil.status).toBe(403);
    expect(await evil.json()).toMatchObject({ code: 'permission_denied' });
    const listed = await call({ origin: 'http://dash.example' });
    expect(listed.status).toBe(200);
    expect(listed.headers.get('access-control-allow-origin')).toBe('http://dash.example');
    expect(listed.headers.get('access-control-expose-headers')).toMatch(/grpc-status/i);
    const preflight = await fetch(`${base}/proto.ProcessManager/ListProcesses`, {
      method: 'OPTIONS',
      headers: { origin: 'http://dash.example', 'access-control-request-method': 'POST' },
    });
    expect(preflight.status).toBe(204);
    expect(preflight.headers.get('access-control-allow-headers')).toMatch(/authorization/i);
  });

  it('requires credentials like REST and limits message size', async () => {
    const { base } = await httpServer(
      'server:\n  auth:\n    api_keys: [ { name: v, key: viewer-key-0123456789, role: viewer } ]',
    );
    const client = createClient(ProcessManager, clients(base).connect!);
    expect(await client.listProcesses({}).catch(ConnectError.from)).toMatchObject({
      code: Code.Unauthenticated,
    });
    const viewer = { headers: { authorization: 'Bearer viewer-key-0123456789' } };
    expect((await client.listProcesses({}, viewer)).count).toBe(1);
    expect(
      await client.startProcess({ processName: 'web' }, viewer).catch(ConnectError.from),
    ).toMatchObject({ code: Code.PermissionDenied });
    const huge = await client
      .getProcess({ processName: 'x'.repeat(2 * 1024 * 1024) }, viewer)
      .catch(ConnectError.from);
    expect(huge).toMatchObject({ code: Code.ResourceExhausted });
  });
});
