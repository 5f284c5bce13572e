/**
 * CORS and the auth-related headers of the Router, on a small route table of its own: listed
 * origins get CORS headers on every answer (JSON, errors, streams) and their preflights answered;
 * other cross-origin pages are refused; a rate-limited client is told when to retry.
 */
import { describe, expect, it } from 'vitest';
import { FakeClock } from '../../shared/index.js';
import { AuthPolicy } from '../auth/index.js';
import { route, sse, type RouteSpec } from './route.js';
import { Router, type RestRequest } from './router.js';

const ALLOWED = 'https://dash.example.com';
const KEY = 'operator-key-0123456789ab';

function routes(): RouteSpec[] {
  return [
    route({ method: 'get', path: '/health', summary: 'h', role: 'public', handler: () => ({}) }),
    route({
      method: 'get',
      path: '/api/v1/things',
      summary: 'list',
      role: 'viewer',
      handler: () => ({ things: [] }),
    }),
    route({
      method: 'post',
      path: '/api/v1/things/:id/poke',
      summary: 'poke',
      role: 'operator',
      handler: () => ({ poked: true }),
    }),
    route({
      method: 'get',
      path: '/api/v1/stream',
      summary: 'stream',
      role: 'viewer',
      handler: () =>
        sse(
          (async function* () {
            yield { data: '{}' };
          })(),
        ),
    }),
  ];
}

function router(options: { keys?: boolean; clock?: FakeClock } = {}) {
  const auth = new AuthPolicy(
    {
      host: '127.0.0.1',
      auth: {
        api_keys: options.keys ? [{ name: 'ops', role: 'operator', key: KEY }] : [],
        insecure: false,
      },
    },
    undefined,
    options.clock ? { clock: options.clock } : {},
  );
  return new Router(routes(), auth, () => undefined, {
    origins: [ALLOWED, 'http://localhost:5173/'],
    loopbackOnly: true,
  });
}

const request = (
  method: string,
  url: string,
  headers: Record<string, string> = {},
): RestRequest => ({
  method,
  url,
  headers: { host: '127.0.0.1:8080', ...headers },
  body: '',
  remoteAddress: '127.0.0.1',
});

const CORS = {
  'access-control-allow-origin': ALLOWED,
  vary: 'Origin',
  'access-control-expose-headers': 'Retry-After',
};

describe('CORS', () => {
  it('adds the CORS headers to answers for a listed origin: JSON, errors and streams', async () => {
    const api = router({ keys: true });
    const ok = await api.handle(
      request('GET', '/api/v1/things', { origin: ALLOWED, authorization: `Bearer ${KEY}` }),
    );
    expect(ok).toMatchObject({ status: 200, headers: CORS });
    const refused = await api.handle(request('GET', '/api/v1/things', { origin: ALLOWED }));
    expect(refused).toMatchObject({ status: 401, headers: CORS });
    const missing = await api.handle(request('GET', '/nowhere', { origin: ALLOWED }));
    expect(missing).toMatchObject({ status: 404, headers: CORS });
    const stream = await api.handle(
      request('GET', '/api/v1/stream', { origin: ALLOWED, 'x-api-key': KEY }),
    );
    expect(stream).toMatchObject({
      status: 200,
      headers: { ...CORS, 'content-type': 'text/event-stream' },
    });
    expect('stream' in stream).toBe(true);
  });

  it('matches listed origins regardless of case and a trailing slash, echoing the request', async () => {
    const api = router();
    const origin = 'http://LOCALHOST:5173';
    const answer = await api.handle(request('GET', '/api/v1/things', { origin }));
    expect(answer).toMatchObject({
      status: 200,
      headers: { 'access-control-allow-origin': origin },
    });
  });

  it('adds nothing for same-origin or origin-less requests', async () => {
    const api = router();
    for (const headers of [{}, { origin: 'http://127.0.0.1:8080' }]) {
      const answer = await api.handle(request('GET', '/api/v1/things', headers));
      expect(answer.status).toBe(200);
      expect(answer.headers).not.toHaveProperty('access-control-allow-origin');
      expect(answer.headers).not.toHaveProperty('vary');
    }
  });

  it('answers a preflight from a listed origin for any route path, without credentials', async () => {
    const api = router({ keys: true });
    for (const path of ['/api/v1/things/42/poke', '/api/v1/things', '/health']) {
      const answer = await api.handle(
        request('OPTIONS', path, {
          origin: ALLOWED,
          'access-control-request-method': 'POST',
          'access-control-request-headers': 'authorization, content-type',
        }),
      );
      expect(answer).toMatchObject({
        status: 204,
        headers: {
          ...CORS,
          'access-control-allow-methods': 'GET, POST',
          'access-control-allow-headers':
            'authorization, content-type, x-api-key, connect-protocol-version, connect-timeout-ms, grpc-timeout, x-grpc-web, x-user-agent',
          'access-control-max-age': '600',
        },
        body: '',
      });
    }
    expect(
      (await api.handle(request('OPTIONS', '/api/v1/things/42/poke', { origin: ALLOWED }))).headers,
    ).toMatchObject({ allow: 'POST' });
  });

  it('refuses preflights and requests from other origins, and 404s unknown paths', async () => {
    const api = router();
    const evil = { origin: 'https://evil.example' };
    const preflight = await api.handle(request('OPTIONS', '/api/v1/things', evil));
    expect(preflight.status).toBe(403);
    expect(preflight.headers).not.toHaveProperty('access-control-allow-origin');
    expect((await api.handle(request('GET', '/api/v1/things', evil))).status).toBe(403);
    expect(
      (await api.handle(request('OPTIONS', '/api/v1/nothing', { origin: ALLOWED }))).status,
    ).toBe(404);
    // DNS rebinding: a listed origin does not make a foreign Host acceptable.
    expect(
      (
        await api.handle(
          request('OPTIONS', '/api/v1/things', { origin: ALLOWED, host: 'evil.example' }),
        )
      ).status,
    ).toBe(403);
  });
});

describe('Router authentication headers', () => {
  it('answers a rate-limited client with 429 and Retry-After, readable by a listed origin', async () => {
    const clock = new FakeClock();
    const api = router({ keys: true, clock });
    const wrong = { authorization: 'Bearer wrong-key-0000000000', origin: ALLOWED };
    for (let i = 0; i < 10; i++) {
      expect((await api.handle(request('GET', '/api/v1/things', wrong))).status).toBe(401);
    }
    await clock.advance(20_000);
    const limited = await api.handle(request('GET', '/api/v1/things', wrong));
    expect(limited).toMatchObject({
      status: 429,
      headers: { 'retry-after': '40', ...CORS },
    });
    expect(JSON.parse('body' in limited ? limited.body : '{}')).toEqual({
      code: 'rate_limited',
      error: 'too many failed authentication attempts from 127.0.0.1; retry in 40 s',
    });
    // Another address is unaffected.
    const other = { ...request('GET', '/api/v1/things', wrong), remoteAddress: '127.0.0.2' };
    expect((await api.handle(other)).status).toBe(401);
  });

  it('reads a target starting with // as a path', async () => {
    const api = router();
    expect((await api.handle(request('GET', '//'))).status).toBe(404);
    expect((await api.handle(request('GET', '//evil.example/api/v1/things'))).status).toBe(404);
  });
});
