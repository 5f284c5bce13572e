import { generateKeyPairSync, type KeyObject } from 'node:crypto';
import { request } from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import { signChallenge } from '../../src/services/cloudflare/index.js';
import {
  CHALLENGE_TTL_MS,
  isMalformedServerKey,
  signJwtHs256,
  startFakeAuthWorker,
  verifyChallengeSignature,
  type FakeAuthWorker,
  type FakeAuthWorkerOptions,
} from './auth-worker.js';
import {
  V1_CHALLENGE,
  V2_PUBLIC_KEY,
  V2_SIGNATURE,
  V4_TOKEN,
} from '../fixtures/cloudflare-vectors.js';

const AUTH_FAILED_BODY = { success: false, error: 'Authentication failed' };

const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 });
const SPKI = rsa.publicKey.export({ type: 'spki', format: 'pem' }).toString();
const SECRETS = { DB_PASSWORD: 'pw-1', API_KEY: 'key-2' };

interface Reply {
  status: number;
  body: unknown;
}

/** A raw HTTP call (independent of the client under test elsewhere). */
function call(url: string, method: string, path: string, raw?: string): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = request(`${url}${path}`, { method, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        resolve({ status: res.statusCode ?? 0, body: JSON.parse(text) as unknown });
      });
    });
    req.on('error', reject);
    req.end(raw);
  });
}

let worker: FakeAuthWorker | undefined;
let clock = 1_700_000_000_000;

afterEach(async () => {
  await worker?.close();
  worker = undefined;
});

async function start(overrides: Partial<FakeAuthWorkerOptions> = {}): Promise<FakeAuthWorker> {
  clock = 1_700_000_000_000;
  worker = await startFakeAuthWorker({
    clients: { alpha: SPKI },
    secrets: SECRETS,
    jwtSecret: 'local-jwt-secret-123',
    now: () => clock,
    ...overrides,
  });
  return worker;
}

function post(fake: FakeAuthWorker, path: string, body: unknown): Promise<Reply> {
  return call(fake.url, 'POST', path, JSON.stringify(body));
}

async function challengeFor(fake: FakeAuthWorker, clientId = 'alpha'): Promise<string> {
  const reply = await post(fake, '/challenge', { clientId });
  expect(reply.status).toBe(200);
  return (reply.body as { challenge: string }).challenge;
}

function verifyBody(
  challenge: string,
  extra: Record<string, unknown> = {},
  key: KeyObject = rsa.privateKey,
) {
  return { clientId: 'alpha', challenge, signature: signChallenge(challenge, key), ...extra };
}

