/**
 * A spec-faithful fake of the Cloudflare webhook worker that records versions
 * (../shared/spec/cloudflare.md §3) on a real HTTP server:
 * - `GET /repos?limit=n` → 200 `{"success":true,"data":[RepoMetadata],"count":n}`
 * - `GET /repo/<owner>/<repo>` → 200 `{"success":true,"data":RepoMetadata}`, or 404
 *   `{"success":false,"error":"Repository not found"}`
 * RepoMetadata keys are written in the spec's order (repo, version, grpcEndpoint, updatedAt,
 * createdAt), so answers can be compared byte for byte. Other paths answer a plain-text 404, as
 * the spec warns that some of the worker's errors are not JSON. Failures can be injected.
 *
 * Without `X-Service-Binding: true` the fake answers 403. The spec records only that every call
 * sends the header, not what the real worker answers without it; refusing makes a client that
 * forgets it fail loudly here instead of in production.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { type AddressInfo, type Socket } from 'node:net';

export interface FakeRepoMetadata {
  repo: string;
  version: string;
  grpcEndpoint: string;
  updatedAt: number;
  createdAt: number;
}

/** What setRepo takes: the times and endpoint default as the worker would fill them. */
export interface FakeRepoInput {
  repo: string;
  version: string;
  grpcEndpoint?: string;
  /** Default now. */
  updatedAt?: number;
  /** Default: the stored createdAt when the repository is known, else now. */
  createdAt?: number;
}

export interface FakeWorkerRequest {
  method: string;
  /** Path without the query. */
  path: string;
  /** Path and query as received. */
  url: string;
  headers: IncomingMessage['headers'];
  /** The status answered; undefined while pending or when the connection was dropped. */
  status?: number;
}

export interface FakeWebhookWorkerOptions {
  /** Milliseconds since the epoch for default times; default Date.now. */
  now?: () => number;
}

export interface FakeWebhookWorker {
  url: string;
  /** Adds or replaces a repository's metadata; returns what the worker now stores. */
  setRepo(meta: FakeRepoInput): FakeRepoMetadata;
  remove(repo: string): void;
  /** The next request (any path) gets this answer; contentType defaults to text/plain. */
  failNext(status: number, body: string, contentType?: string): void;
  /** The next request has its socket destroyed without an answer. */
  dropNext(): void;
  /** The next request is never answered (until close). */
  hangNext(): void;
  requests: FakeWorkerRequest[];
  close(): Promise<void>;
}

export const REPO_NOT_FOUND_BODY = '{"success":false,"error":"Repository not found"}';
export const DEFAULT_LIST_LIMIT = 100;

type Injection =
  | { kind: 'respond'; status: number; body: string; contentType: string }
  | { kind: 'drop' }
  | { kind: 'hang' };

interface Answer {
  status: number;
  body: string;
  contentType: string;
}

const JSON_TYPE = 'application/json';
const TEXT_TYPE = 'text/plain;charset=UTF-8';

export async function startFakeWebhookWorker(
  options: FakeWebhookWorkerOptions = {},
): Promise<FakeWebhookWorker> {
  const now = options.now ?? Date.now;
  const repos = new Map<string, FakeRepoMetadata>();
  const injections: Injection[] = [];
  const hanging = new Set<ServerResponse>();
  const sockets = new Set<Socket>();
  const requests: FakeWorkerRequest[] = [];

  const json = (status: number, value: unknown): Answer => ({
    status,
    body: JSON.stringify(value),
    contentType: JSON_TYPE,
  });
  const text = (status: number, body: string): Answer => ({
    status,
    body,
    contentType: TEXT_TYPE,
  });

  function route(req: IncomingMessage, url: URL): Answer {
    if (req.headers['x-service-binding'] !== 'true') {
      return json(403, { success: false, error: 'Forbidden' });
    }
    if (req.method !== 'GET') return text(405, 'Method Not Allowed');
    if (url.pathname === '/repos') {
      const limitParam = url.searchParams.get('limit');
      const limit = limitParam === null ? DEFAULT_LIST_LIMIT : Number(limitParam);
      if (!Number.isInteger(limit) || limit < 1) {
        return json(400, { success: false, error: 'Invalid limit' });
      }
      const data = [...repos.values()].slice(0, limit);
      return json(200, { success: true, data, count: data.length });
    }
    const match = /^\/repo\/([^/]+)\/([^/]+)$/.exec(url.pathname);
    if (match) {
      const repo = `${decodeURIComponent(match[1] ?? '')}/${decodeURIComponent(match[2] ?? '')}`;
      const meta = repos.get(repo);
      if (meta === undefined) {
        return { status: 404, body: REPO_NOT_FOUND_BODY, contentType: JSON_TYPE };
      }
      return json(200, { success: true, data: meta });
    }
    return text(404, 'Not Found');
  }

  const server = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      const url = new URL(req.url ?? '/', 'http://fake');
      const recorded: FakeWorkerRequest = {
        method: req.method ?? '',
        path: url.pathname,
        url: req.url ?? '/',
        headers: req.headers,
      };
      requests.push(recorded);
      const injection = injections.shift();
      if (injection?.kind === 'drop') {
        req.socket.destroy();
        return;
      }
      if (injection?.kind === 'hang') {
        hanging.add(res);
        return;
      }
      const answer = injection?.kind === 'respond' ? injection : route(req, url);
      recorded.status = answer.status;
      res.writeHead(answer.status, {
        'content-type': answer.contentType,
        'content-length': Buffer.byteLength(answer.body),
      });
      res.end(answer.body);
    });
  });
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;

  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    setRepo(input) {
      const known = repos.get(input.repo);
      const at = now();
      // Built key by key so JSON.stringify writes the spec's order whatever the caller's order.
      const meta: FakeRepoMetadata = {
        repo: input.repo,
        version: input.version,
        grpcEndpoint: input.grpcEndpoint ?? known?.grpcEndpoint ?? '',
        updatedAt: input.updatedAt ?? at,
        createdAt: input.createdAt ?? known?.createdAt ?? at,
      };
      repos.set(input.repo, meta);
      return { ...meta };
    },
    remove(repo) {
      repos.delete(repo);
    },
    failNext(status, body, contentType = TEXT_TYPE) {
      injections.push({ kind: 'respond', status, body, contentType });
    },
    dropNext() {
      injections.push({ kind: 'drop' });
    },
    hangNext() {
      injections.push({ kind: 'hang' });
    },
    close() {
      for (const res of hanging) res.destroy();
      for (const socket of sockets) socket.destroy();
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
}
