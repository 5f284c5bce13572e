import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  exportJWK,
  exportSPKI,
  generateKeyPair,
  SignJWT,
  UnsecuredJWT,
  type CryptoKey,
  type JWK,
} from 'jose';
import { afterEach, describe, expect, it } from 'vitest';
import { waitFor } from '../../../test/helpers/wait-for.js';
import type { JwtConfig } from '../../config/index.js';
import { DaemonError, FakeClock } from '../../shared/index.js';
import { JwtVerifier, looksLikeJwt } from './jwt-verifier.js';

const SECRET = 'hs256-secret-for-tests-0123456789abcdef';
const NOW_S = Math.floor(Date.UTC(2026, 0, 1) / 1000);

interface Claims {
  role?: unknown;
  sub?: string;
  exp?: number | null;
  nbf?: number;
  iss?: string;
  aud?: string;
  [claim: string]: unknown;
}

async function sign(
  key: CryptoKey | Uint8Array,
  alg: string,
  claims: Claims = {},
  kid?: string,
): Promise<string> {
  const { exp = NOW_S + 3600, sub = 'alice', ...rest } = claims;
  const jwt = new SignJWT({ role: 'viewer', ...rest })
    .setProtectedHeader({ alg, ...(kid ? { kid } : {}) })
    .setSubject(sub)
    .setIssuedAt(NOW_S - 10);
  if (exp !== null) jwt.setExpirationTime(exp);
  return jwt.sign(key);
}

const secretKey = new TextEncoder().encode(SECRET);
const hsConfig = (extra: Partial<JwtConfig> = {}): JwtConfig => ({
  secret: SECRET,
  role_claim: 'role',
  ...extra,
});

async function failure(promise: Promise<unknown>): Promise<DaemonError> {
  try {
    await promise;
  } catch (error) {
    expect(error).toBeInstanceOf(DaemonError);
    return error as DaemonError;
  }
  throw new Error('expected the verification to fail');
}

describe('looksLikeJwt', () => {
  it('knows three base64url parts from an API key', () => {
    expect(looksLikeJwt('eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJhIn0.c2ln')).toBe(true);
    expect(looksLikeJwt('eyJhbGciOiJub25lIn0.eyJzdWIiOiJhIn0.')).toBe(true);
    expect(looksLikeJwt('operator-key-0123456789')).toBe(false);
    expect(looksLikeJwt('a.b')).toBe(false);
    expect(looksLikeJwt('a.b.c.d')).toBe(false);
    expect(looksLikeJwt('a+b.c/d.e=')).toBe(false);
  });
});