describe('fake auth worker: pure parts against the vectors', () => {
  it('V4: signJwtHs256 reproduces the token byte for byte', () => {
    const payload = { clientId: 'testclient', iat: 1_700_000_000, exp: 1_700_003_600 };
    expect(signJwtHs256(payload, 'local-jwt-secret-123')).toBe(V4_TOKEN);
  });

  it('V2: accepts the worker-accepted signature and rejects altered encodings', () => {
    expect(verifyChallengeSignature(V2_PUBLIC_KEY, V1_CHALLENGE, V2_SIGNATURE)).toBe(true);
    const base64url = V2_SIGNATURE.replace(/\+/g, '-').replace(/\//g, '_');
    expect(base64url).not.toBe(V2_SIGNATURE);
    expect(verifyChallengeSignature(V2_PUBLIC_KEY, V1_CHALLENGE, base64url)).toBe(false);
    expect(
      verifyChallengeSignature(V2_PUBLIC_KEY, V1_CHALLENGE, base64url.replace(/=+$/, '')),
    ).toBe(false);
    expect(
      verifyChallengeSignature(V2_PUBLIC_KEY, V1_CHALLENGE, V2_SIGNATURE.replace(/=+$/, '')),
    ).toBe(false);
    expect(verifyChallengeSignature(V2_PUBLIC_KEY, `${V1_CHALLENGE} `, V2_SIGNATURE)).toBe(false);
    expect(verifyChallengeSignature(V2_PUBLIC_KEY, V1_CHALLENGE, '')).toBe(false);
  });

  it('treats a PKCS#1 public key as a malformed server key', () => {
    const pkcs1 = rsa.publicKey.export({ type: 'pkcs1', format: 'pem' }).toString();
    expect(pkcs1).toContain('BEGIN RSA PUBLIC KEY');
    let thrown: unknown;
    try {
      verifyChallengeSignature(pkcs1, 'c', 'AAAA');
    } catch (error) {
      thrown = error;
    }
    expect(isMalformedServerKey(thrown)).toBe(true);
  });
});

describe('fake auth worker over HTTP', () => {
  it('answers /health', async () => {
    const fake = await start();
    expect(await call(fake.url, 'GET', '/health')).toEqual({ status: 200, body: { status: 'ok' } });
  });

  it('issues a 44-character base64 challenge valid 300 000 ms', async () => {
    const fake = await start();
    const reply = await post(fake, '/challenge', { clientId: 'alpha' });
    const body = reply.body as { challenge: string; expiresAt: number };
    expect(body.challenge).toMatch(/^[A-Za-z0-9+/]{43}=$/);
    expect(Buffer.from(body.challenge, 'base64')).toHaveLength(32);
    expect(body.expiresAt).toBe(clock + CHALLENGE_TTL_MS);
  });

  it('answers /challenge errors: 400 without clientId, 401 unknown, 500 invalid JSON', async () => {
    const fake = await start();
    expect((await post(fake, '/challenge', {})).status).toBe(400);
    expect(await post(fake, '/challenge', { clientId: 'nobody' })).toEqual({
      status: 401,
      body: AUTH_FAILED_BODY,
    });
    expect((await call(fake.url, 'POST', '/challenge', '{not json')).status).toBe(500);
  });

  it('verifies a signed challenge and returns the token, access token and every secret', async () => {
    const fake = await start();
    const reply = await post(fake, '/verify', verifyBody(await challengeFor(fake)));
    expect(reply.status).toBe(200);
    const body = reply.body as Record<string, unknown>;
    expect(body).toMatchObject({ success: true, secretData: SECRETS });
    expect(body).not.toHaveProperty('repoList');
    expect(Buffer.from(body['accessToken'] as string, 'base64')).toHaveLength(32);
    const iat = Math.floor(clock / 1000);
    expect(body['token']).toBe(
      signJwtHs256({ clientId: 'alpha', iat, exp: iat + 3600 }, 'local-jwt-secret-123'),
    );
    expect(fake.tokens).toEqual([body['token']]);
    // No tunnelUrl: the access token is not stored.
    expect(fake.accessTokens.size).toBe(0);
  });

  it('includes repoList only when asked and when its upstream answers', async () => {
    const fake = await start({ repoList: ['owner/a', 'owner/b'] });
    const asked = await post(
      fake,
      '/verify',
      verifyBody(await challengeFor(fake), { includeRepoList: true }),
    );
    expect((asked.body as { repoList: unknown }).repoList).toEqual(['owner/a', 'owner/b']);
    await fake.close();

    const failing = await start({ repoList: 'upstream-fails' });
    const reply = await post(
      failing,
      '/verify',
      verifyBody(await challengeFor(failing), { includeRepoList: true }),
    );
    expect(reply.status).toBe(200);
    expect(reply.body).not.toHaveProperty('repoList');
  });

  it('a second challenge voids the first', async () => {
    const fake = await start();
    const first = await challengeFor(fake);
    const second = await challengeFor(fake);
    expect(await post(fake, '/verify', verifyBody(first))).toEqual({
      status: 401,
      body: AUTH_FAILED_BODY,
    });
    expect((await post(fake, '/verify', verifyBody(second))).status).toBe(200);
  });

  it('challenges are single use, even when the first attempt fails', async () => {
    const fake = await start();
    const used = await challengeFor(fake);
    expect((await post(fake, '/verify', verifyBody(used))).status).toBe(200);
    expect(await post(fake, '/verify', verifyBody(used))).toEqual({
      status: 401,
      body: AUTH_FAILED_BODY,
    });

    const challenge = await challengeFor(fake);
    const wrongKey = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey;
    expect(await post(fake, '/verify', verifyBody(challenge, {}, wrongKey))).toEqual({
      status: 401,
      body: AUTH_FAILED_BODY,
    });
    expect(await post(fake, '/verify', verifyBody(challenge))).toEqual({
      status: 401,
      body: AUTH_FAILED_BODY,
    });
  });

  it('a challenge expires after 300 000 ms', async () => {
    const fake = await start();
    const onTime = await challengeFor(fake);
    clock += CHALLENGE_TTL_MS;
    expect((await post(fake, '/verify', verifyBody(onTime))).status).toBe(200);

    const late = await challengeFor(fake);
    clock += CHALLENGE_TTL_MS + 1;
    expect(await post(fake, '/verify', verifyBody(late))).toEqual({
      status: 401,
      body: AUTH_FAILED_BODY,
    });
  });

  it('rejects a base64url signature', async () => {
    const fake = await start();
    // Find a challenge whose signature uses + or /, so base64url differs from base64.
    for (;;) {
      const challenge = await challengeFor(fake);
      const signature = signChallenge(challenge, rsa.privateKey);
      if (!/[+/]/.test(signature)) continue;
      const base64url = signature.replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
      const reply = await post(fake, '/verify', {
        clientId: 'alpha',
        challenge,
        signature: base64url,
      });
      expect(reply).toEqual({ status: 401, body: AUTH_FAILED_BODY });
      break;
    }
  });

  it('answers every other auth failure with the same 401', async () => {
    const fake = await start({ clients: { alpha: SPKI, beta: SPKI } });
    // Unknown client, no outstanding challenge, challenge of another client.
    const challenge = await challengeFor(fake);
    expect(await post(fake, '/verify', { ...verifyBody(challenge), clientId: 'nobody' })).toEqual({
      status: 401,
      body: AUTH_FAILED_BODY,
    });
    expect(await post(fake, '/verify', { ...verifyBody(challenge), clientId: 'beta' })).toEqual({
      status: 401,
      body: AUTH_FAILED_BODY,
    });
    expect(await post(fake, '/verify', verifyBody('made-up-challenge'))).toEqual({
      status: 401,
      body: AUTH_FAILED_BODY,
    });
  });

  it('answers 400 for missing fields and a lone repoUrl or grpcEndpoint', async () => {
    const fake = await start();
    const challenge = await challengeFor(fake);
    const { signature: _signature, ...unsigned } = verifyBody(challenge);
    expect((await post(fake, '/verify', unsigned)).status).toBe(400);
    expect((await post(fake, '/verify', verifyBody(challenge, { repoUrl: 'o/r' }))).status).toBe(
      400,
    );
    expect(
      (await post(fake, '/verify', verifyBody(challenge, { grpcEndpoint: 'h:1' }))).status,
    ).toBe(400);
    // The 400s did not use the challenge up.
    const both = verifyBody(challenge, { repoUrl: 'o/r', grpcEndpoint: 'h:1' });
    expect((await post(fake, '/verify', both)).status).toBe(200);
  });

  it('answers 500 when the configured client key is PKCS#1 instead of SPKI', async () => {
    const pkcs1 = rsa.publicKey.export({ type: 'pkcs1', format: 'pem' }).toString();
    const fake = await start({ clients: { alpha: pkcs1 } });
    const reply = await post(fake, '/verify', verifyBody(await challengeFor(fake)));
    expect(reply.status).toBe(500);
    expect(reply.body).toMatchObject({ success: false });
  });

  it('registers a tunnel only with the access token of a verify that carried the tunnel URL', async () => {
    const fake = await start();
    const tunnelUrl = 'https://abc-def.trycloudflare.com';
    const plain = await post(fake, '/verify', verifyBody(await challengeFor(fake)));
    const plainToken = (plain.body as { accessToken: string }).accessToken;
    expect(
      await post(fake, '/tunnel/register', { clientId: 'alpha', tunnelUrl, token: plainToken }),
    ).toEqual({ status: 401, body: AUTH_FAILED_BODY });

    const withTunnel = await post(
      fake,
      '/verify',
      verifyBody(await challengeFor(fake), { tunnelUrl }),
    );
    const accessToken = (withTunnel.body as { accessToken: string }).accessToken;
    expect(fake.accessTokens.get('alpha')).toEqual({ tunnelUrl, accessToken });

    expect((await post(fake, '/tunnel/register', { clientId: 'alpha', tunnelUrl })).status).toBe(
      400,
    );
    const otherUrl = {
      clientId: 'alpha',
      tunnelUrl: 'https://x.trycloudflare.com',
      token: accessToken,
    };
    expect((await post(fake, '/tunnel/register', otherUrl)).status).toBe(401);
    expect(fake.registeredTunnels.size).toBe(0);

    const reply = await post(fake, '/tunnel/register', {
      clientId: 'alpha',
      tunnelUrl,
      token: accessToken,
    });
    expect(reply).toEqual({
      status: 200,
      body: { success: true, data: { clientId: 'alpha', tunnelUrl, registeredAt: clock } },
    });
    expect(fake.registeredTunnels.get('alpha')).toEqual({ tunnelUrl, accessToken });
  });

  it('injects failures per path and records every request', async () => {
    const fake = await start();
    fake.failNext('/challenge', 503, 2);
    expect((await post(fake, '/challenge', { clientId: 'alpha' })).status).toBe(503);
    expect((await post(fake, '/challenge', { clientId: 'alpha' })).status).toBe(503);
    expect((await post(fake, '/challenge', { clientId: 'alpha' })).status).toBe(200);
    fake.dropNext('/health');
    await expect(call(fake.url, 'GET', '/health')).rejects.toThrow();
    expect(fake.requests.map((r) => [r.path, r.status])).toEqual([
      ['/challenge', 503],
      ['/challenge', 503],
      ['/challenge', 200],
      ['/health', undefined],
    ]);
    expect(fake.requests[0]?.body).toEqual({ clientId: 'alpha' });
  });
});
