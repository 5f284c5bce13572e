import { createHash } from 'node:crypto';
import { SignJWT } from 'jose';
import { describe, expect, it } from 'vitest';
import type { ServerConfig } from '../../config/index.js';
import { DaemonError, FakeClock } from '../../shared/index.js';
import { AuthPolicy, type Credentials } from './policy.js';

const SECRET = 'policy-test-secret-0123456789abcdef';
const VIEWER_KEY = 'viewer-key-0123456789abcd';
const ADMIN_KEY = 'admin-key-0123456789abcde';

type AuthConfig = ServerConfig['auth'];

function server(auth: Partial<AuthConfig>): Pick<ServerConfig, 'auth' | 'host'> {
  return { host: '127.0.0.1', auth: { api_keys: [], insecure: false, ...auth } };
}

const keys: AuthConfig['api_keys'] = [
  {
    name: 'dash',
    role: 'viewer',
    key_sha256: createHash('sha256').update(VIEWER_KEY).digest('hex'),
  },
  { name: 'root', role: 'admin', key: ADMIN_KEY },
];
const jwt = { secret: SECRET, role_claim: 'role' };

async function token(clock: FakeClock, claims: Record<string, unknown>): Promise<string> {
  const now = Math.floor(clock.now() / 1000);
  return new SignJWT(claims)
    .setProtectedHeader({ alg: 'HS256' })
    .setSubject('ci-bot')
    .setExpirationTime(now + 300)
    .sign(new TextEncoder().encode(SECRET));
}

async function failure(promise: Promise<unknown>): Promise<DaemonError> {
  try {
    await promise;
  } catch (error) {
    expect(error).toBeInstanceOf(DaemonError);
    return error as DaemonError;
  }
  throw new Error('expected authorize to fail');
}

const bearer = (value: string): Credentials => ({
  authorization: `Bearer ${value}`,
  remoteAddress: '127.0.0.1',
});

