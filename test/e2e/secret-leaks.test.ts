/**
 * No secret reaches a log line, an event, an API answer, `config print` or an error message.
 * Distinctive values are planted everywhere a secret can come from (a local .env, the auth
 * worker, the config's env, API and webhook keys, the private key, the tunnel's tokens); the test
 * drives start, restart, scaling, crashes, a failing hook, every GET route and the CLI, then scans
 * every answer and every file the daemon wrote.
 */
import { generateKeyPairSync } from 'node:crypto';
import { mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it, onTestFinished } from 'vitest';
import type { App } from '../../src/app/index.js';
import { restRoutes } from '../../src/api/rest/rest-api.js';
import { webhookSignature } from '../../src/services/updates/index.js';
import { startFakeAuthWorker, type FakeAuthWorker } from '../fakes/auth-worker.js';
import { startFakeGithub } from '../fakes/github.js';
import { publishEcho } from '../helpers/echo-releases.js';
import { portRange, startDaemon, writeConfig } from '../helpers/daemon.js';
import { fakeCloudflaredIn } from '../helpers/fake-cloudflared.js';
import { fixture } from '../helpers/paths.js';
import { tempDir } from '../helpers/temp-dir.js';
import { waitFor } from '../helpers/wait-for.js';

const workers: FakeAuthWorker[] = [];
afterEach(async () => {
  await Promise.all(workers.splice(0).map((w) => w.close()));
});

const API_KEY = 'leak-apikey-9d4c7b2e1f0a';
const LEAK_REPO = 'acme/leak';
const PLANTED = {
  dotenv: 'leak-dotenv-7c1e9f0b',
  dotenvQuoted: 'leak-dotenv-pa$$-"q"-8a2d',
  worker: 'leak-worker-3b8d2a6c',
  workerOther: 'leak-worker-unlisted-4e5f',
  github: 'leak-ghp-token-1a2b3c',
  configEnv: 'leak-config-5e2f1a7d',
  webhook: 'leak-webhook-6d7e8f9a',
  apiKey: API_KEY,
};

function filesUnder(dir: string): string[] {
  let out: string[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) out = out.concat(filesUnder(path));
    else if (entry.isFile() || entry.isFIFO() === false) out.push(path);
  }
  return out;
}

