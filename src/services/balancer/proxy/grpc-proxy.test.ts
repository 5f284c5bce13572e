/**
 * The proxy between real grpc-js clients and real grpc-js backends over real sockets. Backends
 * run in process with byte-for-byte (identity) serializers, so a test sees exactly what crossed
 * the proxy; the one that is killed mid-stream is the echo fixture as a child process.
 */
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import net from 'node:net';
import { join } from 'node:path';
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import { afterEach, describe, expect, it, onTestFinished } from 'vitest';
import { LineCollector } from '../../../../test/helpers/lines.js';
import { fixture } from '../../../../test/helpers/paths.js';
import { selfSignedCertificate } from '../../../../test/helpers/tls-cert.js';
import { waitFor } from '../../../../test/helpers/wait-for.js';
import type { BackendAddress, CallOutcome, RouteChoice, StreamRouter } from '../types.js';
import { GrpcProxy } from './grpc-proxy.js';

const ECHO = '/fixture.echo.Echo';
const MAX_MESSAGE = 64 * 1024 * 1024;
const CHANNEL_OPTIONS = {
  'grpc.max_receive_message_length': MAX_MESSAGE,
  'grpc.max_send_message_length': MAX_MESSAGE,
};
const same = (value: Buffer) => value;

// --- backends ---------------------------------------------------------------------------------

interface SeenCall {
  method: string;
  metadata: grpc.Metadata;
  deadline: grpc.Deadline;
}

interface Backend extends BackendAddress {
  server: grpc.Server;
  seen: SeenCall[];
  /** Methods of calls the backend saw cancelled (by deadline or by the client). */
  cancelled: string[];
}

function method(name: string, requestStream: boolean, responseStream: boolean) {
  return {
    path: `${ECHO}/${name}`,
    requestStream,
    responseStream,
    requestSerialize: same,
    requestDeserialize: same,
    responseSerialize: same,
    responseDeserialize: same,
  };
}

const ECHO_SERVICE: grpc.ServiceDefinition = {
  Unary: method('Unary', false, false),
  ServerStream: method('ServerStream', false, true),
  ClientStream: method('ClientStream', true, false),
  Bidi: method('Bidi', true, true),
  Hang: method('Hang', false, false),
};

/** Response metadata echoing the request's x-custom headers, and fixed trailers. */
function echoedHeaders(request: grpc.Metadata): grpc.Metadata {
  const headers = new grpc.Metadata();
  for (const value of request.get('x-custom')) headers.add('x-echo', value);
  for (const value of request.get('x-custom-bin')) headers.add('x-echo-bin', value);
  return headers;
}
function fixedTrailers(): grpc.Metadata {
  const trailers = new grpc.Metadata();
  trailers.set('x-trailer', 'done');
  trailers.set('x-trailer-bin', Buffer.from([0, 1, 2, 255]));
  return trailers;
}
function failure(metadata: grpc.Metadata): Partial<grpc.StatusObject> | undefined {
  const code = metadata.get('x-fail-code')[0];
  if (code === undefined) return undefined;
  const message = metadata.get('x-fail-message-bin')[0] as Buffer | undefined;
  return { code: Number(code), details: message?.toString('utf8') ?? 'failed' };
}

/** What every kind of server call has. */
interface RecordedCall {
  metadata: grpc.Metadata;
  getDeadline(): grpc.Deadline;
  on(event: 'cancelled', listener: () => void): unknown;
}

