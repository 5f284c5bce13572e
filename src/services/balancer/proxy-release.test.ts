/**
 * The proxy releases what it holds: a backend stream answered before the client finished its
 * request, and every connection at close(), however its peer behaves (raw node:http2 peers).
 */
import http2, {
  type ClientHttp2Session,
  type IncomingHttpHeaders,
  type ServerHttp2Session,
  type ServerHttp2Stream,
} from 'node:http2';
import net from 'node:net';
import { afterEach, describe, expect, it, onTestFinished } from 'vitest';
import { waitFor } from '../../../test/helpers/wait-for.js';
import { GrpcProxy } from './proxy/grpc-proxy.js';
import type { BackendAddress, CallOutcome, RouteChoice, StreamRouter } from './types.js';

const PATH = '/fixture.echo.Echo/Bidi';
const GRPC_HEADERS = {
  ':method': 'POST',
  ':path': PATH,
  'content-type': 'application/grpc',
  te: 'trailers',
};

interface RawBackend extends Omit<BackendAddress, 'port'> {
  port: number;
  sessions: ServerHttp2Session[];
  /** Streams the backend opened and that have not closed yet. */
  open: Set<ServerHttp2Stream>;
}

async function startRawBackend(
  id: string,
  onStream: (stream: ServerHttp2Stream, headers: IncomingHttpHeaders) => void,
): Promise<RawBackend> {
  const server = http2.createServer();
  const backend: RawBackend = { id, host: '127.0.0.1', port: 0, sessions: [], open: new Set() };
  server.on('session', (session: ServerHttp2Session) => {
    backend.sessions.push(session);
    session.on('error', () => {});
  });
  server.on('stream', (stream, headers) => {
    stream.on('error', () => {});
    backend.open.add(stream);
    stream.on('close', () => backend.open.delete(stream));
    onStream(stream, headers);
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

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0)) await cleanup();
});

async function startProxy(backends: BackendAddress[]) {
  const router = new RecordingRouter(backends);
  const proxy = new GrpcProxy({ host: '127.0.0.1', port: 0, router });
  const port = await proxy.listen();
  const session = http2.connect(`http://127.0.0.1:${port}`);
  session.on('error', () => {});
  cleanups.push(async () => {
    session.destroy();
    await proxy.close();
  });
  return { proxy, router, session, port };
}

function frame(payload: Buffer): Buffer {
  const header = Buffer.alloc(5);
  header.writeUInt32BE(payload.length, 1);
  return Buffer.concat([header, payload]);
}

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
    const { execFileSync } = await import('node:child_process');
    const { readFileSync } = await import('node:fs');
    const { join } = await import('node:path');
    const { tempDir } = await import('../../../test/helpers/temp-dir.js');
    const dir = tempDir();
    const [key, cert] = [join(dir, 'key.pem'), join(dir, 'cert.pem')];
    execFileSync(
      'openssl',
      [
        'req',
        '-x509',
        '-newkey',
        'ec',
        '-pkeyopt',
        'ec_paramgen_curve:prime256v1',
        '-nodes',
        '-keyout',
        key,
        '-out',
        cert,
        '-days',
        '1',
        '-subj',
        '/CN=localhost',
      ],
      { stdio: 'ignore' },
    );
    const proxy = new GrpcProxy({
      host: '127.0.0.1',
      port: 0,
      router: new RecordingRouter([]),
      tls: { key: readFileSync(key, 'utf8'), cert: readFileSync(cert, 'utf8') },
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
