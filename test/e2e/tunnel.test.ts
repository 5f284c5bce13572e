/**
 * The Cloudflare quick tunnel end to end: the daemon finds a fake `cloudflared` on PATH, reads its
 * URL, registers it with the fake auth worker, injects TUNNEL_URL, and guards requests arriving
 * through the tunnel. The fake forwards "internet" requests with cloudflared's headers.
 */
import { generateKeyPairSync } from 'node:crypto';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { join } from 'node:path';
import { afterEach, describe, expect, it, onTestFinished } from 'vitest';
import { startFakeAuthWorker, type FakeAuthWorker } from '../fakes/auth-worker.js';
import { childEnv } from '../helpers/child-env.js';
import { portRange, startDaemon, writeConfig } from '../helpers/daemon.js';
import { pidAlive } from '../helpers/lines.js';
import { fakeCloudflaredIn } from '../helpers/fake-cloudflared.js';
import { fixture } from '../helpers/paths.js';
import { tempDir } from '../helpers/temp-dir.js';
import { waitFor } from '../helpers/wait-for.js';

const workers: FakeAuthWorker[] = [];
afterEach(async () => {
  await Promise.all(workers.splice(0).map((w) => w.close()));
});

interface TunnelView {
  state: string;
  url: string | null;
  registered: boolean;
  restarts: number;
  pid?: number;
}

/** A GET through the fake cloudflared's local proxy, as a client on the internet would send it. */
function throughTunnel(
  proxyPort: number,
  path: string,
  token?: string,
): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: '127.0.0.1',
        port: proxyPort,
        path,
        headers: token === undefined ? {} : { authorization: `Bearer ${token}` },
        agent: false,
      },
      (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (c: string) => (body += c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      },
    );
    req.on('error', reject);
    req.end();
  });
}