describe('JwtVerifier with an HS256 secret', () => {
  const clock = new FakeClock(NOW_S * 1000);

  it('accepts a valid token for each role, named by sub', async () => {
    const verifier = new JwtVerifier(hsConfig(), clock);
    for (const role of ['viewer', 'operator', 'admin'] as const) {
      const token = await sign(secretKey, 'HS256', { role, sub: `user-${role}` });
      expect(await verifier.verify(token)).toEqual({ name: `user-${role}`, role });
    }
  });

  it('reads the role from the configured claim', async () => {
    const verifier = new JwtVerifier(hsConfig({ role_claim: 'gowinproc_role' }), clock);
    const token = await sign(secretKey, 'HS256', { role: 'viewer', gowinproc_role: 'admin' });
    expect(await verifier.verify(token)).toMatchObject({ role: 'admin' });
  });

  it('refuses an expired token, with a small tolerance for clock skew', async () => {
    const verifier = new JwtVerifier(hsConfig(), clock);
    expect(await verifier.verify(await sign(secretKey, 'HS256', { exp: NOW_S - 3 }))).toMatchObject(
      { role: 'viewer' },
    );
    const token = await sign(secretKey, 'HS256', { exp: NOW_S - 60 });
    const error = await failure(verifier.verify(token));
    expect(error.code).toBe('unauthenticated');
    expect(error.message).toBe(`the JWT expired at ${new Date((NOW_S - 60) * 1000).toISOString()}`);
  });

  it('refuses a token that does not expire', async () => {
    const verifier = new JwtVerifier(hsConfig(), clock);
    const error = await failure(verifier.verify(await sign(secretKey, 'HS256', { exp: null })));
    expect(error).toMatchObject({ code: 'unauthenticated' });
    expect(error.message).toContain('no exp claim');
  });

  it('refuses a token before its nbf, and accepts it once the clock gets there', async () => {
    const local = new FakeClock(NOW_S * 1000);
    const verifier = new JwtVerifier(hsConfig(), local);
    const token = await sign(secretKey, 'HS256', { nbf: NOW_S + 60 });
    const error = await failure(verifier.verify(token));
    expect(error.code).toBe('unauthenticated');
    expect(error.message).toBe(
      `the JWT is not valid before ${new Date((NOW_S + 60) * 1000).toISOString()}`,
    );
    await local.advance(60_000);
    expect(await verifier.verify(token)).toMatchObject({ name: 'alice' });
  });

  it('refuses a token signed with another secret, without echoing it', async () => {
    const verifier = new JwtVerifier(hsConfig(), clock);
    const token = await sign(new TextEncoder().encode('another-secret-0123456789abcdef'), 'HS256');
    const error = await failure(verifier.verify(token));
    expect(error).toMatchObject({
      code: 'unauthenticated',
      message: 'the JWT signature is not valid',
    });
    for (const part of token.split('.')) expect(error.message).not.toContain(part);
  });

  it('checks issuer and audience when configured, saying which is wrong', async () => {
    const verifier = new JwtVerifier(
      hsConfig({ issuer: 'https://id.example', audience: 'gowinproc' }),
      clock,
    );
    const good = { iss: 'https://id.example', aud: 'gowinproc' };
    expect(await verifier.verify(await sign(secretKey, 'HS256', good))).toMatchObject({
      role: 'viewer',
    });
    const wrongIssuer = await failure(
      verifier.verify(await sign(secretKey, 'HS256', { ...good, iss: 'https://evil.example' })),
    );
    expect(wrongIssuer.message).toBe(
      'the JWT was issued by "https://evil.example", not by "https://id.example" (server.auth.jwt.issuer)',
    );
    const wrongAudience = await failure(
      verifier.verify(await sign(secretKey, 'HS256', { ...good, aud: 'other-app' })),
    );
    expect(wrongAudience.message).toBe(
      'the JWT is for audience "other-app", not "gowinproc" (server.auth.jwt.audience)',
    );
    const noIssuer = await failure(
      verifier.verify(await sign(secretKey, 'HS256', { aud: 'gowinproc' })),
    );
    expect(noIssuer.message).toBe('the JWT has no iss claim, which server.auth.jwt requires');
  });

  it('answers forbidden, naming the claim, when the role is missing or unknown', async () => {
    const verifier = new JwtVerifier(hsConfig(), clock);
    const missing = await failure(
      verifier.verify(await sign(secretKey, 'HS256', { role: undefined })),
    );
    expect(missing).toMatchObject({ code: 'forbidden', details: { claim: 'role' } });
    expect(missing.message).toBe(
      'the JWT has no "role" claim (server.auth.jwt.role_claim); it needs one of viewer, operator, admin',
    );
    for (const role of ['root', 42, ['admin']]) {
      const error = await failure(verifier.verify(await sign(secretKey, 'HS256', { role })));
      expect(error.code).toBe('forbidden');
      expect(error.message).toContain(`the JWT's "role" claim is ${JSON.stringify(role)}`);
    }
  });

  it('refuses unsigned tokens and other algorithms', async () => {
    const verifier = new JwtVerifier(hsConfig(), clock);
    const unsigned = new UnsecuredJWT({ role: 'admin' }).setExpirationTime(NOW_S + 60).encode();
    expect(looksLikeJwt(unsigned)).toBe(true);
    const error = await failure(verifier.verify(unsigned));
    expect(error).toMatchObject({
      code: 'unauthenticated',
      message: "the JWT's signing algorithm is not accepted; server.auth.jwt accepts HS256",
    });
    const hs512 = await sign(secretKey, 'HS512', { role: 'admin' });
    expect(await failure(verifier.verify(hs512))).toMatchObject({ code: 'unauthenticated' });
  });

  it('refuses garbage shaped like a JWT', async () => {
    const verifier = new JwtVerifier(hsConfig(), clock);
    const error = await failure(verifier.verify('abc.def.ghi'));
    expect(error).toMatchObject({
      code: 'unauthenticated',
      message: 'the bearer token is not a well-formed JWT',
    });
  });
});

