/**
 * The balancer's listener: an HTTP/2 server (h2c, or TLS with ALPN h2) that proxies each gRPC
 * stream, not each connection, to the backend its router picks, over one pooled HTTP/2 session
 * per backend. It knows nothing of routes, pools or strategies: `StreamRouter` decides and is
 * told how every call ended.
 */
import http2, {
  type Http2SecureServer,
  type Http2Server,
  type IncomingHttpHeaders,
  type SecureServerOptions,
  type ServerHttp2Session,
  type ServerHttp2Stream,
  type ServerOptions,
} from 'node:http2';
import type { Socket } from 'node:net';
import { performance } from 'node:perf_hooks';
import { type Clock, sleep, systemClock } from '../../../shared/index.js';
import type { StreamRouter } from '../types.js';
import {
  BackendSessions,
  CONNECTION_WINDOW_BYTES,
  MAX_SESSION_MEMORY_MB,
  STREAM_WINDOW_BYTES,
} from './backend-sessions.js';
import { requestHeadersForBackend } from './forward-headers.js';
import { GrpcStatus, trailersOnlyHeaders } from './grpc-status.js';
import { ProxiedCall, type ProxyContext } from './proxied-call.js';

export interface GrpcProxyOptions {
  host: string;
  /** 0 = any free port. */
  port: number;
  tls?: { cert: string | Buffer; key: string | Buffer } | undefined;
  router: StreamRouter;
  /** Millisecond clock for call durations (default performance.now). */
  now?: (() => number) | undefined;
  /** Waits of close(): the grace for calls in flight and the flush of final answers. */
  clock?: Clock | undefined;
  /** Listener- and session-level problems; never one per call. */
  onWarning?: ((message: string) => void) | undefined;
}

/** How long close() lets final answers and GOAWAYs flush before destroying connections. */
export const CLOSE_FLUSH_MS = 1000;

const SHUTDOWN_MESSAGE = 'load balancer shutting down';
const MAX_REPORTED_PROBLEMS = 64;

function ignoreError(): void {
  // A stream answered without a call (405, 415, shutdown) settles in 'close'.
}

/** A minimal non-gRPC answer (405 to a GET, 415 to a non-gRPC content type). */
function respondHttp(
  stream: ServerHttp2Stream,
  status: number,
  headers: Record<string, string> = {},
): void {
  stream.on('error', ignoreError);
  if (!stream.destroyed && !stream.closed)
    stream.respond({ ':status': status, ...headers }, { endStream: true });
}

export class GrpcProxy {
  private readonly server: Http2Server | Http2SecureServer;
  private readonly sessions: BackendSessions;
  private readonly context: ProxyContext;
  private readonly clock: Clock;
  private readonly warn: (message: string) => void;
  private readonly calls = new Set<ProxiedCall>();
  private readonly clientSessions = new Set<ServerHttp2Session>();
  /** Every client TCP connection, HTTP/2 or not yet (a TLS handshake, a silent client). */
  private readonly sockets = new Set<Socket>();
  private closing: Promise<void> | undefined;
  private whenIdle: (() => void) | undefined;

  constructor(private readonly options: GrpcProxyOptions) {
    const warn = (this.warn = options.onWarning ?? (() => {}));
    // Call-level problems can repeat on every call: each distinct one is reported once.
    const reported = new Set<string>();
    const warnOnce = (message: string) => {
      if (reported.has(message) || reported.size >= MAX_REPORTED_PROBLEMS) return;
      reported.add(message);
      warn(message);
    };
    this.clock = options.clock ?? systemClock;
    this.sessions = new BackendSessions({ onWarning: warn });
    this.context = {
      router: options.router,
      sessions: this.sessions,
      now: options.now ?? (() => performance.now()),
      warn: warnOnce,
      callClosed: (call) => {
        this.calls.delete(call);
        if (this.calls.size === 0) this.whenIdle?.();
      },
    };
    const serverOptions: ServerOptions = {
      settings: { initialWindowSize: STREAM_WINDOW_BYTES },
      maxSessionMemory: MAX_SESSION_MEMORY_MB,
    };
    this.server =
      options.tls === undefined
        ? http2.createServer(serverOptions)
        : http2.createSecureServer({
            ...serverOptions,
            cert: options.tls.cert,
            key: options.tls.key,
            ALPNProtocols: ['h2'],
            allowHTTP1: false,
          } satisfies SecureServerOptions);
    this.server.on('connection', (socket: Socket) => {
      socket.setNoDelay(true);
      this.sockets.add(socket);
      socket.once('close', () => this.sockets.delete(socket));
    });
    this.server.on('session', (session: ServerHttp2Session) => this.onSession(session));
    this.server.on('stream', (stream: ServerHttp2Stream, headers: IncomingHttpHeaders) =>
      this.onStream(stream, headers),
    );
  }