describe('AuthPolicy', () => {
  it('is open (admin) on loopback without credentials, and public routes are always open', async () => {
    const policy = new AuthPolicy(server({}));
    expect(policy.requiresCredentials).toBe(false);
    expect(await policy.authorize({}, 'admin')).toEqual({ name: 'local', role: 'admin' });
    const guarded = new AuthPolicy(server({ api_keys: keys }));
    expect(await guarded.authorize({}, 'public')).toEqual({ name: 'anonymous', role: 'viewer' });
  });

  it('accepts API keys and JWTs side by side', async () => {
    const clock = new FakeClock();
    const policy = new AuthPolicy(server({ api_keys: keys, jwt }), undefined, { clock });
    expect(policy.requiresCredentials).toBe(true);
    expect(await policy.authorize(bearer(VIEWER_KEY), 'viewer')).toEqual({
      name: 'dash',
      role: 'viewer',
    });
    expect(await policy.authorize({ apiKey: ADMIN_KEY }, 'admin')).toEqual({
      name: 'root',
      role: 'admin',
    });
    const operator = await token(clock, { role: 'operator' });
    expect(await policy.authorize(bearer(operator), 'operator')).toEqual({
      name: 'ci-bot',
      role: 'operator',
    });
    expect(await failure(policy.authorize(bearer(operator), 'admin'))).toMatchObject({
      code: 'forbidden',
      message: 'the operator role cannot do this; it needs admin',
    });
    // JWTs come as bearer tokens only; X-API-Key holds keys.
    expect(await failure(policy.authorize({ apiKey: operator }, 'viewer'))).toMatchObject({
      code: 'unauthenticated',
      message: 'the X-API-Key is neither a valid API key nor a JWT',
    });
  });

  it('says what is missing or wrong for each configuration', async () => {
    const both = new AuthPolicy(server({ api_keys: keys, jwt }));
    expect((await failure(both.authorize({}, 'viewer'))).message).toBe(
      'this daemon requires an API key or a JWT: send Authorization: Bearer <key or token> (or X-API-Key: <key>)',
    );
    expect((await failure(both.authorize(bearer('nope-0123456789'), 'viewer'))).message).toBe(
      'the bearer token is neither a valid API key nor a JWT',
    );
    const jwtOnly = new AuthPolicy(server({ jwt }));
    expect(jwtOnly.requiresCredentials).toBe(true);
    expect((await failure(jwtOnly.authorize({}, 'viewer'))).message).toBe(
      'this daemon requires a JWT: send Authorization: Bearer <token>',
    );
    const keysOnly = new AuthPolicy(server({ api_keys: keys }));
    const aJwt = await token(new FakeClock(), { role: 'admin' });
    expect((await failure(keysOnly.authorize(bearer(aJwt), 'viewer'))).message).toBe(
      'the bearer token looks like a JWT, but this daemon accepts no JWTs (server.auth.jwt is not set) and it is no API key',
    );
    expect((await failure(keysOnly.authorize(bearer('wrong'), 'viewer'))).message).toBe(
      'the API key is not valid',
    );
  });

  it('accepts a JWT through the tunnel, and the tunnel token as operator', async () => {
    const clock = new FakeClock();
    const policy = new AuthPolicy(
      server({ jwt }),
      { accessToken: () => 'tunnel-token-0123456789' },
      { clock },
    );
    const viaTunnel = { viaTunnel: true, clientIp: '203.0.113.9', remoteAddress: '127.0.0.1' };
    expect(
      await policy.authorize(
        { ...viaTunnel, authorization: `Bearer ${await token(clock, { role: 'admin' })}` },
        'admin',
      ),
    ).toEqual({ name: 'ci-bot', role: 'admin' });
    expect(
      await policy.authorize(
        { ...viaTunnel, authorization: 'Bearer tunnel-token-0123456789' },
        'operator',
      ),
    ).toEqual({ name: 'tunnel', role: 'operator' });
    expect((await failure(policy.authorize(viaTunnel, 'viewer'))).message).toBe(
      'requests through the Cloudflare tunnel need Authorization: Bearer <the tunnel access token, an API key or a JWT>',
    );
  });

  it('rate-limits a client after repeated failed authentications, until the window passes', async () => {
    const clock = new FakeClock();
    const policy = new AuthPolicy(server({ api_keys: keys }), undefined, { clock });
    const wrong = { ...bearer('wrong-key-0123456789'), remoteAddress: '192.0.2.5' };
    for (let i = 0; i < 10; i++) {
      expect(await failure(policy.authorize(wrong, 'viewer'))).toMatchObject({
        code: 'unauthenticated',
      });
    }
    await clock.advance(1_500);
    const limited = await failure(policy.authorize(wrong, 'viewer'));
    expect(limited).toMatchObject({
      code: 'rate_limited',
      message: 'too many failed authentication attempts from 192.0.2.5; retry in 59 s',
      details: { retry_after_seconds: 59 },
    });
    // Even the right key waits; other clients and public routes are not affected.
    const right = { ...bearer(VIEWER_KEY), remoteAddress: '192.0.2.5' };
    expect(await failure(policy.authorize(right, 'viewer'))).toMatchObject({
      code: 'rate_limited',
    });
    expect(
      await policy.authorize({ ...right, remoteAddress: '192.0.2.6' }, 'viewer'),
    ).toMatchObject({ role: 'viewer' });
    expect(await policy.authorize(wrong, 'public')).toMatchObject({ name: 'anonymous' });
    await clock.advance(58_500);
    expect(await policy.authorize(right, 'viewer')).toMatchObject({ name: 'dash' });
  });

  it('counts neither successes nor forbidden requests', async () => {
    const clock = new FakeClock();
    const policy = new AuthPolicy(server({ api_keys: keys }), undefined, {
      clock,
      rateLimit: { maxFailures: 2 },
    });
    const viewer = bearer(VIEWER_KEY);
    for (let i = 0; i < 5; i++) {
      await policy.authorize(viewer, 'viewer');
      expect((await failure(policy.authorize(viewer, 'admin'))).code).toBe('forbidden');
    }
    expect((await failure(policy.authorize(bearer('x'), 'viewer'))).code).toBe('unauthenticated');
    expect((await failure(policy.authorize(bearer('x'), 'viewer'))).code).toBe('unauthenticated');
    expect((await failure(policy.authorize(bearer('x'), 'viewer'))).code).toBe('rate_limited');
  });

  it('ignores a Cf-Connecting-Ip that did not come from cloudflared on this machine', async () => {
    const policy = new AuthPolicy(
      server({}),
      { accessToken: () => 'tunnel-token-0123456789' },
      { rateLimit: { maxFailures: 2 } },
    );
    // A remote caller inventing a new "client address" for every guess still has one bucket.
    const guess = (n: number): Credentials => ({
      ...bearer(`guess-${n}`),
      viaTunnel: true,
      clientIp: `198.51.100.${n}`,
      remoteAddress: '203.0.113.9',
    });
    await failure(policy.authorize(guess(1), 'viewer'));
    await failure(policy.authorize(guess(2), 'viewer'));
    const limited = await failure(policy.authorize(guess(3), 'viewer'));
    expect(limited).toMatchObject({ code: 'rate_limited' });
    expect(limited.message).toContain('from 203.0.113.9');
  });

  it('keys tunnelled clients by Cf-Connecting-Ip, not by cloudflared on loopback', async () => {
    const policy = new AuthPolicy(
      server({}),
      { accessToken: () => 'tunnel-token-0123456789' },
      { rateLimit: { maxFailures: 2 } },
    );
    const from = (clientIp: string): Credentials => ({
      ...bearer('guess'),
      viaTunnel: true,
      clientIp,
    });
    await failure(policy.authorize(from('198.51.100.1'), 'viewer'));
    await failure(policy.authorize(from('198.51.100.1'), 'viewer'));
    const limited = await failure(policy.authorize(from('198.51.100.1'), 'viewer'));
    expect(limited).toMatchObject({ code: 'rate_limited' });
    expect(limited.message).toContain('from 198.51.100.1 (through the tunnel)');
    expect((await failure(policy.authorize(from('198.51.100.2'), 'viewer'))).code).toBe(
      'unauthenticated',
    );
    // The local CLI (same loopback address as cloudflared) is not locked out.
    expect(await policy.authorize({ remoteAddress: '127.0.0.1' }, 'admin')).toMatchObject({
      role: 'admin',
    });
  });

  it('refuses an unusable server.auth.jwt at construction', () => {
    expect(
      () => new AuthPolicy(server({ jwt: { public_key: 'garbage', role_claim: 'role' } })),
    ).toThrow(DaemonError);
  });
});
