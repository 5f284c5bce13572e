/**
 * GET /api/v1/auth/whoami over a real socket: what the dashboard's login gate reads. Open daemon
 * (loopback admin), API keys and JWTs of each role, missing and wrong credentials (401, then the
 * failure rate limit), and a request through the tunnel with its access token.
 */
import { request } from 'node:http';
import { SignJWT } from 'jose';
import { describe, expect, it, onTestFinished } from 'vitest';
import { configFromYaml } from '../../../../test/helpers/config.js';
import { fakeApp } from '../../../../test/helpers/fake-app.js';
import { tempDir } from '../../../../test/helpers/temp-dir.js';
import { AuthPolicy } from '../../auth/index.js';
import { listen } from '../node-adapter.js';
import { buildRestApi } from '../rest-api.js';

const VIEWER_KEY = 'whoami-viewer-key-0123456789';
const OPERATOR_KEY = 'whoami-operator-key-012345';
const JWT_SECRET = 'whoami-jwt-secret-0123456789abcdef';
const TUNNEL_TOKEN = 'whoami-tunnel-token-AAAAAAAAAAAAAAAAAAAA=';

const AUTH_YAML = `server:
  auth:
    api_keys:
      - { name: dashboard-viewer, key: ${VIEWER_KEY}, role: viewer }
      - { name: ci-operator, key: ${OPERATOR_KEY}, role: operator }
    jwt: { secret: ${JWT_SECRET} }
`;

interface Answer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  json: Record<string, unknown>;
}

async function start(authYaml: string, maxFailures = 10) {
  const config = configFromYaml(
    tempDir(),
    `${authYaml}processes:\n  - name: web\n    binary_path: /bin/web\n    instances: 0\n`,
  );
  const { app } = await fakeApp(config);
  const auth = new AuthPolicy(
    config.server,
    { accessToken: () => TUNNEL_TOKEN },
    { rateLimit: { maxFailures } },
  );
  const server = await listen(buildRestApi({ app, auth }), {
    host: '127.0.0.1',
    port: 0,
    requestTimeoutMs: 10_000,
  });
  onTestFinished(() => server.close());
  const whoami = (headers: Record<string, string> = {}) =>
    new Promise<Answer>((resolve, reject) => {
      const req = request(
        { host: '127.0.0.1', port: server.port, path: '/api/v1/auth/whoami', headers },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (chunk: Buffer) => chunks.push(chunk));
          res.on('end', () =>
            resolve({
              status: res.statusCode ?? 0,
              headers: res.headers,
              json: JSON.parse(Buffer.concat(chunks).toString('utf8')) as Record<string, unknown>,
            }),
          );
        },
      );
      req.on('error', reject);
      req.end();
    });
  return { whoami };
}

function jwt(role: string, subject: string, secret = JWT_SECRET): Promise<string> {
  return new SignJWT({ role })
    .setProtectedHeader({ alg: 'HS256' })
    .setSubject(subject)
    .setIssuedAt()
    .setExpirationTime('10m')
    .sign(new TextEncoder().encode(secret));
}

describe('GET /api/v1/auth/whoami', () => {
  it('on a daemon without server.auth: a loopback caller is admin, unauthenticated', async () => {
    const { whoami } = await start('');
    const open = { authenticated: false, auth_required: false, role: 'admin', name: null };
    expect(await whoami()).toMatchObject({ status: 200, json: open });
    // A credential changes nothing where none is asked for.
    expect((await whoami({ authorization: 'Bearer anything-at-all' })).json).toEqual(open);
  });

  it('names the API key and its role', async () => {
    const { whoami } = await start(AUTH_YAML);
    expect(await whoami({ authorization: `Bearer ${VIEWER_KEY}` })).toMatchObject({
      status: 200,
      json: { authenticated: true, auth_required: true, role: 'viewer', name: 'dashboard-viewer' },
    });
    expect((await whoami({ 'x-api-key': OPERATOR_KEY })).json).toEqual({
      authenticated: true,
      auth_required: true,
      role: 'operator',
      name: 'ci-operator',
    });
  });

  it("names a JWT's subject and role", async () => {
    const { whoami } = await start(AUTH_YAML);
    const answer = await whoami({ authorization: `Bearer ${await jwt('admin', 'alice')}` });
    expect(answer.json).toEqual({
      authenticated: true,
      auth_required: true,
      role: 'admin',
      name: 'alice',
    });
  });

  it('answers 401 unauthenticated without a credential, or with a wrong one, never echoing it', async () => {
    const { whoami } = await start(AUTH_YAML);
    const missing = await whoami();
    expect(missing.status).toBe(401);
    expect(missing.json['code']).toBe('unauthenticated');
    expect(missing.json['error']).toMatch(/API key/);
    const wrong = await whoami({ authorization: 'Bearer wrong-key-secret-value-0123' });
    expect(wrong.status).toBe(401);
    expect(wrong.json['code']).toBe('unauthenticated');
    expect(JSON.stringify(wrong.json)).not.toContain('wrong-key-secret-value');
    const forged = await whoami({
      authorization: `Bearer ${await jwt('admin', 'mallory', 'not-the-secret-0123456789')}`,
    });
    expect(forged.status).toBe(401);
  });

  it('counts failed attempts like every route: over the limit it answers 429 with Retry-After', async () => {
    const { whoami } = await start(AUTH_YAML, 3);
    for (let i = 0; i < 3; i += 1) {
      expect((await whoami({ authorization: `Bearer guess-${i}-0123456789` })).status).toBe(401);
    }
    const limited = await whoami({ authorization: `Bearer ${VIEWER_KEY}` });
    expect(limited.status).toBe(429);
    expect(limited.json['code']).toBe('rate_limited');
    expect(Number(limited.headers['retry-after'])).toBeGreaterThan(0);
  });

  it('through the tunnel: the access token is the operator "tunnel", even on an open daemon', async () => {
    const { whoami } = await start('');
    const tunnelled = { 'cf-connecting-ip': '203.0.113.9', 'cloudflare-cdn-loop': 'cloudflare' };
    const refused = await whoami(tunnelled);
    expect(refused.status).toBe(401);
    const answer = await whoami({ ...tunnelled, authorization: `Bearer ${TUNNEL_TOKEN}` });
    expect(answer.json).toEqual({
      authenticated: true,
      auth_required: true,
      role: 'operator',
      name: 'tunnel',
    });
  });
});
