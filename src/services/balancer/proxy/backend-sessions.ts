/**
 * One pooled HTTP/2 client session per backend instance, shared by every stream the proxy sends
 * there. A session that received GOAWAY, failed or closed leaves the pool at once, so the next
 * stream opens a fresh one while streams already on the old session finish on it.
 */
import http2, { type ClientHttp2Session } from 'node:http2';
import net from 'node:net';
import type { BackendAddress } from '../types.js';

/** Per-stream receive window: large messages flow without a WINDOW_UPDATE round trip per 64 KiB. */
export const STREAM_WINDOW_BYTES = 1 << 20;
/** Connection receive window: room for many concurrent streams' windows at once. */
export const CONNECTION_WINDOW_BYTES = 16 << 20;
/** node:http2's cap on a session's buffered memory, in MB; room for 64 MiB messages. */
export const MAX_SESSION_MEMORY_MB = 256;
/**
 * Streams one session carries before a fresh one replaces it: HTTP/2 stream ids end at 2^31, and
 * node:http2 would fail every stream after that (ERR_HTTP2_OUT_OF_STREAMS) on a pooled session.
 */
export const MAX_STREAMS_PER_SESSION = 2 ** 30;

export interface BackendSessionsOptions {
  onWarning?: ((message: string) => void) | undefined;
}

function authority(backend: BackendAddress): string {
  const host = backend.host.includes(':') ? `[${backend.host}]` : backend.host;
  return `http://${host}:${backend.port}`;
}

function onSessionConnect(this: ClientHttp2Session): void {
  // 'connect' is emitted on a later tick: the session may have been destroyed meanwhile.
  if (!this.destroyed) this.setLocalWindowSize(CONNECTION_WINDOW_BYTES);
}

interface PooledSession {
  session: ClientHttp2Session;
  socket: net.Socket;
  streams: number;
}

export class BackendSessions {
  private readonly sessions = new Map<string, PooledSession>();
  private readonly sockets = new Map<ClientHttp2Session, net.Socket>();
  /** Every session not yet closed, pooled or retired, so close() can wait for all of them. */
  private readonly open = new Set<ClientHttp2Session>();
  private readonly onWarning: (message: string) => void;

  constructor(options: BackendSessionsOptions = {}) {
    this.onWarning = options.onWarning ?? (() => {});
  }

  /** Sessions open now (pooled or finishing their streams after leaving the pool). */
  get size(): number {
    return this.open.size;
  }

  /** The pooled session to a backend for one more stream, connecting one if there is none. */
  session(backend: BackendAddress): ClientHttp2Session {
    const pooled = this.sessions.get(backend.id);
    if (pooled !== undefined && !pooled.session.closed && !pooled.session.destroyed) {
      if (++pooled.streams <= MAX_STREAMS_PER_SESSION) return pooled.session;
      this.retire(backend.id, pooled.session);
    }
    return this.connect(backend);
  }

  /** Takes a session out of the pool (it refused a new stream); its streams still finish. */
  retire(id: string, session: ClientHttp2Session): void {
    if (this.sessions.get(id)?.session === session) this.sessions.delete(id);
    if (!session.closed && !session.destroyed) session.close();
  }

  /** A backend left: close its session gracefully (streams in flight finish first). */
  forget(id: string): void {
    const pooled = this.sessions.get(id);
    if (pooled === undefined) return;
    this.sessions.delete(id);
    pooled.session.close();
  }

  /** Closes every session gracefully; those still open after graceMs are destroyed. */
  async close(graceMs: number, wait: (ms: number) => Promise<void>): Promise<void> {
    this.sessions.clear();
    const closed = [...this.open].map(
      (session) =>
        new Promise<void>((resolve) => {
          if (session.destroyed) return resolve();
          session.once('close', () => resolve());
          session.close();
        }),
    );
    const all = Promise.all(closed).then(() => true);
    if (!(await Promise.race([all, wait(graceMs).then(() => false)]))) {
      // A peer that never closes its side (a hung backend) keeps a closed session's socket
      // open: destroying the session does not end it, destroying the socket does.
      for (const session of this.open) {
        session.destroy();
        this.sockets.get(session)?.destroy();
      }
      await all;
    }
  }

  private connect(backend: BackendAddress): ClientHttp2Session {
    const { id, host, port } = backend;
    // Small gRPC frames must not wait for Nagle's algorithm.
    const socket = net.connect({ host, port, noDelay: true });
    const session = http2.connect(authority(backend), {
      settings: { initialWindowSize: STREAM_WINDOW_BYTES, enablePush: false },
      maxSessionMemory: MAX_SESSION_MEMORY_MB,
      createConnection: () => socket,
    });
    this.sessions.set(id, { session, socket, streams: 1 });
    this.sockets.set(session, socket);
    this.open.add(session);
    const leavePool = () => {
      if (this.sessions.get(id)?.session === session) this.sessions.delete(id);
    };
    session.once('connect', onSessionConnect);
    session.once('goaway', leavePool);
    session.on('error', (error: NodeJS.ErrnoException) => {
      leavePool();
      this.onWarning(
        `backend ${id} (${host}:${port}) session failed: ${error.code ?? error.message}`,
      );
    });
    session.once('close', () => {
      leavePool();
      this.open.delete(session);
      this.sockets.delete(session);
    });
    return session;
  }
}