async function startBackend(id: string): Promise<Backend> {
  const server = new grpc.Server(CHANNEL_OPTIONS);
  const seen: SeenCall[] = [];
  const cancelled: string[] = [];
  const record = (name: string, call: RecordedCall) => {
    seen.push({ method: name, metadata: call.metadata, deadline: call.getDeadline() });
    call.on('cancelled', () => cancelled.push(name));
  };
  server.addService(ECHO_SERVICE, {
    Unary(call: grpc.ServerUnaryCall<Buffer, Buffer>, callback: grpc.sendUnaryData<Buffer>) {
      record('Unary', call);
      const failed = failure(call.metadata);
      if (failed !== undefined) return callback(failed);
      if (call.metadata.get('x-custom').length > 0) call.sendMetadata(echoedHeaders(call.metadata));
      callback(null, Buffer.concat([Buffer.from(`${id}:`), call.request]), fixedTrailers());
    },
    ServerStream(call: grpc.ServerWritableStream<Buffer, Buffer>) {
      record('ServerStream', call);
      const count = Number(call.request.toString());
      for (let n = 0; n < count; n++) call.write(Buffer.from(String(n)));
      call.end(fixedTrailers());
    },
    ClientStream(
      call: grpc.ServerReadableStream<Buffer, Buffer>,
      callback: grpc.sendUnaryData<Buffer>,
    ) {
      record('ClientStream', call);
      const received: string[] = [];
      call.on('data', (chunk: Buffer) => received.push(chunk.toString()));
      call.on('end', () => callback(null, Buffer.from(received.join(','))));
    },
    Bidi(call: grpc.ServerDuplexStream<Buffer, Buffer>) {
      record('Bidi', call);
      call.on('data', (chunk: Buffer) => call.write(chunk));
      call.on('end', () => call.end(fixedTrailers()));
    },
    Hang(call: grpc.ServerUnaryCall<Buffer, Buffer>) {
      record('Hang', call);
    },
  });
  const port = await new Promise<number>((resolve, reject) =>
    server.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (error, bound) =>
      error ? reject(error) : resolve(bound),
    ),
  );
  onTestFinished(() => server.forceShutdown());
  return { id, host: '127.0.0.1', port, server, seen, cancelled };
}

/** A port nothing listens on (bound, then released). */
async function refusedPort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

// --- router ----------------------------------------------------------------------------------

interface LeaseRecord {
  backend: string;
  path: string;
  outcomes: CallOutcome[];
}

/** Routes /fixture.echo.Echo/* round robin over `backends`; records every lease. */
class RecordingRouter implements StreamRouter {
  readonly leases: LeaseRecord[] = [];
  readonly excluded: string[][] = [];
  private cursor = 0;
  constructor(public backends: BackendAddress[]) {}

  route(path: string, exclude: ReadonlySet<string>): RouteChoice {
    if (!path.startsWith(`${ECHO}/`)) return { kind: 'no_route' };
    this.excluded.push([...exclude]);
    const candidates = this.backends.filter((backend) => !exclude.has(backend.id));
    const backend = candidates[this.cursor++ % Math.max(1, candidates.length)];
    if (backend === undefined)
      return { kind: 'no_backend', message: 'no healthy backend for “echo” — 0 of 2 ready' };
    const record: LeaseRecord = { backend: backend.id, path, outcomes: [] };
    this.leases.push(record);
    return {
      kind: 'backend',
      lease: { backend, finish: (outcome) => record.outcomes.push(outcome) },
    };
  }

  /** True once every lease finished; a lease finished twice throws (never a "yet"). */
  allFinished(): true | string {
    const twice = this.leases.find((lease) => lease.outcomes.length > 1);
    if (twice) throw new Error(`lease on ${twice.backend} finished ${twice.outcomes.length} times`);
    const open = this.leases.filter((lease) => lease.outcomes.length === 0).length;
    return open === 0 ? true : `${open} of ${this.leases.length} leases still open`;
  }
}

// --- proxy and clients -----------------------------------------------------------------------

interface Harness {
  proxy: GrpcProxy;
  router: RecordingRouter;
  client: grpc.Client;
  port: number;
}

const harnesses: Harness[] = [];

async function startProxy(
  backends: BackendAddress[],
  options: { tls?: { cert: string; key: string } } = {},
): Promise<Harness> {
  const router = new RecordingRouter(backends);
  const warnings: string[] = [];
  const proxy = new GrpcProxy({
    host: '127.0.0.1',
    port: 0,
    router,
    tls: options.tls,
    onWarning: (message) => warnings.push(message),
  });
  const port = await proxy.listen();
  const credentials =
    options.tls === undefined
      ? grpc.credentials.createInsecure()
      : grpc.credentials.createSsl(Buffer.from(options.tls.cert));
  const host = options.tls === undefined ? '127.0.0.1' : 'localhost';
  const client = new grpc.Client(`${host}:${port}`, credentials, CHANNEL_OPTIONS);
  const harness = { proxy, router, client, port };
  harnesses.push(harness);
  return harness;
}