describe('JwtVerifier with a public key', () => {
  const clock = new FakeClock(NOW_S * 1000);

  it('verifies RS256 and ES256 tokens for each role', async () => {
    for (const alg of ['RS256', 'ES256'] as const) {
      const { publicKey, privateKey } = await generateKeyPair(alg);
      const verifier = new JwtVerifier(
        { public_key: await exportSPKI(publicKey), role_claim: 'role' },
        clock,
      );
      for (const role of ['viewer', 'operator', 'admin'] as const) {
        expect(await verifier.verify(await sign(privateKey, alg, { role }))).toEqual({
          name: 'alice',
          role,
        });
      }
      const other = await generateKeyPair(alg);
      expect(await failure(verifier.verify(await sign(other.privateKey, alg)))).toMatchObject({
        code: 'unauthenticated',
        message: 'the JWT signature is not valid',
      });
    }
  });

  it('refuses an HS256 token signed with the public key PEM as its secret (alg confusion)', async () => {
    const { publicKey, privateKey } = await generateKeyPair('RS256');
    const pem = await exportSPKI(publicKey);
    const verifier = new JwtVerifier({ public_key: pem, role_claim: 'role' }, clock);
    const forged = await sign(new TextEncoder().encode(pem), 'HS256', { role: 'admin' });
    const error = await failure(verifier.verify(forged));
    expect(error).toMatchObject({
      code: 'unauthenticated',
      message: "the JWT's signing algorithm is not accepted; server.auth.jwt accepts RS256",
    });
    // An ES256 token cannot pass for an RSA key either.
    const ec = await generateKeyPair('ES256');
    expect(await failure(verifier.verify(await sign(ec.privateKey, 'ES256')))).toMatchObject({
      code: 'unauthenticated',
    });
    expect(await verifier.verify(await sign(privateKey, 'RS256'))).toMatchObject({
      role: 'viewer',
    });
  });

  it('refuses, as config_invalid, a public key that is not PEM or not RSA/P-256', async () => {
    expect(() => new JwtVerifier({ public_key: 'not a key', role_claim: 'role' }, clock)).toThrow(
      /server\.auth\.jwt\.public_key is not a PEM public key/,
    );
    const ed = await exportSPKI((await generateKeyPair('EdDSA')).publicKey);
    expect(() => new JwtVerifier({ public_key: ed, role_claim: 'role' }, clock)).toThrow(
      /is a ed25519 key; JWTs are verified with an RSA key \(RS256\) or an EC P-256/,
    );
  });
});