  /** Client streams open now (proxied, or answered and not yet closed). */
  get activeStreams(): number {
    return this.calls.size;
  }

  /** Starts listening; resolves the bound port, rejects with the OS error (EADDRINUSE...). */
  listen(): Promise<number> {
    return new Promise((resolve, reject) => {
      const onError = (error: Error) => {
        this.server.off('listening', onListening);
        reject(error);
      };
      const onListening = () => {
        this.server.off('error', onError);
        this.server.on('error', (error) => this.warn(`listener failed: ${error.message}`));
        const address = this.server.address();
        resolve(typeof address === 'object' && address !== null ? address.port : this.options.port);
      };
      this.server.once('error', onError);
      this.server.once('listening', onListening);
      this.server.listen(this.options.port, this.options.host);
    });
  }

  /**
   * Stops accepting connections, sends GOAWAY to every client, lets calls in flight run up to
   * graceMs (default 0), answers the rest UNAVAILABLE, then closes the backend sessions.
   */
  close(graceMs = 0): Promise<void> {
    this.closing ??= this.shutdown(graceMs);
    return this.closing;
  }

  /** A backend left: close its pooled session once the streams on it finish. */
  forgetBackend(id: string): void {
    this.sessions.forget(id);
  }

  private onSession(session: ServerHttp2Session): void {
    this.clientSessions.add(session);
    session.on('error', ignoreError);
    session.once('close', () => this.clientSessions.delete(session));
    if (!session.destroyed) session.setLocalWindowSize(CONNECTION_WINDOW_BYTES);
    if (this.closing !== undefined) session.close();
  }

  private onStream(stream: ServerHttp2Stream, headers: IncomingHttpHeaders): void {
    if (headers[':method'] !== 'POST') return respondHttp(stream, 405, { allow: 'POST' });
    const contentType = headers['content-type'];
    if (contentType === undefined || !contentType.startsWith('application/grpc'))
      return respondHttp(stream, 415);
    if (this.closing !== undefined) {
      stream.on('error', ignoreError);
      if (!stream.destroyed && !stream.closed)
        stream.respond(trailersOnlyHeaders(GrpcStatus.UNAVAILABLE, SHUTDOWN_MESSAGE), {
          endStream: true,
        });
      return;
    }
    const path = headers[':path'] ?? '';
    const call = new ProxiedCall(this.context, stream, path, requestHeadersForBackend(headers));
    this.calls.add(call);
    call.route();
  }

  private async shutdown(graceMs: number): Promise<void> {
    const wait = (ms: number) => sleep(this.clock, ms);
    const serverClosed = new Promise<void>((resolve) => this.server.close(() => resolve()));
    for (const session of this.clientSessions) session.close();
    if (this.calls.size > 0 && graceMs > 0) {
      const idle = new Promise<void>((resolve) => (this.whenIdle = resolve));
      await Promise.race([idle, wait(graceMs)]);
    }
    for (const call of this.calls) call.abort(SHUTDOWN_MESSAGE);
    await Promise.all([
      this.closeClientConnections(wait),
      this.sessions.close(CLOSE_FLUSH_MS, wait),
    ]);
    await serverClosed;
  }

  /**
   * Lets final answers and GOAWAYs flush, then destroys what is left: sessions, and the sockets
   * of clients that never became (or stopped being) HTTP/2 peers, which a session's close
   * would wait for forever.
   */
  private async closeClientConnections(wait: (ms: number) => Promise<void>): Promise<void> {
    const closed = [...this.sockets].map(
      (socket) => new Promise<void>((resolve) => socket.once('close', () => resolve())),
    );
    const all = Promise.all(closed).then(() => true);
    if (!(await Promise.race([all, wait(CLOSE_FLUSH_MS).then(() => false)]))) {
      for (const session of this.clientSessions) session.destroy();
      for (const socket of this.sockets) socket.destroy();
      await all;
    }
  }
}