afterEach(async () => {
  // Every test's leases end exactly once, and the proxy forgets every stream.
  for (const { proxy, router, client } of harnesses.splice(0)) {
    await waitFor(() => router.allFinished());
    await waitFor(() => proxy.activeStreams === 0 || `${proxy.activeStreams} streams open`);
    client.close();
    await proxy.close();
  }
});

function unary(
  client: grpc.Client,
  name: string,
  request: Buffer,
  metadata = new grpc.Metadata(),
  options: grpc.CallOptions = {},
): Promise<{ reply: Buffer; headers: grpc.Metadata; status: grpc.StatusObject }> {
  return new Promise((resolve, reject) => {
    let headers = new grpc.Metadata();
    let reply: Buffer | undefined;
    const call = client.makeUnaryRequest(
      `${ECHO}/${name}`,
      same,
      same,
      request,
      metadata,
      options,
      (error, value) => {
        if (error) reject(error);
        else reply = value;
      },
    );
    call.on('metadata', (value) => (headers = value));
    call.on('status', (status) => {
      if (reply !== undefined) resolve({ reply, headers, status });
    });
  });
}

function failureOf(promise: Promise<unknown>): Promise<grpc.ServiceError> {
  return promise.then(
    () => {
      throw new Error('the call succeeded');
    },
    (error: grpc.ServiceError) => error,
  );
}

function failWith(code: grpc.status, message: string): grpc.Metadata {
  const metadata = new grpc.Metadata();
  metadata.set('x-fail-code', String(code));
  metadata.set('x-fail-message-bin', Buffer.from(message, 'utf8'));
  return metadata;
}

// --- tests -----------------------------------------------------------------------------------

