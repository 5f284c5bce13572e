import { once } from 'node:events';
import { createServer as createHttpServer, type Server as HttpServer } from 'node:http';
import {
  createServer as createH2Server,
  type Http2Server,
  type Http2Session,
  type IncomingHttpHeaders,
  type ServerHttp2Stream,
} from 'node:http2';
import {
  createServer as createNetServer,
  type AddressInfo,
  type Server as NetServer,
} from 'node:net';
import { join } from 'node:path';
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import { afterEach, describe, expect, it } from 'vitest';
import { ROOT } from '../../../test/helpers/paths.js';
import type { HealthCheckConfig } from '../../config/index.js';
import {
  decodeHealthResponse,
  encodeHealthRequest,
  httpUrl,
  probeGrpc,
  probeHttp,
  probeTcp,
  runProbe,
} from './probes.js';

const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

const portOf = (server: NetServer | HttpServer | Http2Server): number =>
  (server.address() as AddressInfo).port;

/** A port nothing listens on: bound once, then closed. */
async function closedPort(): Promise<number> {
  const server = createNetServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const port = portOf(server);
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** A plain HTTP server: /ok 200, /down 503, /moved 302, /hang never answers. */
async function httpServer(): Promise<{ port: number; requests: string[] }> {
  const requests: string[] = [];
  const server = createHttpServer((req, res) => {
    requests.push(`${req.method} ${req.url} ${req.headers['user-agent']}`);
    switch (req.url) {
      case '/ok':
        res.end('ok');
        return;
      case '/down':
        res.statusCode = 503;
        res.end('down');
        return;
      case '/moved':
        res.writeHead(302, { location: '/elsewhere' }).end();
        return;
      case '/hang':
        return; // never answers
      default:
        res.statusCode = 404;
        res.end();
    }
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  cleanups.push(
    () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  );
  return { port: portOf(server), requests };
}

describe('httpUrl', () => {
  it('builds a URL on 127.0.0.1 and the instance port', () => {
    expect(httpUrl('/health', 8080)).toBe('http://127.0.0.1:8080/health');
    expect(httpUrl('health', 8080)).toBe('http://127.0.0.1:8080/health');
  });

  it('keeps a full URL', () => {
    expect(httpUrl('https://example.test/ready', 8080)).toBe('https://example.test/ready');
    expect(httpUrl('http://10.0.0.1:9/x', 8080)).toBe('http://10.0.0.1:9/x');
  });
});

describe('probeHttp', () => {
  it('is ok for 200 and sends a GET with its user agent', async () => {
    const { port, requests } = await httpServer();
    const result = await probeHttp(`http://127.0.0.1:${port}/ok`, 2000);
    expect(result).toEqual({ ok: true, detail: `GET http://127.0.0.1:${port}/ok -> 200` });
    expect(requests).toEqual(['GET /ok gowinproc-health']);
  });

  it('is not ok for 503', async () => {
    const { port } = await httpServer();
    const result = await probeHttp(`http://127.0.0.1:${port}/down`, 2000);
    expect(result).toEqual({ ok: false, detail: `GET http://127.0.0.1:${port}/down -> 503` });
  });

  it('is not ok for 404', async () => {
    const { port } = await httpServer();
    expect(await probeHttp(`http://127.0.0.1:${port}/missing`, 2000)).toMatchObject({ ok: false });
  });

  it('is ok for a 302 (3xx counts as healthy) without following it', async () => {
    const { port, requests } = await httpServer();
    const result = await probeHttp(`http://127.0.0.1:${port}/moved`, 2000);
    expect(result).toEqual({ ok: true, detail: `GET http://127.0.0.1:${port}/moved -> 302` });
    expect(requests).toHaveLength(1);
  });

  it('is not ok when the connection is refused', async () => {
    const port = await closedPort();
    const result = await probeHttp(`http://127.0.0.1:${port}/ok`, 2000);
    expect(result).toEqual({
      ok: false,
      detail: `GET http://127.0.0.1:${port}/ok: connection refused`,
    });
  });

  it('is not ok when no answer comes within the timeout', async () => {
    const { port } = await httpServer();
    const started = Date.now();
    const result = await probeHttp(`http://127.0.0.1:${port}/hang`, 200);
    expect(result).toEqual({
      ok: false,
      detail: `GET http://127.0.0.1:${port}/hang: no answer within 200ms`,
    });
    expect(Date.now() - started).toBeLessThan(5000);
  });
});

describe('probeTcp', () => {
  it('is ok when the port accepts a connection', async () => {
    const server = createNetServer((socket) => socket.destroy());
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    cleanups.push(() => new Promise<void>((resolve) => server.close(() => resolve())));
    const port = portOf(server);
    expect(await probeTcp(port, 2000)).toEqual({
      ok: true,
      detail: `tcp 127.0.0.1:${port} accepted`,
    });
  });

  it('is not ok when nothing listens', async () => {
    const port = await closedPort();
    expect(await probeTcp(port, 2000)).toEqual({
      ok: false,
      detail: `tcp 127.0.0.1:${port}: connection refused`,
    });
  });
});

// ---- gRPC ----

/** A gRPC response message: the 5-byte prefix and HealthCheckResponse{status}. */
function healthResponse(status: number): Buffer {
  const body = status === 0 ? Buffer.alloc(0) : Buffer.from([0x08, status]);
  const frame = Buffer.alloc(5);
  frame.writeUInt32BE(body.length, 1);
  return Buffer.concat([frame, body]);
}

interface Received {
  headers: IncomingHttpHeaders;
  body: Buffer;
}

type Answer = (stream: ServerHttp2Stream) => void;

/** Answers with grpc-status 0 and this status in the body. */
const answerStatus =
  (status: number): Answer =>
  (stream) => {
    stream.respond(
      { ':status': 200, 'content-type': 'application/grpc' },
      { waitForTrailers: true },
    );
    stream.on('wantTrailers', () => stream.sendTrailers({ 'grpc-status': '0' }));
    stream.end(healthResponse(status));
  };

/** An h2c server that records the request and answers with `answer` once the body is in. */
async function grpcServer(answer: Answer): Promise<{ port: number; received: Received[] }> {
  const received: Received[] = [];
  const sessions = new Set<Http2Session>();
  const server = createH2Server();
  server.on('session', (session) => {
    sessions.add(session);
    session.on('close', () => sessions.delete(session));
  });
  server.on('stream', (stream, headers) => {
    const chunks: Buffer[] = [];
    stream.on('data', (chunk: Buffer) => chunks.push(chunk));
    stream.on('end', () => {
      received.push({ headers, body: Buffer.concat(chunks) });
      answer(stream);
    });
    stream.on('error', () => undefined);
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  cleanups.push(
    () =>
      new Promise<void>((resolve) => {
        for (const session of sessions) session.destroy();
        server.close(() => resolve());
      }),
  );
  return { port: portOf(server), received };
}

describe('probeGrpc', () => {
  it('is ok for SERVING, sending HealthCheckRequest{service} to Health/Check', async () => {
    const { port, received } = await grpcServer(answerStatus(1));
    const result = await probeGrpc(port, 'demo.Greeter', 2000);
    expect(result).toEqual({ ok: true, detail: `grpc 127.0.0.1:${port}: SERVING` });
    expect(received).toHaveLength(1);
    expect(received[0]!.headers[':method']).toBe('POST');
    expect(received[0]!.headers[':path']).toBe('/grpc.health.v1.Health/Check');
    expect(received[0]!.headers['content-type']).toBe('application/grpc');
    expect(received[0]!.headers['te']).toBe('trailers');
    expect(received[0]!.body.equals(encodeHealthRequest('demo.Greeter'))).toBe(true);
  });

  it('checks the whole server with an empty service name', async () => {
    const { port, received } = await grpcServer(answerStatus(1));
    expect(await probeGrpc(port, '', 2000)).toMatchObject({ ok: true });
    expect(received[0]!.body.equals(Buffer.from([0, 0, 0, 0, 0]))).toBe(true);
  });

  it.each([
    [2, 'NOT_SERVING'],
    [3, 'SERVICE_UNKNOWN'],
    [0, 'UNKNOWN'],
  ])('is not ok for status %d (%s)', async (status, name) => {
    const { port } = await grpcServer(answerStatus(status));
    expect(await probeGrpc(port, '', 2000)).toEqual({
      ok: false,
      detail: `grpc 127.0.0.1:${port}: ${name}`,
    });
  });

  it('is not ok for grpc-status 12 (UNIMPLEMENTED), reporting the status and message', async () => {
    const { port } = await grpcServer((stream) => {
      stream.respond(
        {
          ':status': 200,
          'content-type': 'application/grpc',
          'grpc-status': '12',
          'grpc-message': encodeURIComponent('unknown service grpc.health.v1.Health'),
        },
        { endStream: true },
      );
    });
    expect(await probeGrpc(port, '', 2000)).toEqual({
      ok: false,
      detail: `grpc 127.0.0.1:${port}: status 12 (unknown service grpc.health.v1.Health)`,
    });
  });

  it('is not ok for a non-zero grpc-status in the trailers after a body', async () => {
    const { port } = await grpcServer((stream) => {
      stream.respond(
        { ':status': 200, 'content-type': 'application/grpc' },
        { waitForTrailers: true },
      );
      stream.on('wantTrailers', () => stream.sendTrailers({ 'grpc-status': '14' }));
      stream.end(healthResponse(1));
    });
    expect(await probeGrpc(port, '', 2000)).toMatchObject({
      ok: false,
      detail: `grpc 127.0.0.1:${port}: status 14`,
    });
  });

  it('is not ok when the answer has no grpc-status', async () => {
    const { port } = await grpcServer((stream) => {
      stream.respond({ ':status': 200, 'content-type': 'application/grpc' });
      stream.end(healthResponse(1));
    });
    expect(await probeGrpc(port, '', 2000)).toMatchObject({
      ok: false,
      detail: `grpc 127.0.0.1:${port}: status missing`,
    });
  });

  it('is not ok when the connection is refused', async () => {
    const port = await closedPort();
    const result = await probeGrpc(port, '', 2000);
    expect(result.ok).toBe(false);
    expect(result.detail).toContain(`grpc 127.0.0.1:${port}: `);
  });

  it('reports a refused connection as "connection refused", as the http and tcp probes do', async () => {
    const port = await closedPort();
    expect(await probeGrpc(port, '', 2000)).toEqual({
      ok: false,
      detail: `grpc 127.0.0.1:${port}: connection refused`,
    });
  });

  it('is not ok when no answer comes within the timeout', async () => {
    const { port } = await grpcServer(() => undefined); // never answers
    expect(await probeGrpc(port, '', 200)).toEqual({
      ok: false,
      detail: `grpc 127.0.0.1:${port}: no answer within 200ms`,
    });
  });

  it('talks to a real gRPC server (grpc-js) implementing grpc.health.v1', async () => {
    const definition = protoLoader.loadSync(
      join(ROOT, 'examples', 'demo-service', 'protos', 'health.proto'),
      { enums: String, defaults: true },
    );
    const proto = grpc.loadPackageDefinition(definition) as unknown as {
      grpc: { health: { v1: { Health: grpc.ServiceClientConstructor } } };
    };
    const statuses: Record<string, string> = { '': 'SERVING', 'demo.Down': 'NOT_SERVING' };
    const asked: string[] = [];
    const server = new grpc.Server();
    server.addService(proto.grpc.health.v1.Health.service, {
      Check: (
        call: grpc.ServerUnaryCall<{ service: string }, unknown>,
        callback: grpc.sendUnaryData<unknown>,
      ) => {
        asked.push(call.request.service);
        const status = statuses[call.request.service];
        if (status === undefined)
          callback({ code: grpc.status.NOT_FOUND, details: 'unknown service' });
        else callback(null, { status });
      },
    });
    const port = await new Promise<number>((resolve, reject) =>
      server.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (error, bound) =>
        error ? reject(error) : resolve(bound),
      ),
    );
    cleanups.push(() => void server.forceShutdown());

    expect(await probeGrpc(port, '', 2000)).toMatchObject({
      ok: true,
      detail: expect.stringContaining('SERVING'),
    });
    expect(await probeGrpc(port, 'demo.Down', 2000)).toMatchObject({
      ok: false,
      detail: expect.stringContaining('NOT_SERVING'),
    });
    expect(await probeGrpc(port, 'demo.Missing', 2000)).toEqual({
      ok: false,
      detail: `grpc 127.0.0.1:${port}: status 5 (unknown service)`,
    });
    expect(asked).toEqual(['', 'demo.Down', 'demo.Missing']);
  });
});

describe('encodeHealthRequest / decodeHealthResponse', () => {
  it('encodes HealthCheckRequest{service} with the gRPC length prefix', () => {
    expect([...encodeHealthRequest('')]).toEqual([0, 0, 0, 0, 0]);
    expect([...encodeHealthRequest('ab')]).toEqual([0, 0, 0, 0, 4, 0x0a, 2, 0x61, 0x62]);
  });

  it('uses a multi-byte varint for a service name of 128 bytes or more', () => {
    const name = 'x'.repeat(300);
    const frame = encodeHealthRequest(name);
    expect(frame.readUInt32BE(1)).toBe(frame.length - 5);
    expect([...frame.subarray(5, 8)]).toEqual([0x0a, 0xac, 0x02]); // 300 = 0b10_0101100
    expect(frame.subarray(8).toString('utf8')).toBe(name);
  });

  it('counts the service name in UTF-8 bytes', () => {
    const frame = encodeHealthRequest('サービス');
    expect(frame[6]).toBe(Buffer.byteLength('サービス'));
  });

  it.each([0, 1, 2, 3])('reads back status %d', (status) => {
    expect(decodeHealthResponse(healthResponse(status))).toBe(status);
  });

  it('round-trips: a request frame read as a response carries no status field (wire type 2 is skipped)', () => {
    expect(decodeHealthResponse(encodeHealthRequest('demo.Greeter'))).toBe(0);
  });

  it('skips unknown fields before the status', () => {
    // field 2 (length-delimited "hi"), then field 1 = 2
    const body = Buffer.from([0x12, 2, 0x68, 0x69, 0x08, 2]);
    const frame = Buffer.concat([Buffer.from([0, 0, 0, 0, body.length]), body]);
    expect(decodeHealthResponse(frame)).toBe(2);
  });

  it('reads 0 from a frame too short or empty', () => {
    expect(decodeHealthResponse(Buffer.alloc(0))).toBe(0);
    expect(decodeHealthResponse(Buffer.from([0, 0, 0]))).toBe(0);
    expect(decodeHealthResponse(Buffer.from([0, 0, 0, 0, 0]))).toBe(0);
  });
});

describe('runProbe', () => {
  const check = (overrides: Partial<HealthCheckConfig>): HealthCheckConfig => ({
    enabled: true,
    type: 'http',
    interval: 1000,
    timeout: 2000,
    retries: 3,
    start_period: 0,
    ...overrides,
  });

  it('runs an http check on the default /health path', async () => {
    const { port, requests } = await httpServer();
    expect(await runProbe(check({ type: 'http' }), port)).toMatchObject({ ok: false });
    expect(requests[0]).toMatch(/^GET \/health /);
    expect(await runProbe(check({ type: 'http', endpoint: '/ok' }), port)).toMatchObject({
      ok: true,
    });
  });

  it('runs a tcp check and a none check', async () => {
    const port = await closedPort();
    expect(await runProbe(check({ type: 'tcp' }), port)).toMatchObject({ ok: false });
    expect(await runProbe(check({ type: 'none' }), port)).toEqual({
      ok: true,
      detail: 'no health check',
    });
  });

  it('runs a grpc check with the endpoint as the service name', async () => {
    const { port, received } = await grpcServer(answerStatus(1));
    expect(await runProbe(check({ type: 'grpc', endpoint: 'svc' }), port)).toMatchObject({
      ok: true,
    });
    expect(received[0]!.body.equals(encodeHealthRequest('svc'))).toBe(true);
  });
});
