/**
 * The webhook routes through the Router (and, for raw bytes and body limits, over a socket):
 * GitHub deliveries signed in the test over GitHub's published example payloads, the Cloudflare
 * worker's call with a signature or an API credential. `app.updates` is a recording stub.
 */
import { request as httpRequest } from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { configFromYaml } from '../../../../test/helpers/config.js';
import { fakeApp } from '../../../../test/helpers/fake-app.js';
import { tempDir } from '../../../../test/helpers/temp-dir.js';
import { githubExample } from '../../../../test/helpers/webhook-examples.js';
import { webhookSignature } from '../../../services/updates/webhook/index.js';
import { AuthPolicy } from '../../auth/index.js';
import { listen, MAX_BODY_BYTES, type RunningServer } from '../node-adapter.js';
import { route } from '../route.js';
import { Router, type RestResponse } from '../router.js';
import {
  WEBHOOK_MAX_BODY_BYTES,
  webhookRoutes,
  type WebhookTriggeredUpdate,
  type WebhookUpdates,
} from './webhook-routes.js';

const SECRET = 'local-webhook-secret';
const OPERATOR_KEY = 'webhook-operator-key-0123456789';
const VIEWER_KEY = 'webhook-viewer-key-0123456789';
// cloudflare.md §4's test vector.
const VECTOR_BODY = '{"ref":"refs/tags/v1.2.3","repository":{"full_name":"owner/repo"}}';
const VECTOR_SIGNATURE = 'sha256=34061b4b68d25e9ca14ca7f13ede10d6c5af9e297371a515c4d02c598024e65f';

const example = githubExample;

