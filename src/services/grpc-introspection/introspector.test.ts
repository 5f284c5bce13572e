import { createServer, type Socket } from 'node:net';
import { describe, expect, it, onTestFinished } from 'vitest';
import { startGrpcService } from '../../../test/helpers/grpc-service.js';
import { closedPort } from '../../../test/helpers/ports.js';
import { DaemonError, FakeClock, systemClock } from '../../shared/index.js';
import { GrpcIntrospector } from './index.js';

const CATALOG = 'fixture.catalog.Catalog';

async function rejection(promise: Promise<unknown>): Promise<DaemonError> {
  const error = await promise.then(
    () => new Error('expected a rejection'),
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(DaemonError);
  return error as DaemonError;
}

/** A TCP server that accepts connections and never says anything. */
function silentServer(): Promise<number> {
  const sockets: Socket[] = [];
  const server = createServer((socket) => sockets.push(socket));
  onTestFinished(() => {
    sockets.forEach((s) => s.destroy());
    server.close();
  });
  return new Promise((resolve) =>
    server.listen(0, '127.0.0.1', () => resolve((server.address() as { port: number }).port)),
  );
}

describe('reading an instance by server reflection', () => {
  it('lists services with methods and every message with its fields, as the original', async () => {
    const service = await startGrpcService();
    const introspector = new GrpcIntrospector({ clock: systemClock });
    const descriptors = await introspector.descriptors(service);
    expect(descriptors.version).toBe('v1');
    const { services, messages } = descriptors.catalog;
    expect(services).toEqual([
      {
        name: CATALOG,
        methods: [
          {
            name: 'AddItems',
            input_type: '.fixture.catalog.AddItemsRequest',
            output_type: '.fixture.catalog.AddItemsReply',
          },
          {
            name: 'Fail',
            input_type: '.fixture.catalog.FailRequest',
            output_type: '.fixture.catalog.AddItemsReply',
          },
          {
            name: 'Hang',
            input_type: '.fixture.catalog.FailRequest',
            output_type: '.fixture.catalog.AddItemsReply',
          },
          {
            name: 'Watch',
            input_type: '.fixture.catalog.AddItemsRequest',
            output_type: '.fixture.catalog.AddItemsReply',
          },
        ],
      },
    ]);
    const item = messages['.fixture.catalog.Item'];
    expect(item?.name).toBe('.fixture.catalog.Item');
    const field = (name: string) => item?.fields.find((f) => f.name === name);
    expect(field('item_id')).toEqual({
      name: 'item_id',
      type: 'string',
      repeated: false,
      number: 1,
      optional: true,
    });
    expect(field('color')?.type).toBe('.fixture.catalog.Color');
    expect(field('tags')).toMatchObject({ type: 'string', repeated: true, optional: false });
    expect(field('size')?.type).toBe('.fixture.catalog.Item.Dimensions');
    expect(field('created_at')?.type).toBe('.google.protobuf.Timestamp');
    expect(field('stock')?.repeated).toBe(true);
    // Nested messages and map entries are listed too, so every field type can be looked up.
    expect(messages['.fixture.catalog.Item.Dimensions']?.fields.map((f) => f.name)).toEqual([
      'width_cm',
      'height_cm',
    ]);
    expect(messages[field('stock')!.type]?.fields.map((f) => [f.name, f.type])).toEqual([
      ['key', 'string'],
      ['value', 'int64'],
    ]);
    expect(messages['.google.protobuf.Timestamp']?.fields.map((f) => f.name)).toEqual([
      'seconds',
      'nanos',
    ]);
  });

  it('falls back to grpc.reflection.v1alpha when the server has no v1', async () => {
    const modern = await startGrpcService();
    const older = await startGrpcService({ reflection: 'v1alpha' });
    const introspector = new GrpcIntrospector({ clock: systemClock });
    const v1 = await introspector.descriptors(modern);
    const v1alpha = await introspector.descriptors(older);
    expect(v1alpha.version).toBe('v1alpha');
    expect(v1alpha.catalog).toEqual(v1.catalog);
    const result = await introspector.invoke(older, {
      service: CATALOG,
      method: 'AddItems',
      data: '{"items":[{"item_id":"a"}]}',
    });
    expect(result.success).toBe(true);
  });

  it('says so when the server serves no reflection at all', async () => {
    const service = await startGrpcService({ reflection: 'none' });
    const error = await rejection(new GrpcIntrospector({ clock: systemClock }).describe(service));
    expect(error.code).toBe('instance_unreachable');
    expect(error.message).toBe(
      `the gRPC server on 127.0.0.1:${service.port} serves no server reflection (grpc.reflection.v1 or v1alpha)`,
    );
  });

  it('is instance_unreachable when nothing listens on the port', async () => {
    const port = await closedPort();
    const error = await rejection(
      new GrpcIntrospector({ clock: systemClock }).describe({ pid: 1, port }),
    );
    expect(error.code).toBe('instance_unreachable');
    expect(error.message).toMatch(
      new RegExp(`^cannot connect to the gRPC server on 127\\.0\\.0\\.1:${port}: .*ECONNREFUSED`),
    );
  });

  it('is instance_unreachable, and raises nothing later, when the port speaks HTTP/1.1', async () => {
    // An HTTP/1.1 app answers the HTTP/2 preface with a 400: the session fails twice, and a
    // second, unhandled session error would end the daemon.
    const uncaught: unknown[] = [];
    const onUncaught = (error: unknown) => uncaught.push(error);
    process.on('uncaughtException', onUncaught);
    onTestFinished(() => void process.off('uncaughtException', onUncaught));
    const { createServer: createHttpServer } = await import('node:http');
    const closed: Promise<void>[] = [];
    const server = createHttpServer((_req, res) => res.end('not grpc'));
    server.on('connection', (socket: Socket) =>
      closed.push(new Promise((resolve) => socket.once('close', () => resolve()))),
    );
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    onTestFinished(() => void server.close());
    const port = (server.address() as { port: number }).port;
    const error = await rejection(
      new GrpcIntrospector({ clock: systemClock }).describe({ pid: 1, port }),
    );
    expect(error.code).toBe('instance_unreachable');
    await Promise.all(closed); // every connection has ended: no late error can come
    await new Promise((resolve) => setImmediate(resolve));
    expect(uncaught).toEqual([]);
  });

  it('is instance_unreachable when the server does not answer within the deadline', async () => {
    const port = await silentServer();
    const clock = new FakeClock();
    const pending = rejection(
      new GrpcIntrospector({ clock, timeoutMs: 5_000 }).describe({ pid: 1, port }),
    );
    await clock.advance(4_999);
    let settled = false;
    void pending.then(() => (settled = true));
    await clock.advance(0);
    expect(settled).toBe(false);
    await clock.advance(1);
    const error = await pending;
    expect(error.code).toBe('instance_unreachable');
    expect(error.message).toBe(
      `the gRPC server on 127.0.0.1:${port} did not answer within 5000 ms`,
    );
  });

  it('reuses reflected descriptors per pid and port until they expire', async () => {
    const clock = new FakeClock();
    const service = await startGrpcService();
    const introspector = new GrpcIntrospector({ clock, cacheTtlMs: 30_000 });
    const first = await introspector.describe(service);
    await service.stop();
    expect(await introspector.describe(service)).toBe(first);
    // Another process on the same port is asked again (and here nothing answers).
    expect(
      (await rejection(introspector.describe({ ...service, pid: service.pid + 1 }))).code,
    ).toBe('instance_unreachable');
    await clock.advance(30_000);
    expect((await rejection(introspector.describe(service))).code).toBe('instance_unreachable');
  });

  it('remembers a failed reflection for a short while only', async () => {
    const clock = new FakeClock();
    const introspector = new GrpcIntrospector({ clock, failureTtlMs: 5_000 });
    const port = await closedPort();
    const failure = await rejection(introspector.describe({ pid: 7, port }));
    const service = await startGrpcService({ port });
    expect(await rejection(introspector.describe({ pid: 7, port }))).toBe(failure);
    await clock.advance(5_000);
    const catalog = await introspector.describe({ pid: 7, port: service.port });
    expect(catalog.services.map((s) => s.name)).toEqual([CATALOG]);
  });
});

describe('invoking a unary method with JSON', () => {
  async function catalog() {
    const service = await startGrpcService();
    const clock = new FakeClock();
    const introspector = new GrpcIntrospector({ clock });
    const invoke = (method: string, data: string, service_ = CATALOG) =>
      introspector.invoke(service, { service: service_, method, data });
    return { service, clock, introspector, invoke };
  }

  it('encodes the JSON with the reflected descriptors and answers proto3 JSON', async () => {
    const { invoke } = await catalog();
    const request = {
      items: [
        {
          item_id: 'a-1', // the proto name
          color: 'GREEN',
          tags: ['x', 'y'],
          size: { widthCm: 3 }, // the JSON name
          stock: { north: '2', south: 5 },
          createdAt: '2026-01-02T03:04:05Z',
          note: 'fragile',
        },
        { itemId: 'b-2', color: 1 },
      ],
      requested_by: 'tests',
    };
    const result = await invoke('AddItems', JSON.stringify(request));
    expect(result.success).toBe(true);
    expect(JSON.parse((result as { data: string }).data)).toEqual({
      count: 2,
      itemIds: ['a-1', 'b-2'],
      firstColor: 'GREEN',
      totalStock: '7',
      firstItem: {
        itemId: 'a-1',
        color: 'GREEN',
        tags: ['x', 'y'],
        size: { widthCm: 3, heightCm: 0 },
        stock: { north: '2', south: '5' },
        createdAt: '2026-01-02T03:04:05Z',
        note: 'fragile',
      },
      requestedBy: 'tests',
      servedBy: 'standalone',
    });
  });

  it('sends an empty message for empty data, and accepts a leading dot in the service', async () => {
    const { invoke } = await catalog();
    const result = await invoke('AddItems', '', `.${CATALOG}`);
    expect(JSON.parse((result as { data: string }).data)).toMatchObject({ count: 0, itemIds: [] });
  });

  it("answers the method's gRPC status as success: false", async () => {
    const { invoke } = await catalog();
    expect(await invoke('Fail', '{"code": 5, "message": "no such item"}')).toEqual({
      success: false,
      code: 'NOT_FOUND',
      error: 'NOT_FOUND: no such item',
    });
  });

  it('rejects bad JSON and JSON that does not fit the message, naming the problem', async () => {
    const { invoke } = await catalog();
    const bad = await rejection(invoke('AddItems', '{"items": ['));
    expect(bad.code).toBe('invalid_argument');
    expect(bad.message).toMatch(/^data is not valid JSON: /);
    const unknown = await rejection(invoke('AddItems', '{"itemz": []}'));
    expect(unknown.code).toBe('invalid_argument');
    expect(unknown.message).toBe(
      'data does not fit fixture.catalog.AddItemsRequest: cannot decode message fixture.catalog.AddItemsRequest from JSON: key "itemz" is unknown',
    );
    const wrongType = await rejection(invoke('AddItems', '{"items": [{"color": "BLUE"}]}'));
    expect(wrongType.code).toBe('invalid_argument');
    expect(wrongType.message).toContain('BLUE');
  });

  it('names the services or methods there are when one is unknown', async () => {
    const { invoke } = await catalog();
    const service = await rejection(invoke('AddItems', '{}', 'fixture.catalog.Nope'));
    expect(service.code).toBe('not_found');
    expect(service.message).toBe(
      `the instance serves no gRPC service "fixture.catalog.Nope"; it serves: ${CATALOG}`,
    );
    const method = await rejection(invoke('Remove', '{}'));
    expect(method.code).toBe('not_found');
    expect(method.message).toBe(
      `gRPC service ${CATALOG} has no method "Remove"; it has: AddItems, Fail, Hang, Watch`,
    );
    const streaming = await rejection(invoke('Watch', '{}'));
    expect(streaming.code).toBe('invalid_argument');
    expect(streaming.message).toBe(
      `${CATALOG}/Watch is a server-streaming method; only unary methods can be invoked`,
    );
  });

  it('is instance_unreachable when the method does not answer within the deadline', async () => {
    const { invoke, introspector, service, clock } = await catalog();
    await introspector.describe(service);
    const pending = rejection(invoke('Hang', '{}'));
    await clock.advance(5_000);
    const error = await pending;
    expect(error.code).toBe('instance_unreachable');
    expect(error.message).toBe(
      `the gRPC server on 127.0.0.1:${service.port} did not answer within 5000 ms`,
    );
  });

  it('is instance_unreachable when the instance died after it was described', async () => {
    const { invoke, introspector, service } = await catalog();
    await introspector.describe(service);
    await service.stop();
    const error = await rejection(invoke('AddItems', '{}'));
    expect(error.code).toBe('instance_unreachable');
    expect(error.message).toMatch(/^cannot connect to the gRPC server on 127\.0\.0\.1:\d+: /);
  });
});
