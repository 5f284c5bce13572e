/**
 * The proxy against raw node:http2 peers, for what grpc-js never does on purpose: wrong methods
 * and content types, HTTP errors, refused streams and GOAWAY, trailers-only answers, a reader
 * that stops reading (flow control), sessions a backend keeps or loses, and what the proxy must
 * release: a backend stream answered before the request ended, every connection at close().
 */
import http2, {
  type ClientHttp2Session,
  type IncomingHttpHeaders,
  type ServerHttp2Session,
  type ServerHttp2Stream,
} from 'node:http2';
import net from 'node:net';
import { afterEach, describe, expect, it, onTestFinished } from 'vitest';
import { selfSignedCertificate } from '../../../../test/helpers/tls-cert.js';
import { holdsFor, waitFor } from '../../../../test/helpers/wait-for.js';
import type { BackendAddress, CallOutcome, RouteChoice, StreamRouter } from '../types.js';
import { GrpcProxy } from './grpc-proxy.js';
import { decodeGrpcMessage } from './grpc-status.js';

const { NGHTTP2_REFUSED_STREAM, NGHTTP2_FLAG_END_STREAM } = http2.constants;
const PATH = '/fixture.echo.Echo/Unary';
const GRPC_HEADERS = {
  ':method': 'POST',
  ':path': PATH,
  'content-type': 'application/grpc',
  te: 'trailers',
};

interface RawBackend extends Omit<BackendAddress, 'port'> {
  port: number;
  streams: { headers: IncomingHttpHeaders; body: Buffer }[];
  sessions: ServerHttp2Session[];
  closedSessions: number;
  /** Streams the backend opened and that have not closed yet. */
  open: Set<ServerHttp2Stream>;
}