describe('GrpcProxy', () => {
  it('proxies a unary call and finishes its lease with OK', async () => {
    const backend = await startBackend('b1');
    const { client, router } = await startProxy([backend]);
    const { reply } = await unary(client, 'Unary', Buffer.from('hello'));
    expect(reply.toString()).toBe('b1:hello');
    await waitFor(() => router.allFinished());
    const outcome = router.leases[0]!.outcomes[0]!;
    expect(outcome).toMatchObject({
      grpcStatus: 0,
      connectFailed: false,
      cancelledByClient: false,
    });
    expect(outcome.durationMs).toBeGreaterThan(0);
  });

  it('carries custom and -bin metadata both ways, in headers and trailers', async () => {
    const backend = await startBackend('b1');
    const { client } = await startProxy([backend]);
    const metadata = new grpc.Metadata();
    metadata.set('x-custom', 'hello there');
    metadata.set('x-custom-bin', Buffer.from([0, 255, 7, 10]));
    const { headers, status } = await unary(client, 'Unary', Buffer.from('m'), metadata);
    const seen = backend.seen[0]!.metadata;
    expect(seen.get('x-custom')).toEqual(['hello there']);
    expect(seen.get('x-custom-bin')).toEqual([Buffer.from([0, 255, 7, 10])]);
    expect(headers.get('x-echo')).toEqual(['hello there']);
    expect(headers.get('x-echo-bin')).toEqual([Buffer.from([0, 255, 7, 10])]);
    expect(status.metadata.get('x-trailer')).toEqual(['done']);
    expect(status.metadata.get('x-trailer-bin')).toEqual([Buffer.from([0, 1, 2, 255])]);
  });

  it('streams 100 messages from the server, with trailers', async () => {
    const backend = await startBackend('b1');
    const { client } = await startProxy([backend]);
    const call = client.makeServerStreamRequest(
      `${ECHO}/ServerStream`,
      same,
      same,
      Buffer.from('100'),
    );
    const received: string[] = [];
    call.on('data', (chunk: Buffer) => received.push(chunk.toString()));
    const status = await new Promise<grpc.StatusObject>((resolve) => call.on('status', resolve));
    expect(status.code).toBe(grpc.status.OK);
    expect(received).toEqual(Array.from({ length: 100 }, (_, n) => String(n)));
    expect(status.metadata.get('x-trailer')).toEqual(['done']);
  });

  it('streams 100 messages from the client', async () => {
    const backend = await startBackend('b1');
    const { client } = await startProxy([backend]);
    const reply = await new Promise<Buffer>((resolve, reject) => {
      const call = client.makeClientStreamRequest(
        `${ECHO}/ClientStream`,
        same,
        same,
        (error, value) => (error ? reject(error) : resolve(value!)),
      );
      for (let n = 0; n < 100; n++) call.write(Buffer.from(String(n)));
      call.end();
    });
    expect(reply.toString()).toBe(Array.from({ length: 100 }, (_, n) => n).join(','));
  });

  it('streams 100 messages both ways on one bidi call', async () => {
    const backend = await startBackend('b1');
    const { client } = await startProxy([backend]);
    const call = client.makeBidiStreamRequest(`${ECHO}/Bidi`, same, same);
    const received: string[] = [];
    call.on('data', (chunk: Buffer) => received.push(chunk.toString()));
    for (let n = 0; n < 100; n++) call.write(Buffer.from(`m${n}`));
    call.end();
    const status = await new Promise<grpc.StatusObject>((resolve) => call.on('status', resolve));
    expect(status.code).toBe(grpc.status.OK);
    expect(received).toEqual(Array.from({ length: 100 }, (_, n) => `m${n}`));
  });

  it('passes 8 MiB messages both ways intact', async () => {
    const backend = await startBackend('b1');
    const { client } = await startProxy([backend]);
    const request = randomBytes(8 * 1024 * 1024);
    const { reply } = await unary(client, 'Unary', request);
    expect(reply.length).toBe(request.length + 'b1:'.length);
    expect(reply.subarray(3).equals(request)).toBe(true);
  });

  it('forwards an error status with a unicode message', async () => {
    const backend = await startBackend('b1');
    const { client, router } = await startProxy([backend]);
    const message = 'ünïcødé ✓ 100% — “quoted”';
    const error = await failureOf(
      unary(client, 'Unary', Buffer.from('x'), failWith(grpc.status.FAILED_PRECONDITION, message)),
    );
    expect(error.code).toBe(grpc.status.FAILED_PRECONDITION);
    expect(error.details).toBe(message);
    await waitFor(() => router.allFinished());
    expect(router.leases[0]!.outcomes[0]!.grpcStatus).toBe(grpc.status.FAILED_PRECONDITION);
  });

  it('propagates the deadline: DEADLINE_EXCEEDED, and the backend sees its call cancelled', async () => {
    const backend = await startBackend('b1');
    const { client, router } = await startProxy([backend]);
    const error = await failureOf(
      unary(client, 'Hang', Buffer.from('x'), new grpc.Metadata(), { deadline: Date.now() + 300 }),
    );
    expect(error.code).toBe(grpc.status.DEADLINE_EXCEEDED);
    expect(backend.seen[0]!.deadline).not.toBe(Infinity); // grpc-timeout crossed the proxy
    await waitFor(() => backend.cancelled.includes('Hang') || 'backend call not cancelled yet');
    await waitFor(() => router.allFinished());
    expect(router.leases[0]!.outcomes[0]!.grpcStatus).not.toBe(grpc.status.OK);
  });

  it('propagates client cancellation to the backend', async () => {
    const backend = await startBackend('b1');
    const { client, router } = await startProxy([backend]);
    const call = client.makeUnaryRequest(`${ECHO}/Hang`, same, same, Buffer.from('x'), () => {});
    await waitFor(() => backend.seen.length === 1 || 'backend has not seen the call');
    call.cancel();
    await waitFor(() => backend.cancelled.includes('Hang') || 'backend call not cancelled yet');
    await waitFor(() => router.allFinished());
    expect(router.leases[0]!.outcomes[0]).toMatchObject({
      cancelledByClient: true,
      connectFailed: false,
      grpcStatus: grpc.status.CANCELLED,
    });
  });

  it('answers UNIMPLEMENTED naming the method when no route matches', async () => {
    const backend = await startBackend('b1');
    const { client, router } = await startProxy([backend]);
    const error = await failureOf(
      new Promise((resolve, reject) =>
        client.makeUnaryRequest(
          '/fixture.echo.Other/Unary',
          same,
          same,
          Buffer.from('x'),
          (e, v) => (e ? reject(e) : resolve(v)),
        ),
      ),
    );
    expect(error.code).toBe(grpc.status.UNIMPLEMENTED);
    expect(error.details).toBe('unknown method /fixture.echo.Other/Unary');
    expect(router.leases).toHaveLength(0);
  });

  it('answers UNAVAILABLE with the router message when there is no backend', async () => {
    const { client } = await startProxy([]);
    const error = await failureOf(unary(client, 'Unary', Buffer.from('x')));
    expect(error.code).toBe(grpc.status.UNAVAILABLE);
    expect(error.details).toBe('no healthy backend for “echo” — 0 of 2 ready');
  });

  it('serves a call from the second backend when the first refuses connections', async () => {
    const dead: BackendAddress = { id: 'dead', host: '127.0.0.1', port: await refusedPort() };
    const live = await startBackend('live');
    const { client, router } = await startProxy([dead, live]);
    const { reply } = await unary(client, 'Unary', Buffer.from('retry me'));
    expect(reply.toString()).toBe('live:retry me');
    await waitFor(() => router.allFinished());
    expect(router.leases.map((lease) => lease.backend)).toEqual(['dead', 'live']);
    expect(router.leases[0]!.outcomes[0]).toMatchObject({ connectFailed: true, grpcStatus: 14 });
    expect(router.leases[1]!.outcomes[0]).toMatchObject({ connectFailed: false, grpcStatus: 0 });
    expect(router.excluded[1]).toEqual(['dead']);
  });

  it('gives up after three refused backends with UNAVAILABLE', async () => {
    const dead = await Promise.all(
      ['d1', 'd2', 'd3', 'd4'].map(async (id) => ({
        id,
        host: '127.0.0.1',
        port: await refusedPort(),
      })),
    );
    const { client, router } = await startProxy(dead);
    const error = await failureOf(unary(client, 'Unary', Buffer.from('x')));
    expect(error.code).toBe(grpc.status.UNAVAILABLE);
    await waitFor(() => router.allFinished());
    expect(router.leases).toHaveLength(3);
    expect(router.leases.every((lease) => lease.outcomes[0]!.connectFailed)).toBe(true);
  });

  it('answers UNAVAILABLE when the backend is killed mid-stream', async () => {
    const child = spawn(process.execPath, [fixture('echo-service.mjs')], {
      env: { ...process.env, PORT: '0', INSTANCE_ID: 'victim' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    onTestFinished(() => {
      child.kill('SIGKILL');
    });
    const out = new LineCollector(child.stdout!);
    await waitFor(() => out.has(/^ready \d+$/));
    const port = Number(out.lines.find((line) => line.startsWith('ready '))!.split(' ')[1]);
    const { client, router } = await startProxy([{ id: 'victim', host: '127.0.0.1', port }]);
    const definition = protoLoader.loadSync(fixture(join('protos', 'echo.proto')), {
      keepCase: true,
    });
    const echo = grpc.loadPackageDefinition(definition).fixture as grpc.GrpcObject;
    const Echo = (echo.echo as grpc.GrpcObject).Echo as grpc.ServiceClientConstructor;
    const typed = new Echo('unused:1', grpc.credentials.createInsecure(), {
      channelOverride: client.getChannel(),
    });
    const call = (
      typed as unknown as { Bidi(): grpc.ClientDuplexStream<object, { served_by: string }> }
    ).Bidi();
    const replies: string[] = [];
    call.on('data', (reply) => replies.push(reply.served_by));
    const status = new Promise<grpc.StatusObject>((resolve) => call.on('status', resolve));
    call.on('error', () => {});
    call.write({ payload: Buffer.from('one') });
    await waitFor(() => replies.length === 1 || 'no reply yet');
    child.kill('SIGKILL');
    expect((await status).code).toBe(grpc.status.UNAVAILABLE);
    await waitFor(() => router.allFinished());
    expect(router.leases[0]!.outcomes[0]).toMatchObject({
      grpcStatus: 14,
      cancelledByClient: false,
    });
  });

  it('finishes every lease exactly once under 200 concurrent calls over two backends', async () => {
    const backends = [await startBackend('b1'), await startBackend('b2')];
    const { client, router, proxy } = await startProxy(backends);
    const replies = await Promise.all(
      Array.from({ length: 200 }, (_, n) => unary(client, 'Unary', Buffer.from(String(n)))),
    );
    expect(replies.map(({ reply }) => reply.toString().split(':')[1])).toEqual(
      Array.from({ length: 200 }, (_, n) => String(n)),
    );
    await waitFor(() => router.allFinished());
    expect(router.leases).toHaveLength(200);
    expect(new Set(router.leases.map((lease) => lease.backend))).toEqual(new Set(['b1', 'b2']));
    await waitFor(() => proxy.activeStreams === 0 || `${proxy.activeStreams} streams open`);
  });

  it('settles a mix of answers, failures, deadlines, cancellations and a dead backend', async () => {
    const dead: BackendAddress = { id: 'dead', host: '127.0.0.1', port: await refusedPort() };
    const backends = [dead, await startBackend('b1'), await startBackend('b2')];
    const { client, router } = await startProxy(backends);
    const ok = Array.from({ length: 60 }, (_, n) => unary(client, 'Unary', Buffer.from(`${n}`)));
    const failing = Array.from({ length: 10 }, () =>
      failureOf(unary(client, 'Unary', Buffer.from('x'), failWith(grpc.status.ABORTED, 'no'))),
    );
    const late = Array.from({ length: 10 }, () =>
      failureOf(
        unary(client, 'Hang', Buffer.from('x'), new grpc.Metadata(), {
          deadline: Date.now() + 200,
        }),
      ),
    );
    const cancelled = Array.from({ length: 10 }, () => {
      const call = client.makeUnaryRequest(`${ECHO}/Hang`, same, same, Buffer.from('x'), () => {});
      return call;
    });
    await waitFor(
      () =>
        backends.slice(1).reduce((sum, b) => sum + (b as Backend).seen.length, 0) >= 90 ||
        'backends have not seen every call yet',
    );
    for (const call of cancelled) call.cancel();
    expect((await Promise.all(ok)).length).toBe(60);
    expect((await Promise.all(failing)).map((e) => e.code)).toEqual(
      Array(10).fill(grpc.status.ABORTED),
    );
    expect((await Promise.all(late)).map((e) => e.code)).toEqual(
      Array(10).fill(grpc.status.DEADLINE_EXCEEDED),
    );
    await waitFor(() => router.allFinished());
    const outcomes = router.leases.map((lease) => lease.outcomes[0]!);
    expect(outcomes.filter((o) => o.connectFailed)).toHaveLength(
      router.leases.filter((lease) => lease.backend === 'dead').length,
    );
    expect(outcomes.filter((o) => o.cancelledByClient).length).toBeGreaterThanOrEqual(10);
    // 60 + 10 + 10 + 10 calls; deadlines may end as client cancellations (grpc-js resets the stream).
    expect(outcomes.filter((o) => !o.connectFailed)).toHaveLength(90);
    expect(outcomes.filter((o) => o.cancelledByClient).length).toBeLessThanOrEqual(20);
  });

  it('serves gRPC over TLS (ALPN h2) to grpc-js ssl credentials', async () => {
    const backend = await startBackend('b1');
    const tls = selfSignedCertificate();
    const { client } = await startProxy([backend], { tls });
    const { reply } = await unary(client, 'Unary', Buffer.from('secure'));
    expect(reply.toString()).toBe('b1:secure');
  });

  it('close() with streams in flight answers them UNAVAILABLE and does not hang', async () => {
    const backend = await startBackend('b1');
    const harness = await startProxy([backend]);
    const hanging = failureOf(unary(harness.client, 'Hang', Buffer.from('x')));
    const bidi = harness.client.makeBidiStreamRequest(`${ECHO}/Bidi`, same, same);
    bidi.on('error', () => {});
    bidi.on('data', () => {});
    const bidiStatus = new Promise<grpc.StatusObject>((resolve) => bidi.on('status', resolve));
    bidi.write(Buffer.from('open'));
    await waitFor(() => backend.seen.length === 2 || `backend saw ${backend.seen.length} calls`);
    await harness.proxy.close();
    expect((await hanging).code).toBe(grpc.status.UNAVAILABLE);
    expect((await bidiStatus).code).toBe(grpc.status.UNAVAILABLE);
    await waitFor(() => backend.cancelled.length === 2 || `backend cancelled ${backend.cancelled}`);
    await waitFor(() => harness.router.allFinished());
    expect(harness.proxy.activeStreams).toBe(0);
  });
});
