import { createHash } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { configFromYaml } from '../../../test/helpers/config.js';
import { FakeProbe } from '../../../test/helpers/fake-probe.js';
import { tempDir } from '../../../test/helpers/temp-dir.js';
import { waitFor } from '../../../test/helpers/wait-for.js';
import { createApp } from '../../app/index.js';
import { FakeProcessDriver, PortAllocator, Supervisor } from '../../core/index.js';
import { ERROR_CODE_LIST, systemClock } from '../../shared/index.js';
import { AuthPolicy } from '../auth/index.js';
import { HTTP_STATUS } from './error-status.js';
import { buildRestApi, restRoutes } from './rest-api.js';

const YAML = `
processes:
  - name: web
    binary_path: /bin/web
    instances: 2
    min_instances: 1
    max_instances: 3
    env: { DB_PASSWORD: hunter2-secret-value, MODE: prod }
    health_check: { type: tcp, start_period: 100ms, interval: 1s }
  - name: worker
    binary_path: /bin/worker
`;

const supervisors: Supervisor[] = [];
afterEach(async () => {
  await Promise.all(supervisors.splice(0).map((s) => s.shutdown()));
});

/** An app over the supervisor whose daemon controls do nothing. */
function plainApp(supervisor: Supervisor) {
  return createApp({
    supervisor,
    clock: systemClock,
    startedAt: 0,
    version: 't',
    control: {
      reload: () => Promise.reject(new Error('no reload in this test')),
      shutdown: () => undefined,
    },
  });
}

async function setup(authYaml = '') {
  const dir = tempDir();
  const config = configFromYaml(dir, `${authYaml}\n${YAML}`);
  const driver = new FakeProcessDriver().define('/bin/web', (p) =>
    p.print(`hello from ${p.spec.env.INSTANCE_INDEX}`),
  );
  const probe = new FakeProbe();
  const supervisor = new Supervisor({
    config,
    driver,
    probe: probe.probe,
    ports: new PortAllocator(() => Promise.resolve(true)),
    platform: 'linux',
    daemonEnv: {},
  });
  supervisors.push(supervisor);
  await supervisor.start();
  let shutdownRequested = false;
  const app = createApp({
    supervisor,
    clock: systemClock,
    startedAt: Date.now(),
    version: '0.0.0-test',
    control: {
      reload: () => supervisor.reload(config),
      shutdown: () => {
        shutdownRequested = true;
      },
    },
  });
  const api = buildRestApi({ app, auth: new AuthPolicy(config.server) });
  const call = async (
    method: string,
    path: string,
    body?: unknown,
    headers: Record<string, string> = {},
  ) => {
    const response = await api.handle({
      method,
      url: path,
      headers: {
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        ...headers,
      },
      body: body === undefined ? '' : typeof body === 'string' ? body : JSON.stringify(body),
    });
    if (!('body' in response)) throw new Error(`${path} answered with a stream`);
    const text = response.body;
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      json = undefined;
    }
    return { status: response.status, json: json as Record<string, unknown>, text };
  };
  return { supervisor, driver, probe, call, wasShutdownRequested: () => shutdownRequested };
}

