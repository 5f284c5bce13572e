import { request } from 'node:https';
import { afterEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { selfSignedCertificate } from '../../../test/helpers/tls-cert.js';
import { AuthPolicy } from '../auth/index.js';
import { listen, MAX_BODY_BYTES, type RunningServer } from './node-adapter.js';
import { route, sse } from './route.js';
import { Router } from './router.js';

const servers: RunningServer[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

async function* ticks(signal: AbortSignal) {
  for (let i = 0; i < 3 && !signal.aborted; i++) yield { event: 'tick', data: String(i) };
}

const router = new Router(
  [
    route({
      method: 'post',
      path: '/echo',
      summary: 'echo the body',
      role: 'viewer',
      body: z.object({ n: z.number() }),
      handler: ({ body }) => ({ got: body.n }),
    }),
    route({
      method: 'get',
      path: '/ticks',
      summary: 'three events',
      role: 'viewer',
      handler: ({ signal }) => sse(ticks(signal)),
    }),
  ],
  new AuthPolicy({ host: '127.0.0.1', auth: { api_keys: [], insecure: false } }),
);

async function start(tls?: { cert: string; key: string }): Promise<RunningServer> {
  const server = await listen(router, { host: '127.0.0.1', port: 0, requestTimeoutMs: 5000, tls });
  servers.push(server);
  return server;
}

describe('the node:http adapter', () => {
  it('serves JSON routes and refuses bodies over the limit with 413', async () => {
    const { port } = await start();
    const ok = await fetch(`http://127.0.0.1:${port}/echo`, { method: 'POST', body: '{"n":7}' });
    expect(ok.status).toBe(200);
    expect(await ok.json()).toEqual({ got: 7 });
    const big = await fetch(`http://127.0.0.1:${port}/echo`, {
      method: 'POST',
      body: `{"n":1,"pad":"${'x'.repeat(MAX_BODY_BYTES)}"}`,
    });
    expect(big.status).toBe(413);
    expect(await big.json()).toMatchObject({ code: 'payload_too_large' });
  });

  it('streams server-sent events', async () => {
    const { port } = await start();
    const response = await fetch(`http://127.0.0.1:${port}/ticks`);
    expect(response.headers.get('content-type')).toBe('text/event-stream');
    expect(await response.text()).toBe(
      'event: tick\ndata: 0\n\nevent: tick\ndata: 1\n\nevent: tick\ndata: 2\n\n',
    );
  });

  it('serves HTTPS with the configured certificate', async () => {
    const { cert, key } = selfSignedCertificate();
    const { port } = await start({ cert, key });
    const body = await new Promise<string>((resolve, reject) => {
      const req = request(
        { host: '127.0.0.1', port, path: '/echo', method: 'POST', ca: cert },
        (res) => {
          let text = '';
          res.on('data', (c: Buffer) => (text += c.toString()));
          res.on('end', () => resolve(text));
        },
      );
      req.on('error', reject);
      req.end('{"n":42}');
    });
    expect(JSON.parse(body)).toEqual({ got: 42 });
  });

  it('names the problem when the port is taken', async () => {
    const { port } = await start();
    await expect(
      listen(router, { host: '127.0.0.1', port, requestTimeoutMs: 1000 }),
    ).rejects.toMatchObject({
      code: 'port_in_use',
      message: expect.stringContaining(`127.0.0.1:${port} is already in use`),
    });
  });
});
