import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { type AddressInfo, type Socket } from 'node:net';
import { describe, expect, it, onTestFinished } from 'vitest';
import { closedPort } from '../../test/helpers/ports.js';
import { HttpRequestError, requestJson } from './http-json.js';

type Handler = (req: IncomingMessage, body: string, res: ServerResponse) => void;

/** A real server on port 0, closed (with its sockets) when the test ends. */
async function serve(handler: Handler): Promise<string> {
  const sockets = new Set<Socket>();
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => handler(req, Buffer.concat(chunks).toString('utf8'), res));
  });
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  onTestFinished(async () => {
    for (const socket of sockets) socket.destroy();
    await new Promise((resolve) => server.close(resolve));
  });
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

async function failure(promise: Promise<unknown>): Promise<HttpRequestError> {
  const error: unknown = await promise.then(
    () => undefined,
    (thrown: unknown) => thrown,
  );
  expect(error).toBeInstanceOf(HttpRequestError);
  return error as HttpRequestError;
}

describe('requestJson', () => {
  it('sends a JSON body and parses a JSON answer', async () => {
    const url = await serve((req, body, res) => {
      res.writeHead(201, { 'content-type': 'application/json' });
      res.end(
        JSON.stringify({
          method: req.method,
          type: req.headers['content-type'],
          got: JSON.parse(body),
        }),
      );
    });
    const response = await requestJson({ method: 'POST', url: `${url}/x`, body: { a: 'é' } });
    expect(response.status).toBe(201);
    expect(response.body).toEqual({ method: 'POST', type: 'application/json', got: { a: 'é' } });
    expect(JSON.parse(response.text)).toEqual(response.body);
  });

  it('keeps a plain-text body as text, with body undefined', async () => {
    const url = await serve((_req, _body, res) => {
      res.writeHead(502, { 'content-type': 'text/plain' });
      res.end('error code: 502');
    });
    expect(await requestJson({ method: 'GET', url })).toEqual({
      status: 502,
      body: undefined,
      text: 'error code: 502',
    });
  });

  it('rejects a body over the cap (declared or streamed) as not retryable', async () => {
    const url = await serve((req, _body, res) => {
      if (req.url === '/declared') {
        res.writeHead(200, { 'content-length': '2048' });
        res.end('x'.repeat(2048));
        return;
      }
      res.writeHead(200); // chunked: no length announced
      res.write('x'.repeat(600));
      res.end('x'.repeat(600));
    });
    for (const path of ['/declared', '/streamed']) {
      const error = await failure(
        requestJson({ method: 'GET', url: `${url}${path}`, maxBodyBytes: 1024 }),
      );
      expect(error.kind).toBe('too_large');
      expect(error.retryable).toBe(false);
    }
  });

  it('times out a server that never answers, as retryable', async () => {
    const url = await serve(() => undefined);
    const started = Date.now();
    const error = await failure(
      requestJson({ method: 'GET', url: `${url}/slow?secret=1`, timeoutMs: 150 }),
    );
    expect(error.kind).toBe('timeout');
    expect(error.retryable).toBe(true);
    expect(error.message).toContain('timed out after 150 ms');
    expect(error.message).not.toContain('secret');
    expect(Date.now() - started).toBeGreaterThanOrEqual(140);
  });

  it('classifies a refused connection and a dropped one as retryable network errors', async () => {
    const port = await closedPort();
    const refused = await failure(requestJson({ method: 'GET', url: `http://127.0.0.1:${port}/` }));
    expect(refused).toMatchObject({ kind: 'network', errno: 'ECONNREFUSED' });
    expect(refused.retryable).toBe(true);
    expect(refused.message).toContain('connection refused');

    const url = await serve((req) => req.socket.destroy());
    const dropped = await failure(requestJson({ method: 'GET', url }));
    expect(dropped.kind).toBe('network');
    expect(dropped.retryable).toBe(true);
  });

  it('refuses URLs it cannot call, and hides user info from messages', async () => {
    expect((await failure(requestJson({ method: 'GET', url: 'ftp://example.com/' }))).kind).toBe(
      'bad_url',
    );
    expect((await failure(requestJson({ method: 'GET', url: 'not a url' }))).kind).toBe('bad_url');
    const port = await closedPort();
    const error = await failure(
      requestJson({ method: 'GET', url: `http://user:pw@127.0.0.1:${port}/p` }),
    );
    expect(error.message).not.toContain('pw');
  });
});