describe('REST API (in process)', () => {
  it('answers health and status', async () => {
    const { call } = await setup();
    expect(await call('GET', '/health')).toMatchObject({
      status: 200,
      json: { status: 'healthy' },
    });
    const status = await call('GET', '/api/v1/status');
    expect(status.json).toMatchObject({
      status: 'running',
      processes: 2,
      total_instances: 3,
      running_instances: 3,
    });
    const health = await call('GET', '/api/v1/health');
    expect(health.json).toMatchObject({ status: 'healthy', version: '0.0.0-test' });
  });

  it('lists processes (names sorted, with summaries) and shows one with instances and masked config', async () => {
    const { call, supervisor } = await setup();
    await waitFor(() => (supervisor.program('web').ready().length === 2 ? true : 'web not ready'));
    const list = await call('GET', '/api/v1/processes');
    expect(list.json).toMatchObject({ processes: ['web', 'worker'], count: 2 });
    expect((list.json.items as Array<Record<string, unknown>>)[0]).toMatchObject({
      name: 'web',
      status: 'healthy',
      instance_count: 2,
      ready_count: 2,
      desired: 2,
      max_instances: 3,
    });
    const detail = await call('GET', '/api/v1/processes/web');
    expect(detail.status).toBe(200);
    expect(detail.json).toMatchObject({ name: 'web', instance_count: 2 });
    expect((detail.json.instances as unknown[]).length).toBe(2);
    expect(detail.json.config).toMatchObject({
      env: { DB_PASSWORD: '********', MODE: '********' },
    });
    expect(detail.text).not.toContain('hunter2-secret-value');
    const status = await call('GET', '/api/v1/processes/web/status');
    expect(status.json).toMatchObject({ process: 'web', count: 2 });
    expect((status.json.instances as Array<Record<string, unknown>>)[0]).toMatchObject({
      index: 0,
      process_name: 'web',
      status: 'healthy',
    });
  });

  it('starts, stops, restarts and scales through the facade', async () => {
    const { call, supervisor } = await setup();
    await waitFor(() => (supervisor.program('web').ready().length === 2 ? true : 'web not ready'));
    const started = await call('POST', '/api/v1/processes/web/start');
    expect(started).toMatchObject({
      status: 200,
      json: {
        message: 'process started successfully',
        instance: { index: 2, process_name: 'web' },
      },
    });
    expect(await call('POST', '/api/v1/processes/web/start')).toMatchObject({
      status: 422,
      json: { code: 'max_instances_reached' },
    });
    expect(await call('POST', '/api/v1/processes/web/stop', { instance_id: '2' })).toMatchObject({
      status: 200,
      json: { message: 'process stopped successfully' },
    });
    const scaled = await call('POST', '/api/v1/processes/web/scale', { instances: 1 });
    expect(scaled).toMatchObject({
      status: 200,
      json: { process: { desired: 1, instance_count: 1 } },
    });
    expect(await call('POST', '/api/v1/processes/web/scale', { instances: 0 })).toMatchObject({
      status: 422,
      json: { code: 'min_instances_reached' },
    });
    await waitFor(() => (supervisor.program('web').ready().length === 1 ? true : 'not ready'));
    const restarted = await call('POST', '/api/v1/processes/web/restart', {});
    expect(restarted).toMatchObject({
      status: 200,
      json: { message: 'process restarted successfully', process: { ready_count: 1 } },
    });
    expect(await call('POST', '/api/v1/processes/worker/stop')).toMatchObject({ status: 200 });
    expect(supervisor.program('worker').instances()).toEqual([]);
  });

  it('answers bad input with 4xx and {"error","code"}, never a 500', async () => {
    const { call } = await setup();
    expect(await call('GET', '/api/v1/processes/nope')).toMatchObject({
      status: 404,
      json: { code: 'process_not_found' },
    });
    expect(await call('GET', '/api/v1/processes/..%2F..%2Fetc%2Fpasswd')).toMatchObject({
      status: 404,
      json: { code: 'process_not_found' },
    });
    expect(await call('GET', '/no/such/route')).toMatchObject({
      status: 404,
      json: { code: 'not_found' },
    });
    expect(await call('POST', '/api/v1/processes/web/scale', '{"instances": ')).toMatchObject({
      status: 400,
      json: { code: 'invalid_argument' },
    });
    const wrongType = await call('POST', '/api/v1/processes/web/scale', { instances: 'many' });
    expect(wrongType).toMatchObject({ status: 400, json: { code: 'invalid_argument' } });
    expect(wrongType.json.error).toContain('instances');
    expect(
      await call('POST', '/api/v1/processes/web/scale', { instances: 2, extra: true }),
    ).toMatchObject({ status: 400 });
    expect(
      await call('POST', '/api/v1/processes/web/stop', { instance_id: 'web-7-abcdef' }),
    ).toMatchObject({ status: 404, json: { code: 'instance_not_found' } });
    expect(
      await call('POST', '/api/v1/processes/web/stop', { instance_id: '0', all: true }),
    ).toMatchObject({ status: 400 });
    expect(await call('GET', '/api/v1/processes/web/logs?tail=abc')).toMatchObject({ status: 400 });
    const badEncoding = await call('GET', '/api/v1/processes/%E0%A4%A');
    expect(badEncoding).toMatchObject({ status: 400, json: { code: 'invalid_argument' } });
  });

  it('refuses a second operation with 409 while one runs', async () => {
    const { call, supervisor, probe } = await setup();
    await waitFor(() => (supervisor.program('web').ready().length === 2 ? true : 'web not ready'));
    for (const instance of supervisor.program('web').instances()) probe.set(instance.port, true);
    probe.defaultAnswer = false; // the replacement is not ready until we say so
    const restart = call('POST', '/api/v1/processes/web/restart');
    await waitFor(() =>
      supervisor.program('web').currentOperation ? true : 'restart not started',
    );
    expect(await call('POST', '/api/v1/processes/web/scale', { instances: 3 })).toMatchObject({
      status: 409,
      json: { code: 'operation_in_progress' },
    });
    probe.defaultAnswer = true;
    expect((await restart).status).toBe(200);
  });

  it('returns log tails and streams new lines with follow=1', async () => {
    const { call, supervisor } = await setup();
    await waitFor(async () => {
      const logs = await call('GET', '/api/v1/processes/web/logs?tail=50');
      const texts = (logs.json.lines as Array<{ text: string }>).map((l) => l.text);
      return texts.includes('hello from 0') && texts.includes('hello from 1')
        ? true
        : JSON.stringify(texts);
    });
    const one = await call('GET', '/api/v1/processes/web/logs?instance=1&tail=50');
    expect((one.json.lines as Array<{ instance: number }>).every((l) => l.instance === 1)).toBe(
      true,
    );

    const driver = (supervisor as unknown as { options: { driver: FakeProcessDriver } }).options
      .driver;
    const api = buildRestApi({
      app: plainApp(supervisor),
      auth: new AuthPolicy({ host: '127.0.0.1', auth: { api_keys: [], insecure: false } }),
    });
    const abort = new AbortController();
    const response = await api.handle({
      method: 'GET',
      url: '/api/v1/processes/web/logs?follow=1&tail=0&instance=0',
      headers: {},
      body: '',
      signal: abort.signal,
    });
    expect(response.headers['content-type']).toBe('text/event-stream');
    if (!('stream' in response)) throw new Error('expected a stream');
    const events = response.stream.events[Symbol.asyncIterator]();
    driver.running.find((p) => p.spec.env.INSTANCE_INDEX === '0')!.print('a fresh line');
    const next = await events.next();
    expect(next.value).toMatchObject({ event: 'line' });
    expect(JSON.parse((next.value as { data: string }).data)).toMatchObject({
      instance: 0,
      stream: 'out',
      text: 'a fresh line',
    });
    abort.abort();
    expect((await events.next()).done).toBe(true);
  });

  it('requires a valid API key with the right role when keys are configured', async () => {
    const operatorKey = 'operator-key-0123456789';
    const viewerKey = 'viewer-key-0123456789ab';
    const adminKey = 'admin-key-0123456789abc';
    const digest = (k: string) => createHash('sha256').update(k).digest('hex');
    const { call, wasShutdownRequested } = await setup(`
server:
  auth:
    api_keys:
      - { name: ops, key_sha256: ${digest(operatorKey)}, role: operator }
      - { name: dash, key_sha256: ${digest(viewerKey)}, role: viewer }
      - { name: root, key: ${adminKey}, role: admin }
`);
    expect(await call('GET', '/health')).toMatchObject({ status: 200 });
    expect(await call('GET', '/api/v1/processes')).toMatchObject({
      status: 401,
      json: { code: 'unauthenticated' },
    });
    expect(
      await call('GET', '/api/v1/processes', undefined, {
        authorization: 'Bearer wrong-key-000000000',
      }),
    ).toMatchObject({ status: 401 });
    expect(
      await call('GET', '/api/v1/processes', undefined, { authorization: `Bearer ${viewerKey}` }),
    ).toMatchObject({ status: 200 });
    expect(
      await call('GET', '/api/v1/processes', undefined, { 'x-api-key': viewerKey }),
    ).toMatchObject({ status: 200 });
    expect(
      await call(
        'POST',
        '/api/v1/processes/web/scale',
        { instances: 3 },
        { authorization: `Bearer ${viewerKey}` },
      ),
    ).toMatchObject({ status: 403, json: { code: 'forbidden' } });
    expect(
      await call(
        'POST',
        '/api/v1/processes/web/scale',
        { instances: 3 },
        { authorization: `Bearer ${operatorKey}` },
      ),
    ).toMatchObject({ status: 200 });
    expect(
      await call('POST', '/shutdown', undefined, { authorization: `Bearer ${operatorKey}` }),
    ).toMatchObject({ status: 403 });
    expect(wasShutdownRequested()).toBe(false);
    expect(
      await call('POST', '/shutdown', undefined, { authorization: `Bearer ${adminKey}` }),
    ).toMatchObject({ status: 200, json: { status: 'shutting down' } });
    expect(wasShutdownRequested()).toBe(true);
  });

  it('maps every error code to a 4xx, 501 or 503, and only internal to 500', () => {
    for (const code of ERROR_CODE_LIST) {
      const status = HTTP_STATUS[code];
      if (code === 'internal') expect(status).toBe(500);
      else if (code === 'not_implemented') expect(status).toBe(501);
      else expect(status === 503 || (status >= 400 && status < 500), code).toBe(true);
    }
  });

  it('gives every route a summary, a role, and schemas for what it reads and returns', async () => {
    const { supervisor } = await setup();
    const app = plainApp(supervisor);
    for (const spec of restRoutes(app)) {
      expect(spec.summary.length, spec.path).toBeGreaterThan(10);
      expect(spec.response, `${spec.method} ${spec.path} has no response schema`).toBeDefined();
      if (spec.path.includes(':name')) expect(spec.params, spec.path).toBeDefined();
      if (spec.method === 'post' && /stop|restart|scale/.test(spec.path))
        expect(spec.body, spec.path).toBeDefined();
    }
  });

  it("answers with bodies that match the routes' response schemas", async () => {
    const { call, supervisor } = await setup();
    await waitFor(() => (supervisor.program('web').ready().length === 2 ? true : 'web not ready'));
    const app = plainApp(supervisor);
    const specs = restRoutes(app);
    const check = async (method: 'get' | 'post', path: string, url: string, body?: unknown) => {
      const spec = specs.find((r) => r.method === method && r.path === path)!;
      const answer = await call(method.toUpperCase(), url, body);
      expect(answer.status, url).toBeLessThan(300);
      expect(() => spec.response!.parse(answer.json), url).not.toThrow();
    };
    await check('get', '/health', '/health');
    await check('get', '/api/v1/health', '/api/v1/health');
    await check('get', '/api/v1/status', '/api/v1/status');
    await check('get', '/api/v1/processes', '/api/v1/processes');
    await check('get', '/api/v1/processes/:name', '/api/v1/processes/web');
    await check('get', '/api/v1/processes/:name/status', '/api/v1/processes/web/status');
    await check('get', '/api/v1/processes/:name/logs', '/api/v1/processes/web/logs?tail=5');
    await check('post', '/api/v1/processes/:name/start', '/api/v1/processes/web/start');
    await check('post', '/api/v1/processes/:name/scale', '/api/v1/processes/web/scale', {
      instances: 2,
    });
    await check('post', '/api/v1/processes/:name/stop', '/api/v1/processes/web/stop', {
      instance_id: '1',
    });
    await check('post', '/api/v1/processes/:name/start', '/api/v1/processes/web/start', {
      all: true,
    });
  });

  it('refuses requests from other web pages (CSRF) and for other host names (DNS rebinding)', async () => {
    const { supervisor } = await setup();
    const app = plainApp(supervisor);
    const api = buildRestApi({
      app,
      auth: new AuthPolicy({ host: '127.0.0.1', auth: { api_keys: [], insecure: false } }),
      browser: { origins: ['https://dash.example'], loopbackOnly: true },
    });
    const status = async (headers: Record<string, string>) =>
      (
        await api.handle({
          method: 'POST',
          url: '/api/v1/processes/worker/stop',
          headers,
          body: '',
        })
      ).status;
    expect(await status({ host: '127.0.0.1:8080', origin: 'https://evil.example' })).toBe(403);
    expect(await status({ host: 'evil.example:8080' })).toBe(403);
    expect(await status({ host: '127.0.0.1:8080', origin: 'null' })).toBe(403);
    expect(await status({ host: '127.0.0.1:8080', origin: 'https://dash.example' })).toBe(200);
    expect(await status({ host: 'localhost:8080', origin: 'http://localhost:8080' })).toBe(200); // same origin
    expect(await status({ host: '[::1]:8080' })).toBe(200); // the CLI: no Origin
  });
});