describe('JwtVerifier with a JWKS URL', () => {
  const servers: Server[] = [];
  afterEach(async () => {
    await Promise.all(
      servers.splice(0).map(
        (server) =>
          new Promise<void>((resolve) => {
            server.closeAllConnections();
            server.close(() => resolve());
          }),
      ),
    );
  });

  /** A key server on port 0 whose answers the test controls. */
  async function jwksServer(initial: { keys: JWK[] }) {
    const state = { body: JSON.stringify(initial), status: 200, hang: false, requests: 0 };
    const server = createServer((req, res) => {
      state.requests += 1;
      if (state.hang) return; // never answers
      res.writeHead(state.status, { 'content-type': 'application/json' });
      res.end(state.body);
    });
    servers.push(server);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/.well-known/jwks.json`;
    return { url, state };
  }

  async function keyPair(alg: 'RS256' | 'ES256', kid: string) {
    const { publicKey, privateKey } = await generateKeyPair(alg);
    const jwk = { ...(await exportJWK(publicKey)), kid, alg, use: 'sig' };
    return { jwk, privateKey };
  }

  it('verifies RS256 and ES256 tokens with keys from the set, fetching it once', async () => {
    const rsa = await keyPair('RS256', 'rsa-1');
    const ec = await keyPair('ES256', 'ec-1');
    const { url, state } = await jwksServer({ keys: [rsa.jwk, ec.jwk] });
    const verifier = new JwtVerifier(
      { jwks_url: url, role_claim: 'role' },
      new FakeClock(NOW_S * 1000),
    );
    expect(
      await verifier.verify(await sign(rsa.privateKey, 'RS256', { role: 'admin' }, 'rsa-1')),
    ).toEqual({ name: 'alice', role: 'admin' });
    expect(
      await verifier.verify(await sign(ec.privateKey, 'ES256', { role: 'operator' }, 'ec-1')),
    ).toEqual({ name: 'alice', role: 'operator' });
    expect(state.requests).toBe(1);
    const stranger = await keyPair('RS256', 'rsa-1');
    expect(
      await failure(verifier.verify(await sign(stranger.privateKey, 'RS256', {}, 'rsa-1'))),
    ).toMatchObject({ code: 'unauthenticated', message: 'the JWT signature is not valid' });
  });

  it('refetches the set for an unknown kid (key rotation), at most once per cooldown', async () => {
    const first = await keyPair('RS256', 'k1');
    const second = await keyPair('RS256', 'k2');
    const { url, state } = await jwksServer({ keys: [first.jwk] });
    const clock = new FakeClock(NOW_S * 1000);
    const verifier = new JwtVerifier({ jwks_url: url, role_claim: 'role' }, clock);
    expect(await verifier.verify(await sign(first.privateKey, 'RS256', {}, 'k1'))).toMatchObject({
      role: 'viewer',
    });
    state.body = JSON.stringify({ keys: [first.jwk, second.jwk] });
    const rotated = await sign(second.privateKey, 'RS256', {}, 'k2');
    // Within the cooldown the cached set answers: no match, and no new request.
    expect(await failure(verifier.verify(rotated))).toMatchObject({
      code: 'unauthenticated',
      message: `no single key in the key set at ${url} matches the JWT's kid and alg`,
    });
    expect(state.requests).toBe(1);
    await clock.advance(30_000);
    expect(await verifier.verify(rotated)).toMatchObject({ role: 'viewer' });
    expect(state.requests).toBe(2);
  });

  it('answers unauthenticated with a clear message when the set cannot be fetched', async () => {
    const rsa = await keyPair('RS256', 'k1');
    const { url, state } = await jwksServer({ keys: [rsa.jwk] });
    state.status = 503;
    const clock = new FakeClock(NOW_S * 1000);
    const verifier = new JwtVerifier({ jwks_url: url, role_claim: 'role' }, clock);
    const token = await sign(rsa.privateKey, 'RS256', {}, 'k1');
    const error = await failure(verifier.verify(token));
    expect(error).toMatchObject({
      code: 'unauthenticated',
      details: { jwks_unavailable: true },
      message: `cannot verify the JWT: the key set at ${url} (server.auth.jwt.jwks_url) could not be fetched: HTTP status 503, expected 200`,
    });
    // During the cooldown the failure is remembered instead of asking again.
    await failure(verifier.verify(token));
    expect(state.requests).toBe(1);
    state.status = 200;
    await clock.advance(30_000);
    expect(await verifier.verify(token)).toMatchObject({ role: 'viewer' });

    state.body = 'not json';
    await clock.advance(10 * 60_000); // the cached set is now stale; the refetch fails
    expect(await verifier.verify(token)).toMatchObject({ role: 'viewer' });
    expect(state.requests).toBe(3);
  });

  it('gives up on a key server that does not answer, and on one that is not there', async () => {
    const rsa = await keyPair('RS256', 'k1');
    const { url, state } = await jwksServer({ keys: [rsa.jwk] });
    state.hang = true;
    const clock = new FakeClock(NOW_S * 1000);
    const verifier = new JwtVerifier({ jwks_url: url, role_claim: 'role' }, clock);
    const token = await sign(rsa.privateKey, 'RS256', {}, 'k1');
    const pending = failure(verifier.verify(token));
    await waitFor(() => state.requests === 1 || 'the key server has not been asked yet');
    await clock.advance(5_000);
    expect((await pending).message).toContain('could not be fetched: no answer within 5000 ms');

    const closed = await jwksServer({ keys: [] });
    await new Promise<void>((resolve) => servers.pop()!.close(() => resolve()));
    const gone = new JwtVerifier({ jwks_url: closed.url, role_claim: 'role' }, clock);
    expect((await failure(gone.verify(token))).message).toMatch(
      /could not be fetched: connect ECONNREFUSED/,
    );
  });

  it('refuses a non-http jwks_url as config_invalid', () => {
    expect(
      () =>
        new JwtVerifier({ jwks_url: 'file:///etc/keys.json', role_claim: 'role' }, new FakeClock()),
    ).toThrow(/server\.auth\.jwt\.jwks_url "file:\/\/\/etc\/keys\.json" must be an http\(s\) URL/);
  });
});
