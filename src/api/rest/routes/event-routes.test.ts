import { get, type IncomingMessage } from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import { configFromYaml } from '../../../../test/helpers/config.js';
import { tempDir } from '../../../../test/helpers/temp-dir.js';
import { waitFor } from '../../../../test/helpers/wait-for.js';
import { type App } from '../../../app/index.js';
import { type Supervisor } from '../../../core/index.js';
import { FakeClock } from '../../../shared/index.js';
import { AuthPolicy } from '../../auth/index.js';
import { listen, type RunningServer } from '../node-adapter.js';
import { buildRestApi } from '../rest-api.js';
import type { SseEvent } from '../route.js';
import { Router, type RestResponse } from '../router.js';
import { eventRoutes, type EventStreamOptions } from './event-routes.js';
import { fakeApp } from '../../../../test/helpers/fake-app.js';
import { FakeMetricsSource } from '../../../../test/helpers/fake-metrics.js';
import { instanceSample, metricsTick } from '../../../../test/helpers/metric-samples.js';

const YAML = `
processes:
  - name: web
    binary_path: /bin/web
    instances: 1
    max_instances: 3
  - name: worker
    binary_path: /bin/worker
`;

const servers: RunningServer[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

const openAuth = () =>
  new AuthPolicy({ host: '127.0.0.1', auth: { api_keys: [], insecure: false } });

async function setup(): Promise<{ supervisor: Supervisor; app: App }> {
  const config = configFromYaml(tempDir(), YAML);
  const { app, supervisor } = await fakeApp(config);
  return { supervisor, app };
}

type Item = SseEvent | { comment: string };

/** Opens GET url on the router; returns the response and a reader of its events. */
async function open(router: Router, url: string) {
  const abort = new AbortController();
  const response = await router.handle({
    method: 'GET',
    url,
    headers: {},
    body: '',
    signal: abort.signal,
  });
  const iterator =
    'stream' in response ? response.stream.events[Symbol.asyncIterator]() : undefined;
  /** The next item, or a failure (not a hang) when none comes. */
  const next = async (): Promise<IteratorResult<Item>> => {
    if (!iterator) throw new Error(`${url} answered without a stream: ${bodyOf(response)}`);
    let cancel = () => {};
    const timeout = new Promise<never>((_, reject) => {
      const timer = setTimeout(() => reject(new Error('no event within 5 s')), 5_000);
      cancel = () => clearTimeout(timer);
    });
    try {
      return await Promise.race([iterator.next(), timeout]);
    } finally {
      cancel();
    }
  };
  const nextEvent = async (): Promise<SseEvent> => {
    const item = await next();
    if (item.done || 'comment' in item.value)
      throw new Error(`expected an event, got ${JSON.stringify(item)}`);
    return item.value;
  };
  return { response, abort, next, nextEvent, iterator };
}

const bodyOf = (response: RestResponse) => ('body' in response ? response.body : '(stream)');

describe('GET /api/v1/events?metrics=1', () => {
  it('adds a metrics event per sample (one process with ?process=), only the newest when behind', async () => {
    const metrics = new FakeMetricsSource();
    const { app } = await fakeApp(configFromYaml(tempDir(), YAML), { metrics });
    const api = buildRestApi({ app, auth: openAuth() });
    const stream = await open(api, '/api/v1/events?metrics=1&process=web');
    metrics.publish(
      metricsTick([
        instanceSample({ rssBytes: 1 }),
        instanceSample({ process: 'worker', instance: 'worker-0-x' }),
      ]),
    );
    metrics.publish(
      metricsTick([instanceSample({ rssBytes: 2 })], { at: Date.UTC(2026, 10, 29, 12, 0, 1) }),
    );
    const event = await stream.nextEvent();
    expect(event.event).toBe('metrics');
    const frame = JSON.parse(event.data) as {
      time: string;
      instances: Array<{ process_name: string; memory_usage: number }>;
      host: { cpu_percent: number };
      daemon: { memory_rss: number };
    };
    expect(frame.time).toBe('2026-11-29T12:00:01.000Z');
    expect(frame.instances).toEqual([
      expect.objectContaining({ process_name: 'web', memory_usage: 2 }),
    ]);
    expect(frame.host.cpu_percent).toBe(20);
    expect(frame.daemon.memory_rss).toBe(60 * 1024 * 1024);
    stream.abort.abort();

    const without = await open(api, '/api/v1/events');
    metrics.publish(metricsTick([instanceSample()]));
    app.processes.status('web'); // nothing else happens: the next item must not be metrics
    void app.processes.scale('web', 2);
    expect((await without.nextEvent()).event).not.toBe('metrics');
    without.abort.abort();
  });
});

describe('GET /api/v1/events', () => {
  it('streams an instance.state event with its type and sequence number after scaling', async () => {
    const { app } = await setup();
    const api = buildRestApi({ app, auth: openAuth() });
    const stream = await open(api, '/api/v1/events');
    expect(stream.response.status).toBe(200);
    expect(stream.response.headers['content-type']).toBe('text/event-stream');
    await app.processes.scale('web', 2);
    for (;;) {
      const event = await stream.nextEvent();
      const data = JSON.parse(event.data) as {
        type: string;
        seq: number;
        process: string;
        index?: number;
      };
      expect(event.event).toBe(data.type);
      expect(event.id).toBe(String(data.seq));
      if (data.type === 'instance.state' && data.index === 1) {
        expect(data.process).toBe('web');
        break;
      }
    }
    stream.abort.abort();
  });

  it('keeps only the named process with ?process=, and answers 404 for an unknown one', async () => {
    const { supervisor, app } = await setup();
    const api = buildRestApi({ app, auth: openAuth() });
    const stream = await open(api, '/api/v1/events?process=worker');
    supervisor.report('web', { type: 'process.warning', message: 'for web' });
    supervisor.report('', { type: 'daemon.warning', message: 'for the daemon' });
    supervisor.report('worker', { type: 'process.warning', message: 'for worker' });
    const event = await stream.nextEvent();
    expect(event.event).toBe('process.warning');
    expect(JSON.parse(event.data)).toMatchObject({ process: 'worker', message: 'for worker' });
    stream.abort.abort();

    const unknown = await api.handle({
      method: 'GET',
      url: '/api/v1/events?process=nope',
      headers: {},
      body: '',
    });
    expect(unknown.status).toBe(404);
    expect(JSON.parse(bodyOf(unknown))).toMatchObject({ code: 'process_not_found' });
    const badQuery = await api.handle({
      method: 'GET',
      url: '/api/v1/events?proces=web',
      headers: {},
      body: '',
    });
    expect(badQuery.status).toBe(400);
  });

  it('sends a heartbeat comment every interval on the injected clock', async () => {
    const { app } = await setup();
    const clock = new FakeClock();
    const router = new Router(eventRoutes(app, { clock, heartbeatMs: 15_000 }), openAuth());
    const stream = await open(router, '/api/v1/events');
    let settled = false;
    const first = stream.next().then((item) => ((settled = true), item));
    await clock.advance(14_999);
    expect(settled).toBe(false);
    await clock.advance(1);
    expect((await first).value).toEqual({ comment: 'heartbeat' });
    const second = stream.next();
    await clock.advance(15_000);
    expect((await second).value).toEqual({ comment: 'heartbeat' });
    stream.abort.abort();
    expect((await stream.next()).done).toBe(true);
    expect(clock.pendingTimers).toBe(0);
  });

  it('drops the oldest events for a slow reader and says how many', async () => {
    const { supervisor, app } = await setup();
    const options: EventStreamOptions = { maxQueued: 3 };
    const router = new Router(eventRoutes(app, options), openAuth());
    const stream = await open(router, '/api/v1/events?process=worker');
    for (let i = 1; i <= 5; i++)
      supervisor.report('worker', { type: 'process.warning', message: `warning ${i}` });
    const dropped = await stream.nextEvent();
    expect(dropped).toEqual({ event: 'dropped', data: JSON.stringify({ count: 2 }) });
    const messages: string[] = [];
    for (let i = 0; i < 3; i++)
      messages.push((JSON.parse((await stream.nextEvent()).data) as { message: string }).message);
    expect(messages).toEqual(['warning 3', 'warning 4', 'warning 5']);
    stream.abort.abort();
  });

  it('ends when the client leaves and stops listening to the supervisor', async () => {
    const { supervisor, app } = await setup();
    const listenersBefore = supervisor.events.size;
    const clock = new FakeClock();
    const router = new Router(eventRoutes(app, { clock }), openAuth());
    const stream = await open(router, '/api/v1/events');
    expect(supervisor.events.size).toBe(listenersBefore + 1);
    const waiting = stream.next();
    stream.abort.abort();
    expect((await waiting).done).toBe(true);
    expect(supervisor.events.size).toBe(listenersBefore);
    expect(clock.pendingTimers).toBe(0);

    // A client that leaves before reading anything releases the subscription as well.
    const early = await open(router, '/api/v1/events');
    early.abort.abort();
    expect(supervisor.events.size).toBe(listenersBefore);
    expect((await early.next()).done).toBe(true);
  });
});

describe('GET /api/v1/events on a real socket', () => {
  it('writes events as SSE frames and lets go of the supervisor when the client disconnects', async () => {
    const { supervisor, app } = await setup();
    const listenersBefore = supervisor.events.size;
    const server = await listen(buildRestApi({ app, auth: openAuth() }), {
      host: '127.0.0.1',
      port: 0,
      requestTimeoutMs: 5_000,
    });
    servers.push(server);
    const request = get(`http://127.0.0.1:${server.port}/api/v1/events?process=worker`);
    const response = await new Promise<IncomingMessage>((resolve, reject) =>
      request.once('response', resolve).once('error', reject),
    );
    expect(response.statusCode).toBe(200);
    expect(response.headers['content-type']).toBe('text/event-stream');
    let received = '';
    response.setEncoding('utf8').on('data', (chunk: string) => (received += chunk));
    supervisor.report('worker', { type: 'process.warning', message: 'over the wire' });
    await waitFor(() =>
      received.includes('\n\n') ? true : `received ${JSON.stringify(received)}`,
    );
    expect(received).toMatch(/^id: \d+\nevent: process\.warning\n/);
    const data = /^data: (.*)$/m.exec(received)?.[1];
    expect(JSON.parse(data ?? 'null')).toMatchObject({
      process: 'worker',
      message: 'over the wire',
    });

    expect(supervisor.events.size).toBe(listenersBefore + 1);
    request.destroy();
    await waitFor(() =>
      supervisor.events.size === listenersBefore ? true : `${supervisor.events.size} listeners`,
    );
  });
});