/** A raw HTTP/2 backend; `onStream` answers each stream (default: a gRPC echo once the request ends). */
async function startRawBackend(
  id: string,
  onStream?: (stream: ServerHttp2Stream, headers: IncomingHttpHeaders, backend: RawBackend) => void,
): Promise<RawBackend> {
  const server = http2.createServer();
  const backend: RawBackend = {
    id,
    host: '127.0.0.1',
    port: 0,
    streams: [],
    sessions: [],
    closedSessions: 0,
    open: new Set(),
  };
  server.on('session', (session: ServerHttp2Session) => {
    backend.sessions.push(session);
    session.on('close', () => backend.closedSessions++);
    session.on('error', () => {});
  });
  server.on('stream', (stream, headers) => {
    stream.on('error', () => {});
    backend.open.add(stream);
    stream.on('close', () => backend.open.delete(stream));
    if (onStream) return onStream(stream, headers, backend);
    const chunks: Buffer[] = [];
    stream.on('data', (chunk: Buffer) => chunks.push(chunk));
    stream.on('end', () => {
      const body = Buffer.concat(chunks);
      backend.streams.push({ headers, body });
      stream.respond(
        { ':status': 200, 'content-type': 'application/grpc' },
        { waitForTrailers: true },
      );
      stream.on('wantTrailers', () =>
        stream.sendTrailers({ 'grpc-status': '0', 'x-served-by': id }),
      );
      stream.end(body);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  backend.port = (server.address() as net.AddressInfo).port;
  onTestFinished(async () => {
    for (const session of backend.sessions) session.destroy();
    await new Promise((resolve) => server.close(resolve));
  });
  return backend;
}

class RecordingRouter implements StreamRouter {
  readonly outcomes: { backend: string; outcome: CallOutcome }[] = [];
  leases = 0;
  constructor(private readonly backends: BackendAddress[]) {}
  route(_path: string, exclude: ReadonlySet<string>): RouteChoice {
    const backend = this.backends.find((candidate) => !exclude.has(candidate.id));
    if (backend === undefined) return { kind: 'no_backend', message: 'none left' };
    this.leases++;
    return {
      kind: 'backend',
      lease: { backend, finish: (outcome) => this.outcomes.push({ backend: backend.id, outcome }) },
    };
  }
}

const proxies: { proxy: GrpcProxy; router: RecordingRouter; session: ClientHttp2Session }[] = [];

async function startProxy(backends: BackendAddress[]) {
  const router = new RecordingRouter(backends);
  const proxy = new GrpcProxy({ host: '127.0.0.1', port: 0, router });
  const port = await proxy.listen();
  const session = http2.connect(`http://127.0.0.1:${port}`);
  session.on('error', () => {});
  const harness = { proxy, router, session, port };
  proxies.push(harness);
  return harness;
}

afterEach(async () => {
  for (const { proxy, router, session } of proxies.splice(0)) {
    await waitFor(
      () =>
        router.outcomes.length === router.leases ||
        `${router.outcomes.length} of ${router.leases} finished`,
    );
    expect(router.outcomes).toHaveLength(router.leases);
    session.destroy();
    await proxy.close();
  }
});

interface RawAnswer {
  headers: IncomingHttpHeaders;
  endedWithHeaders: boolean;
  body: Buffer;
  trailers: IncomingHttpHeaders | undefined;
}

function call(
  session: ClientHttp2Session,
  headers: http2.OutgoingHttpHeaders,
  body?: Buffer,
): Promise<RawAnswer> {
  return new Promise((resolve, reject) => {
    const stream = session.request(headers, { endStream: body === undefined });
    const chunks: Buffer[] = [];
    let answer: Partial<RawAnswer> = {};
    stream.on('response', (responseHeaders, flags) => {
      answer = {
        headers: responseHeaders,
        endedWithHeaders: (flags & NGHTTP2_FLAG_END_STREAM) !== 0,
      };
    });
    stream.on('trailers', (trailers) => (answer.trailers = trailers));
    stream.on('data', (chunk: Buffer) => chunks.push(chunk));
    stream.on('error', reject);
    stream.on('close', () => resolve({ ...(answer as RawAnswer), body: Buffer.concat(chunks) }));
    if (body !== undefined) stream.end(body);
  });
}

/** A gRPC length-prefixed message. */
function frame(payload: Buffer): Buffer {
  const header = Buffer.alloc(5);
  header.writeUInt32BE(payload.length, 1);
  return Buffer.concat([header, payload]);
}

describe('GrpcProxy with raw HTTP/2 peers', () => {
  it('answers 405 to a method other than POST and 415 to a content type other than gRPC', async () => {
    const backend = await startRawBackend('b1');
    const { session, router } = await startProxy([backend]);
    const get = await call(session, { ':method': 'GET', ':path': PATH });
    expect(get.headers[':status']).toBe(405);
    const json = await call(
      session,
      { ...GRPC_HEADERS, 'content-type': 'application/json' },
      Buffer.from('{}'),
    );
    expect(json.headers[':status']).toBe(415);
    expect(router.leases).toBe(0);
  });

  it('forwards te: trailers, grpc-timeout and pseudo-headers; answers with trailers', async () => {
    const backend = await startRawBackend('b1');
    const { session } = await startProxy([backend]);
    const answer = await call(
      session,
      { ...GRPC_HEADERS, 'grpc-timeout': '5S', 'x-custom': 'v', ':authority': 'echo.example' },
      frame(Buffer.from('abc')),
    );
    const seen = backend.streams[0]!.headers;
    expect(seen).toMatchObject({
      ':method': 'POST',
      ':path': PATH,
      ':scheme': 'http',
      ':authority': 'echo.example',
      te: 'trailers',
      'grpc-timeout': '5S',
      'x-custom': 'v',
    });
    expect(backend.streams[0]!.body).toEqual(frame(Buffer.from('abc')));
    expect(answer.body).toEqual(frame(Buffer.from('abc')));
    expect(answer.trailers).toMatchObject({ 'grpc-status': '0', 'x-served-by': 'b1' });
  });

  it('forwards a trailers-only answer as trailers-only', async () => {
    const backend = await startRawBackend('b1', (stream) =>
      stream.respond(
        {
          ':status': 200,
          'content-type': 'application/grpc',
          'grpc-status': '5',
          'grpc-message': 'gone%20away',
        },
        { endStream: true },
      ),
    );
    const { session, router } = await startProxy([backend]);
    const answer = await call(session, GRPC_HEADERS, frame(Buffer.from('x')));
    expect(answer.endedWithHeaders).toBe(true);
    expect(answer.headers).toMatchObject({ 'grpc-status': '5', 'grpc-message': 'gone%20away' });
    expect(router.outcomes[0]!.outcome.grpcStatus).toBe(5);
  });

  it.each([
    [503, 14],
    [404, 12],
    [401, 16],
    [500, 2],
  ])('maps a backend HTTP %i to grpc-status %i', async (httpStatus, grpcStatus) => {
    const backend = await startRawBackend('b1', (stream) =>
      stream.respond({ ':status': httpStatus }, { endStream: true }),
    );
    const { session, router } = await startProxy([backend]);
    const answer = await call(session, GRPC_HEADERS, frame(Buffer.from('x')));
    expect(answer.headers[':status']).toBe(200);
    expect(answer.headers['grpc-status']).toBe(String(grpcStatus));
    expect(decodeGrpcMessage(String(answer.headers['grpc-message']))).toBe(
      `backend answered HTTP ${httpStatus}`,
    );
    await waitFor(() => router.outcomes.length === 1 || 'lease open');
    expect(router.outcomes[0]!.outcome).toMatchObject({ grpcStatus, connectFailed: false });
  });

  it('replays a request the first backend refused (REFUSED_STREAM) on the second', async () => {
    const refusing = await startRawBackend('refusing', (stream) => {
      stream.on('data', () => {});
      stream.on('end', () => stream.close(NGHTTP2_REFUSED_STREAM));
    });
    const good = await startRawBackend('good');
    const { session, router } = await startProxy([refusing, good]);
    const answer = await call(session, GRPC_HEADERS, frame(Buffer.from('replayed')));
    expect(answer.body).toEqual(frame(Buffer.from('replayed')));
    expect(answer.trailers).toMatchObject({ 'x-served-by': 'good' });
    // A refused stream is retried but is no connection failure: the backend is alive and is
    // not ejected at once for it; its attempt is handed on (willRetry), so the route counts once.
    expect(
      router.outcomes.map(({ backend, outcome }) => [
        backend,
        outcome.connectFailed,
        outcome.grpcStatus,
        outcome.willRetry === true,
      ]),
    ).toEqual([
      ['refusing', false, 14, true],
      ['good', false, 0, false],
    ]);
  });

  it('retries a stream that a GOAWAY left unprocessed', async () => {
    // The backend answers its first stream, then announces GOAWAY covering only that one.
    const leaving = await startRawBackend('leaving', (stream, _headers, backend) => {
      stream.on('data', () => {});
      if (backend.streams.push({ headers: _headers, body: Buffer.alloc(0) }) === 1) {
        return stream.respond(
          { ':status': 200, 'content-type': 'application/grpc', 'grpc-status': '0' },
          { endStream: true },
        );
      }
      stream.session!.goaway(http2.constants.NGHTTP2_NO_ERROR, stream.id! - 2);
    });
    const good = await startRawBackend('good');
    const { session, router } = await startProxy([leaving, good]);
    await call(session, GRPC_HEADERS, frame(Buffer.from('first')));
    const answer = await call(session, GRPC_HEADERS, frame(Buffer.from('again')));
    expect(answer.trailers).toMatchObject({ 'x-served-by': 'good' });
    expect(answer.body).toEqual(frame(Buffer.from('again')));
    expect(
      router.outcomes.map(({ backend, outcome }) => [
        backend,
        outcome.connectFailed,
        outcome.willRetry === true,
      ]),
    ).toEqual([
      ['leaving', false, false],
      ['leaving', false, true],
      ['good', false, false],
    ]);
  });

  it('does not retry a backend reset after the request reached it: UNAVAILABLE', async () => {
    const crashing = await startRawBackend('crashing', (stream) => {
      stream.on('data', () => {});
      stream.on('end', () => stream.close(http2.constants.NGHTTP2_INTERNAL_ERROR));
    });
    const good = await startRawBackend('good');
    const { session, router } = await startProxy([crashing, good]);
    const answer = await call(session, GRPC_HEADERS, frame(Buffer.from('once')));
    expect(answer.endedWithHeaders).toBe(true);
    expect(answer.headers['grpc-status']).toBe('14');
    expect(good.streams).toHaveLength(0);
    expect(router.outcomes[0]!.outcome).toMatchObject({ grpcStatus: 14, connectFailed: false });
  });

  it('holds a response the client does not read in the flow-control windows, then delivers it all', async () => {
    const total = 48 * 1024 * 1024;
    const chunk = Buffer.alloc(64 * 1024, 7);
    let written = 0;
    let blocked = false;
    const backend = await startRawBackend('b1', (stream) => {
      stream.respond(
        { ':status': 200, 'content-type': 'application/grpc' },
        { waitForTrailers: true },
      );
      stream.on('wantTrailers', () => stream.sendTrailers({ 'grpc-status': '0' }));
      const pump = () => {
        while (written < total) {
          written += chunk.length;
          if (!stream.write(chunk)) {
            blocked = true;
            return void stream.once('drain', () => ((blocked = false), pump()));
          }
        }
        stream.end();
      };
      pump();
    });
    const { session } = await startProxy([backend]);
    const stream = session.request(GRPC_HEADERS);
    stream.end(frame(Buffer.from('x')));
    stream.pause();
    await waitFor(() => blocked || `backend wrote ${written} bytes unblocked`);
    // Stalled: what the backend could write is bounded by windows and buffers, not the stream size.
    await holdsFor(() => written < 8 * 1024 * 1024 || `backend wrote ${written} bytes`, 300);
    let received = 0;
    stream.on('data', (data: Buffer) => (received += data.length));
    const trailers = new Promise<IncomingHttpHeaders>((resolve) => stream.on('trailers', resolve));
    stream.resume();
    expect((await trailers)['grpc-status']).toBe('0');
    expect(received).toBe(total);
  });

  it('holds a request the backend does not read in the flow-control windows', async () => {
    let paused: ServerHttp2Stream | undefined;
    let received = 0;
    const backend = await startRawBackend('b1', (stream) => {
      paused = stream;
      stream.pause();
      stream.on('end', () => {
        stream.respond(
          { ':status': 200, 'content-type': 'application/grpc', 'grpc-status': '0' },
          { endStream: true },
        );
      });
    });
    const { session } = await startProxy([backend]);
    const stream = session.request(GRPC_HEADERS);
    const chunk = Buffer.alloc(64 * 1024, 1);
    const total = 48 * 1024 * 1024;
    let sent = 0;
    let blocked = false;
    const pump = () => {
      while (sent < total) {
        sent += chunk.length;
        if (!stream.write(chunk)) {
          blocked = true;
          return void stream.once('drain', () => ((blocked = false), pump()));
        }
      }
      stream.end();
    };
    pump();
    await waitFor(() => (blocked && paused !== undefined) || `client sent ${sent} bytes unblocked`);
    await holdsFor(() => sent < 8 * 1024 * 1024 || `client sent ${sent} bytes`, 300);
    paused!.on('data', (data: Buffer) => (received += data.length));
    paused!.resume();
    const answer = await new Promise<IncomingHttpHeaders>((resolve) =>
      stream.on('response', resolve),
    );
    expect(answer['grpc-status']).toBe('0');
    expect(received).toBe(total);
  });

  it('keeps one session per backend and closes it gracefully on forgetBackend', async () => {
    let hold: ServerHttp2Stream | undefined;
    const backend = await startRawBackend('b1', (stream, headers) => {
      if (headers['x-hold'] === '1') return void (hold = stream);
      stream.respond(
        { ':status': 200, 'content-type': 'application/grpc', 'grpc-status': '0' },
        { endStream: true },
      );
    });
    const { session, proxy } = await startProxy([backend]);
    await call(session, GRPC_HEADERS, frame(Buffer.from('1')));
    await call(session, GRPC_HEADERS, frame(Buffer.from('2')));
    expect(backend.sessions).toHaveLength(1);
    const held = call(session, { ...GRPC_HEADERS, 'x-hold': '1' }, frame(Buffer.from('3')));
    await waitFor(() => hold !== undefined || 'backend has not got the held stream');
    proxy.forgetBackend('b1');
    // The stream in flight finishes on the old session; the next call opens a new one.
    await call(session, GRPC_HEADERS, frame(Buffer.from('4')));
    expect(backend.sessions).toHaveLength(2);
    expect(backend.closedSessions).toBe(0);
    hold!.respond(
      { ':status': 200, 'content-type': 'application/grpc', 'grpc-status': '0' },
      { endStream: true },
    );
    expect((await held).headers['grpc-status']).toBe('0');
    await waitFor(() => backend.closedSessions === 1 || 'old session still open');
  });

  it('forwards a request whose HEADERS end the stream (no body)', async () => {
    const backend = await startRawBackend('b1');
    const { session } = await startProxy([backend]);
    const answer = await call(session, GRPC_HEADERS);
    expect(backend.streams[0]!.body.length).toBe(0);
    expect(answer.trailers).toMatchObject({ 'grpc-status': '0', 'x-served-by': 'b1' });
  });

  it('answers INTERNAL and warns when the router throws', async () => {
    const warnings: string[] = [];
    const proxy = new GrpcProxy({
      host: '127.0.0.1',
      port: 0,
      router: {
        route: () => {
          throw new Error('pool exploded');
        },
      },
      onWarning: (message) => warnings.push(message),
    });
    const port = await proxy.listen();
    onTestFinished(() => proxy.close());
    const session = http2.connect(`http://127.0.0.1:${port}`);
    onTestFinished(() => void session.destroy());
    const answer = await call(session, GRPC_HEADERS, frame(Buffer.from('x')));
    expect(answer.headers['grpc-status']).toBe('13');
    await call(session, GRPC_HEADERS, frame(Buffer.from('y')));
    expect(warnings).toEqual(['router failed: pool exploded']); // once, not per call
  });

  it('close(graceMs) lets a call in flight finish before closing', async () => {
    let hold: ServerHttp2Stream | undefined;
    const backend = await startRawBackend('b1', (stream) => {
      stream.on('data', () => {});
      hold = stream;
    });
    const { session, proxy } = await startProxy([backend]);
    const answer = call(session, GRPC_HEADERS, frame(Buffer.from('slow')));
    await waitFor(() => hold !== undefined || 'backend has not got the stream');
    let closed = false;
    let goaway = false;
    session.once('goaway', () => (goaway = true));
    const closing = proxy.close(10_000).then(() => (closed = true));
    await waitFor(() => goaway || 'no GOAWAY yet');
    expect(closed).toBe(false);
    expect(hold!.destroyed).toBe(false);
    hold!.respond(
      { ':status': 200, 'content-type': 'application/grpc', 'grpc-status': '0' },
      { endStream: true },
    );
    expect((await answer).headers['grpc-status']).toBe('0');
    await closing;
  });

  it('rejects listen() with the OS error when the port is taken', async () => {
    const taken = net.createServer();
    await new Promise<void>((resolve) => taken.listen(0, '127.0.0.1', resolve));
    onTestFinished(() => void taken.close());
    const port = (taken.address() as net.AddressInfo).port;
    const proxy = new GrpcProxy({ host: '127.0.0.1', port, router: new RecordingRouter([]) });
    await expect(proxy.listen()).rejects.toMatchObject({ code: 'EADDRINUSE' });
    await proxy.close();
  });
});

/** Opens a stream, sends one message and keeps the request open; resolves the stream and a close promise. */
function openCall(session: ClientHttp2Session) {
  const stream = session.request(GRPC_HEADERS);
  stream.on('error', () => {});
  const chunks: Buffer[] = [];
  let trailers: IncomingHttpHeaders | undefined;
  let headers: IncomingHttpHeaders | undefined;
  stream.on('response', (h) => (headers = h));
  stream.on('trailers', (t) => (trailers = t));
  stream.on('data', (c: Buffer) => chunks.push(c));
  const closed = new Promise<void>((resolve) => stream.on('close', () => resolve()));
  stream.write(frame(Buffer.from('first')));
  return { stream, closed, answer: () => ({ headers, trailers, body: Buffer.concat(chunks) }) };
}

describe('proxy', () => {
  it('closes the backend stream when the backend answers before the client half-closes (trailers)', async () => {
    const backend = await startRawBackend('b1', (stream) => {
      stream.on('data', () => {});
      stream.respond(
        { ':status': 200, 'content-type': 'application/grpc' },
        { waitForTrailers: true },
      );
      stream.on('wantTrailers', () => stream.sendTrailers({ 'grpc-status': '3' }));
      stream.end(frame(Buffer.from('early')));
    });
    const { session } = await startProxy([backend]);
    const call = openCall(session);
    await waitFor(() => call.answer().trailers !== undefined || 'no trailers yet');
    expect(call.answer().trailers!['grpc-status']).toBe('3');
    call.stream.end(frame(Buffer.from('late')));
    await call.closed;
    await waitFor(
      () => backend.open.size === 0 || `${backend.open.size} backend stream(s) still open`,
      { timeoutMs: 3000 },
    );
  });

  it('closes the backend stream when the backend answers trailers-only before the client half-closes', async () => {
    const backend = await startRawBackend('b1', (stream) => {
      stream.on('data', () => {});
      stream.respond(
        { ':status': 200, 'content-type': 'application/grpc', 'grpc-status': '16' },
        { endStream: true },
      );
    });
    const { session } = await startProxy([backend]);
    const call = openCall(session);
    await waitFor(() => call.answer().headers !== undefined || 'no answer yet');
    call.stream.end(frame(Buffer.from('late')));
    await call.closed;
    await waitFor(
      () => backend.open.size === 0 || `${backend.open.size} backend stream(s) still open`,
      { timeoutMs: 3000 },
    );
  });
});

describe('backend streams answered early', () => {
  it('a backend with max_concurrent_streams 4 still answers the 5th call that it answered early', async () => {
    const server = http2.createServer({ settings: { maxConcurrentStreams: 4 } });
    const sessions: ServerHttp2Session[] = [];
    server.on('session', (session: ServerHttp2Session) => {
      sessions.push(session);
      session.on('error', () => {});
    });
    server.on('stream', (stream) => {
      stream.on('error', () => {});
      stream.on('data', () => {});
      // Answers at once (e.g. an auth failure), before the client half-closes.
      stream.respond(
        { ':status': 200, 'content-type': 'application/grpc', 'grpc-status': '16' },
        { endStream: true },
      );
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    onTestFinished(async () => {
      for (const session of sessions) session.destroy();
      await new Promise((resolve) => server.close(resolve));
    });
    const backend = {
      id: 'b1',
      host: '127.0.0.1',
      port: (server.address() as net.AddressInfo).port,
    };
    const { session } = await startProxy([backend]);
    for (let n = 1; n <= 5; n++) {
      const call = openCall(session);
      await waitFor(() => call.answer().headers !== undefined || `call ${n} has no answer`, {
        timeoutMs: 3000,
      });
      call.stream.end(); // the client half-closes once answered, as grpc-js does
      await call.closed;
    }
  });
});

describe('proxy shutdown', () => {
  it('close() does not wait forever for a client connection that never sends the preface', async () => {
    const proxy = new GrpcProxy({ host: '127.0.0.1', port: 0, router: new RecordingRouter([]) });
    const port = await proxy.listen();
    // A client that connects and says nothing (a TCP probe, a peer that ignores GOAWAY).
    const socket = net.connect(port, '127.0.0.1');
    socket.on('error', () => {});
    onTestFinished(() => void socket.destroy());
    await new Promise<void>((resolve) => socket.once('connect', () => resolve()));
    let closed = false;
    void proxy.close().then(() => (closed = true));
    // CLOSE_FLUSH_MS is 1 s: the connection should be destroyed after it.
    await waitFor(() => closed || 'proxy.close() still waiting for the client socket', {
      timeoutMs: 5000,
    });
  });

  it('close() does not wait forever for a backend that accepted the connection and hangs', async () => {
    const accepted: net.Socket[] = [];
    const hung = net.createServer((socket) => {
      accepted.push(socket);
      socket.pause(); // a stopped or deadlocked process: the kernel accepts, nobody answers
    });
    await new Promise<void>((resolve) => hung.listen(0, '127.0.0.1', resolve));
    const backend = {
      id: 'hung',
      host: '127.0.0.1',
      port: (hung.address() as net.AddressInfo).port,
    };
    const proxy = new GrpcProxy({
      host: '127.0.0.1',
      port: 0,
      router: new RecordingRouter([backend]),
    });
    const port = await proxy.listen();
    const session = http2.connect(`http://127.0.0.1:${port}`);
    session.on('error', () => {});
    onTestFinished(async () => {
      for (const socket of accepted) socket.destroy(); // lets the proxy's close() end
      session.destroy();
      await proxy.close();
      await new Promise((resolve) => hung.close(resolve));
    });
    const stream = session.request(GRPC_HEADERS);
    stream.on('error', () => {});
    stream.end(frame(Buffer.from('x')));
    await waitFor(() => accepted.length > 0 || 'the proxy has not connected to the backend');
    let closed = false;
    void proxy.close().then(() => (closed = true));
    await waitFor(() => closed || 'proxy.close() still waiting for the hung backend session', {
      timeoutMs: 5000,
    });
  });

  it('close() does not wait for a TLS connection that never finished its handshake', async () => {
    const proxy = new GrpcProxy({
      host: '127.0.0.1',
      port: 0,
      router: new RecordingRouter([]),
      tls: selfSignedCertificate(),
    });
    const port = await proxy.listen();
    const socket = net.connect(port, '127.0.0.1');
    socket.on('error', () => {});
    onTestFinished(() => void socket.destroy());
    await new Promise<void>((resolve) => socket.once('connect', () => resolve()));
    let closed = false;
    void proxy.close().then(() => (closed = true));
    await waitFor(() => closed || 'proxy.close() still waiting (TLS handshakeTimeout is 120 s)', {
      timeoutMs: 5000,
    });
  });
});
