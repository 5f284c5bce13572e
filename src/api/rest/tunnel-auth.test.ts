/**
 * Requests through the Cloudflare tunnel arrive from cloudflared on loopback but come from the
 * internet: they need the tunnel's access token or an API key, even when the API is otherwise open.
 */
import { createHash } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { configFromYaml } from '../../../test/helpers/config.js';
import { tempDir } from '../../../test/helpers/temp-dir.js';
import { createApp } from '../../app/index.js';
import { FakeProcessDriver, PortAllocator, Supervisor } from '../../core/index.js';
import { systemClock } from '../../shared/index.js';
import { AuthPolicy } from '../auth/index.js';
import { buildRestApi } from './rest-api.js';

const TOKEN = 'tunnel-access-token-AAAAAAAAAAAAAAAAAAAAAAAAAAA=';
const TUNNEL_HOST = 'quiet-river-blue-fox.trycloudflare.com';
const THROUGH_TUNNEL = {
  'cf-connecting-ip': '203.0.113.7',
  'cloudflare-cdn-loop': 'cloudflare; loops=1',
  host: TUNNEL_HOST,
};

const supervisors: Supervisor[] = [];
afterEach(async () => {
  await Promise.all(supervisors.splice(0).map((s) => s.shutdown()));
});

async function setup(authYaml = '', token: string | undefined = TOKEN) {
  const config = configFromYaml(
    tempDir(),
    `${authYaml}\nprocesses:\n  - name: web\n    binary_path: /bin/web\n    instances: 0\n`,
  );
  const supervisor = new Supervisor({
    config,
    driver: new FakeProcessDriver(),
    ports: new PortAllocator(() => Promise.resolve(true)),
    platform: 'linux',
    daemonEnv: {},
  });
  supervisors.push(supervisor);
  await supervisor.start();
  const app = createApp({
    supervisor,
    clock: systemClock,
    startedAt: 0,
    version: 't',
    control: { reload: () => Promise.reject(new Error('none')), shutdown: () => undefined },
  });
  let current: string | undefined = token;
  const api = buildRestApi({
    app,
    auth: new AuthPolicy(config.server, { accessToken: () => current }),
    browser: { origins: [], loopbackOnly: true, tunnelHost: () => TUNNEL_HOST },
  });
  const call = async (method: string, path: string, headers: Record<string, string> = {}) => {
    const response = await api.handle({ method, url: path, headers, body: '' });
    if (!('body' in response)) throw new Error('stream');
    return { status: response.status, json: JSON.parse(response.body) as Record<string, unknown> };
  };
  return { call, forgetToken: () => (current = undefined) };
}

describe('requests through the tunnel', () => {
  it('are refused without a credential even though the API is open on loopback', async () => {
    const { call } = await setup();
    expect(await call('GET', '/api/v1/processes')).toMatchObject({ status: 200 });
    const refused = await call('GET', '/api/v1/processes', THROUGH_TUNNEL);
    expect(refused).toMatchObject({ status: 401, json: { code: 'unauthenticated' } });
    expect(String(refused.json['error'])).toContain('tunnel access token');
    // Either header alone marks a tunnelled request.
    for (const header of ['cf-connecting-ip', 'cloudflare-cdn-loop'] as const) {
      expect(
        await call('GET', '/api/v1/processes', { [header]: THROUGH_TUNNEL[header] }),
      ).toMatchObject({ status: 401 });
    }
  });

  it('are accepted with the tunnel access token, as an operator', async () => {
    const { call } = await setup();
    const auth = { ...THROUGH_TUNNEL, authorization: `Bearer ${TOKEN}` };
    expect(await call('GET', '/api/v1/processes', auth)).toMatchObject({ status: 200 });
    expect(await call('POST', '/api/v1/processes/web/start', auth)).not.toMatchObject({
      status: 403,
    });
    expect(await call('POST', '/shutdown', auth)).toMatchObject({
      status: 403,
      json: { code: 'forbidden' },
    });
  });

  it('refuse a wrong token, a token of another length, and any token once it is forgotten', async () => {
    const { call, forgetToken } = await setup();
    for (const wrong of [TOKEN.replace('A', 'B'), 'short', `${TOKEN}x`]) {
      expect(
        await call('GET', '/api/v1/processes', {
          ...THROUGH_TUNNEL,
          authorization: `Bearer ${wrong}`,
        }),
      ).toMatchObject({ status: 401 });
    }
    forgetToken(); // cloudflared restarted: the old URL's token is void
    expect(
      await call('GET', '/api/v1/processes', {
        ...THROUGH_TUNNEL,
        authorization: `Bearer ${TOKEN}`,
      }),
    ).toMatchObject({ status: 401 });
  });

  it('accept an API key with its own role', async () => {
    const key = 'viewer-key-0123456789abcd';
    const digest = createHash('sha256').update(key).digest('hex');
    const { call } = await setup(
      `server:\n  auth:\n    api_keys:\n      - { name: dash, key_sha256: ${digest}, role: viewer }\n`,
    );
    const auth = { ...THROUGH_TUNNEL, authorization: `Bearer ${key}` };
    expect(await call('GET', '/api/v1/processes', auth)).toMatchObject({ status: 200 });
    expect(await call('POST', '/api/v1/processes/web/start', auth)).toMatchObject({
      status: 403,
    });
    expect(
      await call('GET', '/api/v1/processes', { ...THROUGH_TUNNEL, 'x-api-key': key }),
    ).toMatchObject({ status: 200 });
  });

  it('leave GET /health open', async () => {
    const { call } = await setup('', undefined);
    expect(await call('GET', '/health', THROUGH_TUNNEL)).toMatchObject({ status: 200 });
  });

  it('accept the tunnel host name as Host, and no other public name', async () => {
    const { call } = await setup();
    expect(
      await call('GET', '/api/v1/processes', {
        host: 'evil.example',
        authorization: `Bearer ${TOKEN}`,
      }),
    ).toMatchObject({ status: 403 });
    expect(
      await call('GET', '/api/v1/processes', {
        ...THROUGH_TUNNEL,
        host: TUNNEL_HOST.toUpperCase(),
        origin: `https://${TUNNEL_HOST.toUpperCase()}`,
        authorization: `Bearer ${TOKEN}`,
      }),
    ).toMatchObject({ status: 200 });
  });
});

describe('GET /api/v1/tunnel', () => {
  it('says the tunnel is disabled when the daemon runs none', async () => {
    const { call } = await setup();
    expect(await call('GET', '/api/v1/tunnel')).toMatchObject({
      status: 200,
      json: { enabled: false, state: 'disabled', url: null, registered: false },
    });
  });
});
