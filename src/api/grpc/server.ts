/**
 * The native gRPC port (grpc.md): HTTP/2 cleartext, or TLS when server.tls is set, speaking the
 * gRPC protocol only. ProcessManager, grpc.health.v1 and server reflection (v1, v1alpha) are
 * served here; health and reflection are public, so `grpcurl -plaintext host:port list` works.
 *
 * close(): health turns NOT_SERVING, open streams (WatchEvents, health Watch) are ended with
 * UNAVAILABLE, each session is asked to finish (GOAWAY), and whatever is still open after a short
 * grace is destroyed, so shutdown never waits on a client.
 */
import {
  createSecureServer,
  createServer,
  type Http2SecureServer,
  type Http2Server,
  type ServerHttp2Session,
} from 'node:http2';
import { DaemonError, errnoCode, systemClock, type Clock } from '../../shared/index.js';
// Types only: the handler (Connect, protobuf descriptors) is loaded by the first request.
import type * as NativeHandlerModule from './native-handler.js';
import type { RpcServiceOptions } from './routes.js';

export interface GrpcServerOptions extends RpcServiceOptions {
  host: string;
  port: number;
  /** PEM certificate and key: serve gRPC over TLS. */
  tls?: { cert: string; key: string } | undefined;
  /** How long close() lets open calls finish before it cuts them (default 1 s). */
  closeGraceMs?: number;
  clock?: Clock;
}

export interface RunningGrpcServer {
  port: number;
  close(): Promise<void>;
}

const DEFAULT_CLOSE_GRACE_MS = 1000;

export async function startGrpcServer(options: GrpcServerOptions): Promise<RunningGrpcServer> {
  const clock = options.clock ?? systemClock;
  const shutdown = new AbortController();
  let serving = true;
  let loaded: typeof NativeHandlerModule | undefined;
  let handler: Promise<NativeHandlerModule.NativeHandler> | undefined;
  const handle: NativeHandlerModule.NativeHandler = (req, res) => {
    const loading = (handler ??= import('./native-handler.js').then((module) => {
      loaded = module;
      return module.createNativeHandler(options, {
        serving: () => serving && options.app.daemon.status().status === 'running',
        shutdownSignal: shutdown.signal,
      });
    }));
    loading
      .then((serve) => serve(req, res))
      .catch((error: unknown) => {
        // A failed import is not kept: the next request tries again.
        if (handler === loading) handler = undefined;
        options.onInternalError(error);
        if (!res.stream.destroyed) res.stream.close();
      });
  };
  const server: Http2Server | Http2SecureServer = options.tls
    ? createSecureServer({ cert: options.tls.cert, key: options.tls.key, allowHTTP1: false })
    : createServer();
  server.on('request', handle);
  const sessions = new Set<ServerHttp2Session>();
  server.on('session', (session: ServerHttp2Session) => {
    sessions.add(session);
    session.once('close', () => sessions.delete(session));
  });
  // A client that breaks the protocol loses its session; the server and the daemon go on.
  server.on('sessionError', () => undefined);

  const port = await listenOn(server, options.host, options.port);
  let closing: Promise<void> | undefined;
  const close = (): Promise<void> => {
    closing ??= new Promise<void>((resolve) => {
      serving = false;
      shutdown.abort(loaded?.shutdownError() ?? new Error('the daemon is shutting down'));
      server.close(() => resolve());
      for (const session of sessions) session.close();
      const cancel = clock.setTimeout(() => {
        for (const session of sessions) session.destroy();
      }, options.closeGraceMs ?? DEFAULT_CLOSE_GRACE_MS);
      server.once('close', cancel);
    });
    return closing;
  };
  return { port, close };
}

function listenOn(server: Http2Server | Http2SecureServer, host: string, port: number) {
  return new Promise<number>((resolve, reject) => {
    const where = `the gRPC address ${host}:${port}`;
    server.once('error', (error) => {
      const code = errnoCode(error);
      const failure =
        code === 'EADDRINUSE'
          ? new DaemonError(
              'port_in_use',
              `${where} is already in use (server.host / server.grpc_port)`,
              { cause: error },
            )
          : code === 'EACCES'
            ? new DaemonError(
                'permission_denied',
                `${where} needs more privileges (ports below 1024 do); choose another server.grpc_port`,
                { cause: error },
              )
            : new DaemonError(
                'invalid_argument',
                `cannot listen on ${where}: ${(error as Error).message} (server.host / server.grpc_port)`,
                { cause: error },
              );
      reject(failure);
    });
    server.listen(port, host, () => {
      const address = server.address();
      resolve(typeof address === 'object' && address ? address.port : port);
    });
  });
}