describe('the Cloudflare quick tunnel', () => {
  it('runs cloudflared, registers its URL, injects TUNNEL_URL and guards tunnelled requests', async () => {
    const dir = tempDir();
    const cloudflared = fakeCloudflaredIn(dir);
    const keys = generateKeyPairSync('rsa', { modulusLength: 2048 });
    mkdirSync(join(dir, 'keys'));
    writeFileSync(
      join(dir, 'keys', 'tunnel.pem'),
      keys.privateKey.export({ type: 'pkcs8', format: 'pem' }),
      { mode: 0o600 },
    );
    const worker = await startFakeAuthWorker({
      clients: { 'tunnel-host': keys.publicKey.export({ type: 'spki', format: 'pem' }).toString() },
      secrets: { UNUSED: 'x' },
    });
    workers.push(worker);
    const daemon = await startDaemon(
      dir,
      writeConfig(
        dir,
        `
server: { port: 0, grpc_port: 0 }
tunnel:
  enabled: true
  worker_url: ${worker.url}
  client_id: tunnel-host
  private_key_path: keys/tunnel.pem
processes:
  - name: env
    binary_path: ${fixture('print-env.mjs')}
    port_range: ${portRange()}
    max_instances: 2
`,
      ),
      { env: cloudflared.env },
    );

    const tunnel = async () => (await daemon.api<TunnelView>('GET', '/api/v1/tunnel')).json;
    await waitFor(async () => {
      const t = await tunnel();
      return t.state === 'connected' && t.registered ? true : `tunnel is ${JSON.stringify(t)}`;
    });
    const first = await tunnel();
    expect(first.url).toMatch(/^https:\/\/[a-z0-9-]+\.trycloudflare\.com$/);
    const state = cloudflared.state();
    expect(state.url).toBe(first.url);
    expect(state.pid).toBe(first.pid);
    const registered = worker.registeredTunnels.get('tunnel-host')!;
    expect(registered.tunnelUrl).toBe(first.url);
    expect(JSON.stringify(await daemon.api('GET', '/api/v1/tunnel'))).not.toContain(
      registered.accessToken,
    );

    // Through the tunnel: open only with the access token (or an API key); /health stays open.
    expect(await throughTunnel(state.proxyPort, '/health')).toMatchObject({ status: 200 });
    const refused = await throughTunnel(state.proxyPort, '/api/v1/processes');
    expect(refused.status).toBe(401);
    expect(JSON.parse(refused.body)).toMatchObject({ code: 'unauthenticated' });
    expect(await throughTunnel(state.proxyPort, '/api/v1/processes', 'wrong-token')).toMatchObject({
      status: 401,
    });
    expect(
      await throughTunnel(state.proxyPort, '/api/v1/processes', registered.accessToken),
    ).toMatchObject({ status: 200 });
    // The same API on loopback without the tunnel's headers is unaffected.
    expect((await daemon.api('GET', '/api/v1/processes')).status).toBe(200);

    // An instance started once the URL is known gets it as TUNNEL_URL.
    expect((await daemon.cli(['scale', 'env', '2'])).code).toBe(0);
    const env = await childEnv(daemon, 'env', '1');
    expect(env['TUNNEL_URL']).toBe(first.url);

    // cloudflared dies: the URL and its token are forgotten; the restart brings a new URL.
    process.kill(state.pid, 'SIGKILL');
    await waitFor(async () => {
      const t = await tunnel();
      return t.registered && t.url !== first.url
        ? true
        : `waiting for a new URL: ${JSON.stringify(t)}`;
    });
    const second = await tunnel();
    expect(second.restarts).toBe(1);
    const next = cloudflared.state();
    const renewed = worker.registeredTunnels.get('tunnel-host')!;
    expect(renewed.tunnelUrl).toBe(second.url);
    expect(
      await throughTunnel(next.proxyPort, '/api/v1/processes', registered.accessToken),
    ).toMatchObject({ status: 401 });
    expect(
      await throughTunnel(next.proxyPort, '/api/v1/processes', renewed.accessToken),
    ).toMatchObject({ status: 200 });

    // The daemon's exit stops cloudflared too.
    daemon.child.kill('SIGTERM');
    expect(await daemon.exitCode).toBe(0);
    await waitFor(() => (pidAlive(next.pid) ? `cloudflared ${next.pid} still runs` : true));
  });

  it('stops the cloudflared a crashed daemon left behind', async () => {
    const dir = tempDir();
    const cloudflared = fakeCloudflaredIn(dir);
    const path = writeConfig(
      dir,
      'server: { port: 0, grpc_port: 0 }\ntunnel: { enabled: true }\nprocesses: []\n',
    );
    const env = cloudflared.env;
    const seen = new Set<number>();
    const cloudflaredPid = () => {
      const pid = cloudflared.state().pid;
      seen.add(pid);
      return pid;
    };
    onTestFinished(() => {
      for (const pid of seen) {
        try {
          process.kill(pid, 'SIGKILL'); // only if the test failed: the daemons stop them
        } catch {
          // gone, as it should be
        }
      }
    });

    const crashed = await startDaemon(dir, path, { env });
    await waitFor(async () => {
      const t = (await crashed.api<TunnelView>('GET', '/api/v1/tunnel')).json;
      return t.state === 'connected' ? true : `tunnel is ${t.state}`;
    });
    const leftover = cloudflaredPid();
    // The daemon records its cloudflared just after starting it: crash only once it has.
    await waitFor(() =>
      existsSync(join(dir, 'data', 'cloudflared.json')) ? true : 'cloudflared not recorded yet',
    );
    crashed.child.kill('SIGKILL');
    await crashed.exitCode;
    expect(pidAlive(leftover)).toBe(true);

    const next = await startDaemon(dir, path, { env });
    // The tunnel starts last in the daemon's start-up; a loaded machine (CI) needs more than 10 s.
    await waitFor(() => (pidAlive(leftover) ? `the leftover ${leftover} still runs` : true), {
      timeoutMs: 30_000,
    });
    await waitFor(async () => {
      const t = (await next.api<TunnelView>('GET', '/api/v1/tunnel')).json;
      return t.state === 'connected' && t.pid !== leftover ? true : `tunnel is ${t.state}`;
    });
    const replacement = cloudflaredPid();
    expect(replacement).not.toBe(leftover);
    expect(pidAlive(replacement)).toBe(true);
  });

  it('reaches an API served over HTTPS (server.tls) through the tunnel', async () => {
    const dir = tempDir();
    const cloudflared = fakeCloudflaredIn(dir);
    const key = 'tls-tunnel-key-0123456789';
    const daemon = await startDaemon(
      dir,
      writeConfig(
        dir,
        `server:\n  port: 0\n  grpc_port: 0\n  tls: { auto: true }\n  auth: { api_keys: [ { name: k, key: ${key}, role: viewer } ] }\ntunnel: { enabled: true }\nprocesses: []\n`,
      ),
      { env: cloudflared.env },
    );
    expect(daemon.url.startsWith('https://')).toBe(true);
    await waitFor(() => {
      try {
        return cloudflared.state().url ? true : 'no URL yet';
      } catch {
        return 'cloudflared has not started yet';
      }
    });
    const { proxyPort } = cloudflared.state();
    expect(await throughTunnel(proxyPort, '/api/v1/status', key)).toMatchObject({ status: 200 });
    expect(await throughTunnel(proxyPort, '/api/v1/status')).toMatchObject({ status: 401 });
  });
});