describe('secrets never leak', () => {
  it('keeps every planted secret out of logs, events, API answers, CLI output and errors', async () => {
    const dir = tempDir();
    const cloudflared = fakeCloudflaredIn(dir);
    const keys = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const privatePem = keys.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
    mkdirSync(join(dir, 'keys'));
    writeFileSync(join(dir, 'keys', 'client.pem'), privatePem, { mode: 0o600 });
    const worker = await startFakeAuthWorker({
      clients: { leaky: keys.publicKey.export({ type: 'spki', format: 'pem' }).toString() },
      secrets: {
        LEAK_WORKER: PLANTED.worker,
        LEAK_UNLISTED: PLANTED.workerOther,
        GITHUB_TOKEN: PLANTED.github,
      },
    });
    workers.push(worker);
    // A private repository: every GitHub call carries the token.
    const github = await startFakeGithub();
    onTestFinished(() => github.close());
    github.setPrivate(LEAK_REPO, PLANTED.github);
    await publishEcho(github, LEAK_REPO, 'v1');
    mkdirSync(join(dir, 'data'));
    writeFileSync(
      join(dir, 'data', 'svc.env'),
      `LEAK_DOTENV=${PLANTED.dotenv}\nLEAK_QUOTED='${PLANTED.dotenvQuoted}'\n`,
      { mode: 0o600 },
    );
    writeFileSync(join(dir, 'data', 'broken.env'), `LEAK_DOTENV=${PLANTED.dotenv}\n`);
    const range = portRange();
    const httpService = (name: string, extra: string) => `
  - name: ${name}
    binary_path: ${fixture('http-service.mjs')}
    port_range: ${range}
    health_check: { type: http, endpoint: /health, interval: 200ms, start_period: 100ms }
${extra}`;
    const configText = `
server:
  port: 0
  grpc_port: 0
  auth:
    api_keys: [ { name: ops, key: ${API_KEY}, role: admin } ]
secrets:
  cloudflare:
    worker_url: ${worker.url}
    client_id: leaky
    private_key_path: keys/client.pem
github:
  api_url: ${github.apiUrl}
  token: ${PLANTED.github}
  update_mode:
    webhook: { secret: ${PLANTED.webhook} }
tunnel: { enabled: true }
processes:
${httpService('svc', `    max_instances: 3\n    repository: ${LEAK_REPO}\n    env: { DB_PASSWORD: ${PLANTED.configEnv}, LEAK_TOKEN: ${PLANTED.configEnv} }`)}
${httpService('cf', '    secrets: { source: cloudflare }\n    secrets_keys: [LEAK_WORKER]')}
  - name: broken
    binary_path: ${fixture('crash-after.mjs')}
    port_range: ${range}
    env: { CRASH_AFTER_MS: "50", API_SECRET: ${PLANTED.configEnv} }
    restart: { max_restarts: 1, backoff: { initial: 50ms } }
  - name: strict
    binary_path: ${fixture('http-service.mjs')}
    port_range: ${range}
    secrets: { source: local }
    restart: { max_restarts: 0 }
`;
    const daemon = await startDaemon(dir, writeConfig(dir, configText), {
      env: cloudflared.env,
    });
    const seen: Array<{ where: string; text: string }> = [];
    const call = async (method: string, path: string, body?: unknown) => {
      const response = await fetch(`${daemon.url}${path}`, {
        method,
        headers: {
          authorization: `Bearer ${API_KEY}`,
          ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      });
      const text = await response.text();
      seen.push({ where: `${method} ${path} -> ${response.status}`, text });
      return { status: response.status, text };
    };
    const cli = async (...args: string[]) => {
      const result = await daemon.cli(args, { GOWINPROC_API_KEY: API_KEY });
      seen.push({
        where: `gowinproc ${args.join(' ')}`,
        text: `${result.stdout}\n${result.stderr}`,
      });
      return result;
    };

    // Start, crash, a failing hook, and the tunnel registration.
    await waitFor(async () => {
      const t = JSON.parse((await call('GET', '/api/v1/tunnel')).text) as { registered: boolean };
      return t.registered ? true : 'tunnel not registered yet';
    });
    await waitFor(async () => {
      const broken = JSON.parse((await call('GET', '/api/v1/processes/broken')).text) as {
        instances: Array<{ status: string }>;
      };
      return broken.instances.some((i) => i.status === 'failed')
        ? true
        : 'broken has not failed yet';
    });
    // Restart, scale, stop and start with secrets in play; requests that fail.
    expect((await cli('restart', 'svc')).code).toBe(0);
    expect((await cli('scale', 'svc', '2')).code).toBe(0);
    expect((await cli('restart', 'cf')).code).toBe(0);
    await cli('restart', 'broken');
    await cli('start', 'strict');
    await call('POST', '/api/v1/processes/svc/scale', { instances: 99 });
    await call('POST', '/api/v1/processes/svc/scale', { instances: 'x' });
    await call('GET', '/api/v1/processes/nope');

    // Every GET route, for every process.
    const names = ['svc', 'cf', 'broken', 'strict'];
    const routeApp = { updates: { webhookSettings: () => ({ path: '/webhook/github' }) } };
    const gets = restRoutes(routeApp as unknown as App).filter((r) => r.method === 'get');
    expect(gets.length).toBeGreaterThan(5);
    for (const route of gets) {
      const paths = route.path.includes(':name')
        ? names.map((n) => route.path.replace(':name', n))
        : [route.path];
      for (const path of paths) {
        if (path.endsWith('/logs')) await call('GET', `${path}?tail=1000`);
        else if (!path.includes('/events')) await call('GET', path);
      }
    }
    // Hot deploys with the token and the webhook secret in play: lookups, a refused update, a
    // forged and a signed webhook (for a tag that does not exist, so svc keeps its binary).
    await call('POST', '/api/v1/processes/svc/update', { version: 'v404' });
    const forged = JSON.stringify({ ref: 'refs/tags/v404', repository: { full_name: LEAK_REPO } });
    for (const signature of ['sha256=00', webhookSignature(forged, PLANTED.webhook)]) {
      const response = await fetch(`${daemon.url}/webhook/github`, {
        method: 'POST',
        body: forged,
        headers: { 'x-github-event': 'push', 'x-hub-signature-256': signature },
      });
      seen.push({ where: `webhook -> ${response.status}`, text: await response.text() });
    }
    await cli('versions', 'svc');
    await cli('updates');
    expect(
      github.requests.some((r) => r.headers.authorization === `Bearer ${PLANTED.github}`),
    ).toBe(true);

    // The CLI's views.
    await cli('status', '--json');
    for (const name of names) {
      await cli('describe', name, '--json');
      await cli('logs', name, '--tail', '1000');
    }
    await cli('config', 'print', join(dir, 'config.yaml'));
    await cli('config', 'print', '--json', join(dir, 'config.yaml'));

    // The secrets did reach the children (the scan would be vacuous otherwise).
    const svcPort = (
      JSON.parse((await call('GET', '/api/v1/processes/svc')).text) as {
        instances: Array<{ port: number }>;
      }
    ).instances[0]!.port;
    const childEnv = (await (await fetch(`http://127.0.0.1:${svcPort}/env`)).json()) as Record<
      string,
      string
    >;
    expect(childEnv).toMatchObject({
      LEAK_DOTENV: PLANTED.dotenv,
      LEAK_QUOTED: PLANTED.dotenvQuoted,
      DB_PASSWORD: PLANTED.configEnv,
    });
    expect(readFileSync(join(dir, 'data', 'cf.env'), 'utf8')).toContain(PLANTED.worker);

    daemon.child.kill('SIGTERM');
    expect(await daemon.exitCode).toBe(0);
    seen.push({ where: 'daemon console', text: daemon.output.join('\n') });
    for (const file of [...filesUnder(join(dir, 'logs')), ...filesUnder(join(dir, 'data'))]) {
      if (file.endsWith('.env') || !statSync(file).isFile()) continue; // the .env files hold them by design
      seen.push({ where: file, text: readFileSync(file, 'utf8') });
    }
    expect(seen.some((s) => s.where.endsWith('gowinproc.log'))).toBe(true);
    expect(seen.some((s) => /logs\/svc\//.test(s.where))).toBe(true);

    const registered = worker.registeredTunnels.get('leaky')!;
    const forbidden = {
      ...PLANTED,
      accessToken: registered.accessToken,
      jwt: worker.tokens[0]!,
      privateKey: privatePem.split('\n')[1]!,
    };
    // As written, and as JSON or a log line would escape it ("q" -> \"q\").
    const forms = (value: string) => [value, JSON.stringify(value).slice(1, -1)];
    const leaks = seen.flatMap(({ where, text }) =>
      Object.entries(forbidden)
        .filter(([, value]) => forms(value).some((form) => text.includes(form)))
        .map(([name]) => `${name} in ${where}`),
    );
    expect(leaks).toEqual([]);
  });
});
