/**
 * Serving the Router on node:http: reads bodies (with a size limit), writes JSON and SSE. Paths
 * under a mounted prefix (Connect and gRPC-Web: `/proto.ProcessManager/...`) go to that handler,
 * which reads its own bodies with its own limit.
 */
import {
  createServer as createHttpServer,
  type IncomingMessage,
  type Server,
  type ServerResponse,
} from 'node:http';
import { DaemonError, errnoCode } from '../../shared/index.js';
import { HTTP_STATUS } from './error-status.js';
import { MAX_BODY_BYTES } from './route.js';
import { tooLarge, type RestResponse, type Router } from './router.js';

export { MAX_BODY_BYTES };
const SSE_KEEPALIVE_MS = 15_000;

export interface RunningServer {
  port: number;
  close(): Promise<void>;
}

export interface ListenOptions {
  host: string;
  port: number;
  requestTimeoutMs: number;
  /** PEM certificate and key: serve HTTPS. */
  tls?: { cert: string; key: string } | undefined;
  /** Another protocol's handler for the paths under its prefixes (Connect and gRPC-Web). */
  mount?: PathMount | undefined;
}

export interface PathMount {
  prefixes: readonly string[];
  handle(req: IncomingMessage, res: ServerResponse): void;
}

export function nodeHandler(
  router: Router,
  mount?: PathMount,
): (req: IncomingMessage, res: ServerResponse) => void {
  return (req, res) => {
    const url = req.url ?? '/';
    if (mount?.prefixes.some((prefix) => url.startsWith(prefix))) {
      mount.handle(req, res);
      return;
    }
    void serveOne(router, req, res);
  };
}

async function serveOne(router: Router, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const abort = new AbortController();
  res.once('close', () => abort.abort());
  const policy = router.bodyPolicy(req.method ?? 'GET', req.url ?? '/');
  let bytes: Buffer;
  try {
    bytes = await readBody(req, policy.maxBytes);
  } catch (error) {
    const failure = DaemonError.from(error, 'invalid_argument');
    write(res, {
      status: HTTP_STATUS[failure.code],
      headers: { 'content-type': 'application/json; charset=utf-8', connection: 'close' },
      body: JSON.stringify(failure.toJSON()),
    });
    return;
  }
  const headers: Record<string, string | undefined> = {};
  for (const [name, value] of Object.entries(req.headers))
    headers[name] = Array.isArray(value) ? value.join(', ') : value;
  const response = await router.handle({
    method: req.method ?? 'GET',
    url: req.url ?? '/',
    headers,
    // A raw-body route reads the bytes only: no text copy of a (webhook's) large body.
    body: policy.raw ? '' : bytes.toString('utf8'),
    rawBody: bytes,
    signal: abort.signal,
    remoteAddress: req.socket.remoteAddress,
  });
  if ('body' in response) {
    write(res, response);
    return;
  }
  if ('bytes' in response) {
    writeBytes(res, response);
    return;
  }
  res.writeHead(response.status, response.headers);
  res.flushHeaders();
  // A comment after 15 s without output keeps proxies from closing an idle stream (a stream that
  // sends its own heartbeats never needs one).
  let lastWrite = Date.now();
  const keepAlive = setInterval(() => {
    if (Date.now() - lastWrite < SSE_KEEPALIVE_MS) return;
    lastWrite = Date.now();
    res.write(': keep-alive\n\n');
  }, SSE_KEEPALIVE_MS / 3);
  keepAlive.unref();
  try {
    for await (const event of response.stream.events) {
      if (abort.signal.aborted) break;
      lastWrite = Date.now();
      const text =
        'comment' in event
          ? `: ${event.comment}\n\n`
          : `${event.id !== undefined ? `id: ${event.id}\n` : ''}${event.event ? `event: ${event.event}\n` : ''}data: ${event.data}\n\n`;
      if (!res.write(text)) await drainedOrClosed(res);
    }
  } catch {
    // the client went away, or the stream failed: nothing more to send
  } finally {
    clearInterval(keepAlive);
    res.end();
  }
}

function write(res: ServerResponse, response: Extract<RestResponse, { body: string }>): void {
  res.writeHead(response.status, {
    ...response.headers,
    'content-length': Buffer.byteLength(response.body),
  });
  res.end(response.body);
}

function writeBytes(res: ServerResponse, response: Extract<RestResponse, { bytes: Buffer }>): void {
  // A 304 has no body, and its Content-Length would describe the 200's (RFC 9110 §8.6).
  res.writeHead(
    response.status,
    response.status === 304
      ? response.headers
      : { ...response.headers, 'content-length': response.bytes.length },
  );
  res.end(response.status === 304 ? undefined : response.bytes);
}

function readBody(req: IncomingMessage, maxBytes: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const declared = Number(req.headers['content-length'] ?? 0);
    if (declared > maxBytes) {
      req.resume();
      reject(tooLarge(maxBytes));
      return;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > maxBytes) {
        req.removeAllListeners('data');
        req.resume();
        reject(tooLarge(maxBytes));
        return;
      }
      chunks.push(chunk);
    });
    req.once('end', () => resolve(Buffer.concat(chunks)));
    req.once('error', reject);
  });
}

export async function listen(router: Router, options: ListenOptions): Promise<RunningServer> {
  const handler = nodeHandler(router, options.mount);
  const server: Server = options.tls
    ? (await import('node:https')).createServer(
        { cert: options.tls.cert, key: options.tls.key },
        handler,
      )
    : createHttpServer(handler);
  server.requestTimeout = options.requestTimeoutMs;
  return new Promise((resolve, reject) => {
    const where = `the API address ${options.host}:${options.port}`;
    server.once('error', (error) => {
      const code = errnoCode(error);
      if (code === 'EADDRINUSE') {
        reject(
          new DaemonError('port_in_use', `${where} is already in use (server.host / server.port)`, {
            cause: error,
          }),
        );
      } else if (code === 'EACCES') {
        reject(
          new DaemonError(
            'permission_denied',
            `${where} needs more privileges (ports below 1024 do); choose another server.port`,
            { cause: error },
          ),
        );
      } else {
        reject(
          new DaemonError(
            'invalid_argument',
            `cannot listen on ${where}: ${(error as Error).message} (server.host / server.port)`,
            { cause: error },
          ),
        );
      }
    });
    server.listen(options.port, options.host, () => {
      const address = server.address();
      resolve({
        port: typeof address === 'object' && address ? address.port : options.port,
        close: () =>
          new Promise<void>((done) => {
            server.close(() => done());
            server.closeAllConnections();
          }),
      });
    });
  });
}

/** Waits for a slow reader, without leaving a listener behind on either outcome. */
function drainedOrClosed(res: ServerResponse): Promise<void> {
  return new Promise<void>((resolve) => {
    const done = (): void => {
      res.off('drain', done);
      res.off('close', done);
      resolve();
    };
    res.once('drain', done);
    res.once('close', done);
  });
}