const servers: RunningServer[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

interface Setup {
  auth?: boolean;
  enabled?: boolean;
  secret?: string | undefined;
  path?: string;
}

async function setup(options: Setup = {}) {
  const keys = `server:\n  auth:\n    api_keys:\n      - { name: op, key: ${OPERATOR_KEY}, role: operator }\n      - { name: view, key: ${VIEWER_KEY}, role: viewer }\n`;
  const config = configFromYaml(
    tempDir(),
    `${options.auth === false ? '' : keys}processes:\n  - name: web\n    binary_path: /bin/web\n    instances: 0\n    min_instances: 0\n`,
  );
  const { app } = await fakeApp(config);
  const settings = {
    enabled: options.enabled ?? true,
    secret: 'secret' in options ? options.secret : SECRET,
    path: options.path ?? '/webhook/github',
  };
  const calls: Array<[string, unknown, unknown?]> = [];
  let triggered: WebhookTriggeredUpdate[] = [
    { process: 'web', version: 'v1.2.3', update_id: 'upd-1' },
  ];
  const updates: WebhookUpdates = {
    webhookSettings: () => settings,
    triggerRelease: (input) => {
      calls.push(['triggerRelease', input]);
      return Promise.resolve(triggered);
    },
    update: (name, opts) => {
      calls.push(['update', name, opts]);
      return Promise.resolve({ process: name, update_id: 'upd-2', target_version: 'v9' });
    },
    rollback: (name, opts) => {
      calls.push(['rollback', name, opts]);
      return Promise.resolve({ process: name, rollback_id: 'rb-1', to_version: 'v1' });
    },
  };
  const routes = [
    ...webhookRoutes({ processes: app.processes, updates }),
    // An ordinary route beside them: it keeps the 1 MiB body limit.
    route({
      method: 'post',
      path: '/echo',
      summary: 'echo',
      role: 'public',
      body: z.object({ pad: z.string() }),
      handler: () => ({ ok: true }),
    }),
  ];
  const router = new Router(routes, new AuthPolicy(config.server));
  const answers: string[] = [];
  const post = async (
    url: string,
    body: string,
    headers: Record<string, string> = {},
  ): Promise<{ status: number; body: Record<string, unknown> }> => {
    const response: RestResponse = await router.handle({
      method: 'POST',
      url,
      headers: { host: '127.0.0.1', 'content-type': 'application/json', ...headers },
      body,
      remoteAddress: '127.0.0.1',
    });
    if (!('body' in response)) throw new Error('a stream');
    answers.push(response.body);
    return { status: response.status, body: JSON.parse(response.body) as Record<string, unknown> };
  };
  const github = (event: string, body: string, signature = webhookSignature(body, SECRET)) =>
    post(settings.path, body, { 'x-github-event': event, 'x-hub-signature-256': signature });
  const cloudflare = (payload: unknown, headers: Record<string, string> = {}) =>
    post('/webhook/cloudflare', JSON.stringify(payload), headers);
  return {
    router,
    calls,
    settings,
    answers,
    post,
    github,
    cloudflare,
    answer: (list: WebhookTriggeredUpdate[]) => (triggered = list),
  };
}

describe('POST /webhook/github', () => {
  it("starts the updates of the spec's test vector (a pushed tag) and answers 202 with them", async () => {
    const { post, calls } = await setup();
    const answer = await post('/webhook/github', VECTOR_BODY, {
      'x-github-event': 'push',
      'x-hub-signature-256': VECTOR_SIGNATURE,
    });
    expect(answer).toEqual({
      status: 202,
      body: {
        message: 'updates started',
        updates: [{ process: 'web', version: 'v1.2.3', update_id: 'upd-1' }],
      },
    });
    expect(calls).toEqual([
      [
        'triggerRelease',
        { repository: 'owner/repo', tag: 'v1.2.3', prerelease: false, source: 'webhook' },
      ],
    ]);
  });

  it('answers 401 and does nothing for a missing or wrong signature, before reading the body', async () => {
    const { github, post, calls } = await setup();
    for (const signature of ['', 'sha256=00', webhookSignature(VECTOR_BODY, 'wrong-secret')])
      expect(await github('push', VECTOR_BODY, signature)).toMatchObject({
        status: 401,
        body: { code: 'unauthenticated' },
      });
    expect(await post('/webhook/github', VECTOR_BODY, { 'x-github-event': 'push' })).toMatchObject({
      status: 401,
    });
    // Not JSON, unsigned: 401 (the signature is checked first), not 400.
    expect(await github('push', '{not json', 'sha256=00')).toMatchObject({ status: 401 });
    expect(calls).toEqual([]);
    // Signed but not JSON: now the body is read.
    expect(await github('push', '{not json')).toMatchObject({
      status: 400,
      body: { code: 'invalid_argument', error: 'invalid request: the body is not valid JSON' },
    });
  });

  it('is 404 while disabled and 401 without a secret, signature or not; the secret is never shown', async () => {
    const disabled = await setup({ enabled: false });
    expect(await disabled.github('push', VECTOR_BODY)).toEqual({
      status: 404,
      body: {
        code: 'not_found',
        error: 'the webhook is disabled (github.update_mode.webhook.enabled: false)',
      },
    });
    const unset = await setup({ secret: undefined });
    expect(await unset.github('push', VECTOR_BODY)).toMatchObject({
      status: 401,
      body: { error: expect.stringContaining('no webhook secret is configured') },
    });
    const empty = await setup({ secret: '' });
    expect(
      await empty.github('push', VECTOR_BODY, webhookSignature(VECTOR_BODY, '')),
    ).toMatchObject({ status: 401 });
    expect([...disabled.calls, ...unset.calls, ...empty.calls]).toEqual([]);
    const normal = await setup();
    await normal.github('push', VECTOR_BODY, 'sha256=00');
    await normal.github('push', VECTOR_BODY);
    for (const answer of [...disabled.answers, ...unset.answers, ...normal.answers])
      expect(answer).not.toContain(SECRET);
  });

  it("follows GitHub's example payloads: releases, tags, ping, and what it ignores", async () => {
    const { github, calls } = await setup();
    const run = (event: string, payload: unknown) => github(event, JSON.stringify(payload));
    const released = example('release', (p) => p['action'] === 'released');
    expect(await run('release', released)).toMatchObject({ status: 202 });
    expect(calls.at(-1)).toEqual([
      'triggerRelease',
      { repository: 'Codertocat/Hello-World', tag: '0.0.1', prerelease: false, source: 'webhook' },
    ]);
    const published = structuredClone(example('release', (p) => p['action'] === 'published'));
    (published['release'] as Record<string, unknown>)['prerelease'] = true;
    expect(await run('release', published)).toMatchObject({ status: 202 });
    expect(calls.at(-1)).toMatchObject(['triggerRelease', { prerelease: true }]);
    expect(
      await run(
        'create',
        example('create', () => true),
      ),
    ).toMatchObject({ status: 202 });
    expect(calls.at(-1)).toMatchObject(['triggerRelease', { tag: 'simple-tag' }]);
    expect(calls).toHaveLength(3);

    expect(
      await run(
        'ping',
        example('ping', () => true),
      ),
    ).toEqual({
      status: 200,
      body: { message: 'pong' },
    });
    expect(
      await run(
        'release',
        example('release', (p) => p['action'] === 'prereleased'),
      ),
    ).toEqual({
      status: 200,
      body: {
        message: 'ignored',
        reason:
          'release action "prereleased" does not trigger updates (only published and released)',
      },
    });
    expect(
      await run(
        'push',
        example('push', (p) => p['ref'] === 'refs/heads/master'),
      ),
    ).toEqual({
      status: 200,
      body: { message: 'ignored', reason: 'push of refs/heads/master is not a tag' },
    });
    expect(
      await run(
        'issues',
        example('issues', () => true),
      ),
    ).toMatchObject({
      status: 200,
      body: { message: 'ignored' },
    });
    expect(calls).toHaveLength(3);
  });

  it('answers 200 ignored when no process follows the repository, or every one skipped', async () => {
    const { github, answer } = await setup();
    answer([]);
    expect(await github('push', VECTOR_BODY)).toEqual({
      status: 200,
      body: { message: 'ignored', reason: 'no process has the repository owner/repo', updates: [] },
    });
    const skipped = [{ process: 'web', version: 'v1.2.3', skipped: 'already at v1.2.3' }];
    answer(skipped);
    expect(await github('push', VECTOR_BODY)).toEqual({
      status: 200,
      body: {
        message: 'ignored',
        reason: 'no update started: web: already at v1.2.3',
        updates: skipped,
      },
    });
    const mixed = [...skipped, { process: 'api', version: 'v1.2.3', update_id: 'upd-9' }];
    answer(mixed);
    expect(await github('push', VECTOR_BODY)).toEqual({
      status: 202,
      body: { message: 'updates started', updates: mixed },
    });
  });

  it('takes the form-encoded payload GitHub sends when the hook is set to that content type', async () => {
    const { post, calls } = await setup();
    const form = `payload=${encodeURIComponent(VECTOR_BODY)}`;
    const headers = {
      'x-github-event': 'push',
      'x-hub-signature-256': webhookSignature(form, SECRET),
      'content-type': 'application/x-www-form-urlencoded',
    };
    expect(await post('/webhook/github', form, headers)).toMatchObject({ status: 202 });
    expect(calls).toHaveLength(1);
    const noPayload = 'other=1';
    expect(
      await post('/webhook/github', noPayload, {
        ...headers,
        'x-hub-signature-256': webhookSignature(noPayload, SECRET),
      }),
    ).toMatchObject({ status: 400, body: { code: 'invalid_argument' } });
  });

  it('listens on the configured path', async () => {
    const { github, post } = await setup({ path: '/hooks/gh' });
    expect(await github('push', VECTOR_BODY)).toMatchObject({ status: 202 });
    expect(
      await post('/webhook/github', VECTOR_BODY, {
        'x-github-event': 'push',
        'x-hub-signature-256': VECTOR_SIGNATURE,
      }),
    ).toMatchObject({ status: 404 });
  });
});

describe('POST /webhook/cloudflare', () => {
  const updateCall = {
    process_name: 'web',
    repository: 'owner/repo',
    version: 'v9',
    action: 'update',
  };
  const signed = (payload: unknown) => ({
    'x-hub-signature-256': webhookSignature(JSON.stringify(payload), SECRET),
  });

  it('updates or rolls back the named process with a valid signature, answering 202', async () => {
    const { cloudflare, calls } = await setup();
    expect(await cloudflare(updateCall, signed(updateCall))).toEqual({
      status: 202,
      body: { message: 'update triggered', process: 'web', version: 'v9', update_id: 'upd-2' },
    });
    const rollback = { process_name: 'web', action: 'rollback' };
    expect(await cloudflare(rollback, signed(rollback))).toEqual({
      status: 202,
      body: { message: 'rollback triggered', process: 'web', version: 'v1', update_id: 'rb-1' },
    });
    expect(calls).toEqual([
      ['update', 'web', { version: 'v9' }],
      ['rollback', 'web', {}],
    ]);
  });

  it('answers 400 for an unknown action or a bad body, 404 for an unknown process', async () => {
    const { cloudflare, post, calls } = await setup();
    const deploy = { ...updateCall, action: 'deploy' };
    expect(await cloudflare(deploy, signed(deploy))).toMatchObject({
      status: 400,
      body: { code: 'invalid_argument', error: expect.stringContaining('action') },
    });
    const unknown = { ...updateCall, process_name: 'nope' };
    expect(await cloudflare(unknown, signed(unknown))).toMatchObject({
      status: 404,
      body: { code: 'process_not_found' },
    });
    expect(
      await post('/webhook/cloudflare', '[', {
        'x-hub-signature-256': webhookSignature('[', SECRET),
      }),
    ).toMatchObject({ status: 400 });
    expect(calls).toEqual([]);
  });

  it('takes an operator credential instead of a signature; refuses viewers and strangers', async () => {
    const { cloudflare, calls } = await setup();
    expect(await cloudflare(updateCall, { 'x-api-key': OPERATOR_KEY })).toMatchObject({
      status: 202,
    });
    expect(
      await cloudflare(updateCall, {
        authorization: `Bearer ${OPERATOR_KEY}`,
        'x-hub-signature-256': 'sha256=00', // a wrong signature does not spoil a good credential
      }),
    ).toMatchObject({ status: 202 });
    expect(calls).toHaveLength(2);
    expect(await cloudflare(updateCall, { 'x-api-key': VIEWER_KEY })).toMatchObject({
      status: 403,
      body: { code: 'forbidden' },
    });
    expect(await cloudflare(updateCall)).toMatchObject({
      status: 401,
      body: {
        code: 'unauthenticated',
        error: expect.stringContaining('no X-Hub-Signature-256 header, and no operator credential'),
      },
    });
    expect(
      await cloudflare(updateCall, { 'x-hub-signature-256': webhookSignature('{}', SECRET) }),
    ).toMatchObject({
      status: 401,
      body: { error: expect.stringContaining('does not match the body') },
    });
    expect(calls).toHaveLength(2);
  });

  it('does not take a signature while the webhook is disabled or has no secret', async () => {
    for (const options of [{ enabled: false }, { secret: undefined }] as Setup[]) {
      const { cloudflare, calls } = await setup(options);
      expect(await cloudflare(updateCall, signed(updateCall))).toMatchObject({
        status: 401,
        body: { error: expect.stringContaining('the webhook is disabled or has no secret') },
      });
      expect(await cloudflare(updateCall, { 'x-api-key': OPERATOR_KEY })).toMatchObject({
        status: 202,
      });
      expect(calls).toHaveLength(1);
    }
  });

  it('without server.auth: open on loopback like every route, but not through the tunnel', async () => {
    const { cloudflare, calls } = await setup({ auth: false });
    expect(await cloudflare(updateCall)).toMatchObject({ status: 202 });
    expect(await cloudflare(updateCall, { 'cf-connecting-ip': '203.0.113.9' })).toMatchObject({
      status: 401,
    });
    expect(
      await cloudflare(updateCall, { 'cf-connecting-ip': '203.0.113.9', ...signed(updateCall) }),
    ).toMatchObject({ status: 202 });
    expect(calls).toHaveLength(2);
  });
});

describe('the webhook routes over a socket', () => {
  async function serve() {
    const context = await setup();
    const server = await listen(context.router, {
      host: '127.0.0.1',
      port: 0,
      requestTimeoutMs: 10_000,
    });
    servers.push(server);
    return { ...context, port: server.port };
  }

  function send(
    port: number,
    path: string,
    body: Buffer,
    headers: Record<string, string>,
  ): Promise<{ status: number; body: string }> {
    return new Promise((resolve, reject) => {
      const req = httpRequest({ host: '127.0.0.1', port, path, method: 'POST', headers }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () =>
          resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString() }),
        );
      });
      // The server may answer 413 and close before it has read everything.
      req.on('error', reject);
      req.end(body);
    });
  }

  it('checks the signature over the bytes as sent (not UTF-8), and takes bodies up to 25 MiB', async () => {
    const { port, calls } = await serve();
    const notUtf8 = Buffer.concat([
      Buffer.from('{"ref":"refs/tags/v2","note":"'),
      Buffer.from([0xff, 0xfe]),
      Buffer.from('","repository":{"full_name":"owner/repo"}}'),
    ]);
    const signedHeaders = (body: Buffer) => ({
      'x-github-event': 'push',
      'x-hub-signature-256': webhookSignature(body, SECRET),
    });
    const answer = await send(port, '/webhook/github', notUtf8, signedHeaders(notUtf8));
    expect(answer.status, answer.body).toBe(202);
    expect(calls.at(-1)).toMatchObject(['triggerRelease', { tag: 'v2' }]);

    // 5 MiB: over the other routes' limit, within the webhooks'.
    const large = Buffer.from(
      JSON.stringify({
        ref: 'refs/tags/v3',
        repository: { full_name: 'owner/repo' },
        pad: 'x'.repeat(5 * 1024 * 1024),
      }),
    );
    expect((await send(port, '/webhook/github', large, signedHeaders(large))).status).toBe(202);
    expect(calls).toHaveLength(2);
    const echo = await send(port, '/echo', large, { 'content-type': 'application/json' });
    expect(echo.status).toBe(413);
    expect(JSON.parse(echo.body)).toMatchObject({
      code: 'payload_too_large',
      error: `the request body is larger than ${MAX_BODY_BYTES} bytes`,
    });

    const tooLarge = Buffer.alloc(WEBHOOK_MAX_BODY_BYTES + 1, 0x20);
    const refused = await send(port, '/webhook/github', tooLarge, signedHeaders(tooLarge));
    expect(refused.status).toBe(413);
    expect(JSON.parse(refused.body)).toMatchObject({
      error: `the request body is larger than ${WEBHOOK_MAX_BODY_BYTES} bytes`,
    });
    expect(calls).toHaveLength(2);
  });
});
