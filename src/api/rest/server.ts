/** Serving the REST app on a real socket (node:http via @hono/node-server). */
import { serve, type ServerType } from '@hono/node-server';
import type { Hono } from 'hono';
import { DaemonError, errnoCode } from '../../shared/index.js';

export interface RunningServer {
  port: number;
  close(): Promise<void>;
}

export function listen(
  api: Hono,
  options: { host: string; port: number; requestTimeoutMs: number },
): Promise<RunningServer> {
  return new Promise((resolve, reject) => {
    const onError = (error: unknown): void => {
      const code = errnoCode(error);
      const why =
        code === 'EADDRINUSE'
          ? 'is already in use'
          : code === 'EACCES'
            ? 'needs more privileges'
            : `failed: ${(error as Error).message}`;
      reject(
        new DaemonError(
          'port_in_use',
          `the API address ${options.host}:${options.port} ${why} (server.host / server.port)`,
          { cause: error },
        ),
      );
    };
    const server: ServerType = serve(
      { fetch: api.fetch, hostname: options.host, port: options.port },
      (info) => {
        server.off('error', onError);
        resolve({
          port: info.port,
          close: () =>
            new Promise<void>((done) => {
              const http = server as unknown as { closeAllConnections?: () => void };
              server.close(() => done());
              http.closeAllConnections?.();
            }),
        });
      },
    );
    server.once('error', onError);
    (server as unknown as { requestTimeout?: number }).requestTimeout = options.requestTimeoutMs;
  });
}
