/**
 * Hot deploys end to end through the real daemon: releases published on the fake GitHub reach
 * every instance of the echo fixture behind the daemon's own load balancer, with callers
 * calling all along and not one call failing; by REST (one process, all processes, rollback), by
 * the poller (auto_update, from GitHub or from the Cloudflare webhook worker). Every bad release —
 * one that fails health, one that crash-loops, a wrong checksum, an archive escaping its
 * directory, a tag that does not exist — leaves the running version serving. Each reply says which
 * release served it (served_by = `<instance>@<version>`).
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it, onTestFinished } from 'vitest';
import { startFakeGithub, type FakeGithub } from '../fakes/github.js';
import { startFakeWebhookWorker } from '../fakes/webhook-worker.js';
import { startDaemon, writeConfig, type DaemonProcess } from '../helpers/daemon.js';
import { closedLoop, echoClient, unary, type LoadResult } from '../helpers/echo-client.js';
import { ECHO_REPO, echoProcessYaml, publishEcho } from '../helpers/echo-releases.js';
import { eventStream, type StreamedEvent } from '../helpers/event-stream.js';
import { fixture } from '../helpers/paths.js';
import { tempDir } from '../helpers/temp-dir.js';
import { waitFor } from '../helpers/wait-for.js';
import { githubExample, retarget } from '../helpers/webhook-examples.js';
import { webhookSignature } from '../../src/services/updates/index.js';

const REPO = ECHO_REPO;
const FINAL = ['completed', 'failed', 'rolled_back'];

interface Status {
  update_id: string;
  status: string;
  progress: number;
  message: string;
  to_version: string;
  from_version: string;
  trigger?: string;
  error?: { code: string; message: string };
}

interface Setup {
  dir: string;
  github: FakeGithub;
  daemon: DaemonProcess;
  balancer: string;
}

function configYaml(apiUrl: string, options: { github?: string; process?: string } = {}): string {
  return `server: { port: 0, grpc_port: 0 }
github:
  api_url: ${apiUrl}
${options.github ?? ''}
processes:
${echoProcessYaml({ instances: 3, binaryPath: fixture('echo-service.mjs'), startPeriod: '15s', ...(options.process ? { github: options.process } : {}) })}
load_balancers:
  - name: lb
    listen_port: 0
    routes:
      - methods: [".*"]
        target_processes: [echo]
        strategy: round_robin
`;
}

async function setup(options: { github?: string; process?: string } = {}): Promise<Setup> {
  const dir = tempDir();
  const github = await startFakeGithub();
  onTestFinished(() => github.close());
  const daemon = await startDaemon(dir, writeConfig(dir, configYaml(github.apiUrl, options)));
  const { json } = await daemon.api<{ port: number }>('GET', '/api/v1/balancers/lb');
  // Updates replace ready instances one by one; wait until the first ones are ready.
  await waitFor(async () => {
    const versions = await instanceVersions(daemon);
    return versions.every((v) => v.endsWith(':healthy')) || versions.join(', ');
  });
  return { dir, github, daemon, balancer: `127.0.0.1:${json.port}` };
}

async function statusOf(daemon: DaemonProcess, id: string): Promise<Status> {
  const { status, json } = await daemon.api<Status>('GET', `/api/v1/updates/${id}`);
  expect(status).toBe(200);
  return json;
}

async function waitEnded(daemon: DaemonProcess, id: string): Promise<Status> {
  let last: Status | undefined;
  await waitFor(
    async () => {
      last = await statusOf(daemon, id);
      return FINAL.includes(last.status) || `${last.status}: ${last.message}`;
    },
    { timeoutMs: 60_000 },
  );
  return last!;
}

async function update(daemon: DaemonProcess, body: Record<string, unknown> = {}): Promise<Status> {
  const { status, json } = await daemon.api<{ update_id: string }>(
    'POST',
    '/api/v1/processes/echo/update',
    body,
  );
  expect(status, JSON.stringify(json)).toBe(202);
  return waitEnded(daemon, json.update_id);
}

/** The version each instance of echo runs, from the API. */
async function instanceVersions(daemon: DaemonProcess): Promise<string[]> {
  const { json } = await daemon.api<{
    instances: Array<{ version: string | null; status: string }>;
  }>('GET', '/api/v1/processes/echo');
  return json.instances.map((i) => `${i.version ?? 'binary_path'}:${i.status}`);
}

/** Calls through the balancer until every one of `count` instances has answered from `version`. */
async function servedBy(balancer: string, version: string, count = 3): Promise<void> {
  const client = echoClient(balancer);
  const seen = new Set<string>();
  await waitFor(async () => {
    const { code, reply } = await unary(client, {});
    if (code === 0 && reply) {
      const [instance, served] = reply.served_by.split('@');
      if (served === version) seen.add(instance!);
    }
    return seen.size >= count || `served by ${[...seen].join(', ')} at ${version} so far`;
  });
}

function expectNoFailedCall(result: LoadResult): void {
  expect(result.failures, result.failures.join('\n')).toEqual([]);
  expect([...result.byCode.keys()]).toEqual([0]);
  expect(result.calls).toBeGreaterThan(50);
}

describe('hot deploys through the daemon', () => {
  it('rolls releases out by REST under load with zero failed calls, follows them, rolls back, and keeps the version across a restart', async () => {
    const { dir, github, daemon, balancer } = await setup();
    const load = closedLoop(echoClient(balancer), 6, {});

    // v1 over binary_path, followed over SSE from the start.
    await publishEcho(github, REPO, 'v1', { body: 'First release' });
    const started = await daemon.api<Record<string, string>>(
      'POST',
      '/api/v1/processes/echo/update',
      {},
    );
    expect(started.status).toBe(202);
    expect(started.json).toMatchObject({
      message: 'update started',
      process: 'echo',
      current_version: '',
      target_version: 'v1',
    });
    const stream = await eventStream(
      `${daemon.url}/api/v1/updates/${started.json.update_id}/events`,
    );
    await waitFor(
      () => {
        const last = stream.at(-1)?.data as Status | undefined;
        return (last !== undefined && FINAL.includes(last.status)) || `${stream.length} statuses`;
      },
      { timeoutMs: 60_000 },
    );
    const statuses = stream.map((e: StreamedEvent) => e.data as Status);
    expect(stream.every((e) => e.type === 'status')).toBe(true);
    expect(statuses.at(-1)).toMatchObject({ status: 'completed', progress: 100, trigger: 'api' });
    const phases = statuses.map((s) => s.status).filter((p, i, all) => p !== all[i - 1]);
    for (const phase of ['downloading', 'extracting', 'starting', 'health_check', 'draining'])
      expect(phases).toContain(phase);
    const progress = statuses.map((s) => s.progress);
    expect(progress).toEqual([...progress].sort((a, b) => a - b));
    expect(await instanceVersions(daemon)).toEqual(Array(3).fill('v1:healthy'));
    await servedBy(balancer, 'v1');

    // v2: listed as available, then taken by "update all".
    await publishEcho(github, REPO, 'v2', { body: 'Second release' });
    const available = await daemon.api<{ updates: Array<Record<string, unknown>> }>(
      'GET',
      '/api/v1/updates/available',
    );
    expect(available.json.updates).toEqual([
      expect.objectContaining({
        processName: 'echo',
        currentVersion: 'v1',
        latestVersion: 'v2',
        releaseNotes: 'Second release',
        upToDate: false,
      }),
    ]);
    const all = await daemon.api<{ success: boolean; updateId: string; processes: unknown[] }>(
      'POST',
      '/api/v1/update',
      { strategy: 'blue-green' },
    );
    expect(all.status).toBe(202);
    expect(all.json.processes).toEqual([
      expect.objectContaining({
        name: 'echo',
        current_version: 'v1',
        target_version: 'v2',
        status: 'started',
      }),
    ]);
    expect((await waitEnded(daemon, all.json.updateId)).status).toBe('completed');
    await servedBy(balancer, 'v2');

    const version = await daemon.api<Record<string, unknown>>(
      'GET',
      '/api/v1/processes/echo/version',
    );
    expect(version.json).toMatchObject({
      current_version: 'v2',
      previous_version: 'v1',
      latest_version: 'v2',
      update_available: false,
    });
    expect(
      (version.json.history as Array<{ version: string; active: boolean }>).map((h) => [
        h.version,
        h.active,
      ]),
    ).toEqual([
      ['v2', true],
      ['v1', false],
    ]);

    // Rollback really runs v1's binary again.
    const back = await daemon.api<Record<string, string>>(
      'POST',
      '/api/v1/processes/echo/rollback',
      {},
    );
    expect(back.status).toBe(202);
    expect(back.json).toMatchObject({ from_version: 'v2', to_version: 'v1' });
    expect((await waitEnded(daemon, back.json.rollback_id!)).status).toBe('completed');
    await servedBy(balancer, 'v1');
    expect(await instanceVersions(daemon)).toEqual(Array(3).fill('v1:healthy'));

    // Back to v2 by tag (already installed: nothing is downloaded again).
    const downloads = github.requests.filter((r) => r.host === 'download').length;
    expect((await update(daemon, { version: 'v2' })).status).toBe('completed');
    expect(github.requests.filter((r) => r.host === 'download').length).toBe(downloads);
    await servedBy(balancer, 'v2');

    expectNoFailedCall(await load.stop());

    // A restarted daemon runs the current release, not binary_path.
    daemon.child.kill('SIGTERM');
    expect(await daemon.exitCode).toBe(0);
    const again = await startDaemon(dir, daemon.configPath);
    await waitFor(async () => {
      const versions = await instanceVersions(again);
      return versions.every((v) => v === 'v2:healthy') || versions.join(', ');
    });
  });

  it('leaves the running version serving through every bad release, with zero failed calls', async () => {
    const { dir, github, daemon, balancer } = await setup();
    await publishEcho(github, REPO, 'v1');
    expect((await update(daemon)).status).toBe('completed');
    await servedBy(balancer, 'v1');
    const load = closedLoop(echoClient(balancer), 6, {});

    // v3 never passes its health check: rolled back automatically.
    await publishEcho(github, REPO, 'v3', { kind: 'unhealthy' });
    // A short readiness deadline for the bad ones (the process's own is 15 s+).
    const v3 = await update(daemon, { version: 'v3', timeout: 5 });
    expect(v3).toMatchObject({ status: 'rolled_back', to_version: 'v3' });
    expect(v3.error?.code).toBe('not_ready');

    // v4 crash-loops: rolled back too.
    await publishEcho(github, REPO, 'v4', { kind: 'crash' });
    const v4 = await update(daemon, { version: 'v4', strategy: 'blue-green', timeout: 5 });
    expect(v4.status).toBe('rolled_back');

    // v5's SHA256SUMS does not match its asset: nothing is installed.
    await publishEcho(github, REPO, 'v5', { sums: 'wrong' });
    const v5 = await update(daemon, { version: 'v5' });
    expect(v5).toMatchObject({ status: 'failed', error: { code: 'checksum_mismatch' } });

    // v6's archive escapes its directory: refused before anything is written outside.
    await publishEcho(github, REPO, 'v6', { escaping: true });
    const v6 = await update(daemon, { version: 'v6' });
    expect(v6).toMatchObject({ status: 'failed', error: { code: 'archive_unsafe' } });
    expect(existsSync(join(dir, 'binaries', 'escaped'))).toBe(false);
    expect(existsSync(join(dir, 'binaries', 'echo', 'v5'))).toBe(false);
    expect(existsSync(join(dir, 'binaries', 'echo', 'v6'))).toBe(false);

    // A tag that does not exist, a bad strategy, a partial instance list: 4xx, nothing starts.
    const missing = await daemon.api('POST', '/api/v1/processes/echo/update', { version: 'v404' });
    expect(missing).toMatchObject({ status: 404, json: { code: 'release_not_found' } });
    const strategy = await daemon.api('POST', '/api/v1/processes/echo/update', {
      strategy: 'canary',
    });
    expect(strategy.status).toBe(400);
    const partial = await daemon.api('POST', '/api/v1/processes/echo/update', { instances: [0] });
    expect(partial).toMatchObject({ status: 400, json: { code: 'invalid_argument' } });

    // One update at a time: a second one while a slow starter deploys is refused with 409.
    await publishEcho(github, REPO, 'v7', { kind: { readyDelayMs: 1500 } });
    const slow = await daemon.api<{ update_id: string }>('POST', '/api/v1/processes/echo/update', {
      version: 'v7',
    });
    expect(slow.status).toBe(202);
    const second = await daemon.api('POST', '/api/v1/processes/echo/update', {
      version: 'v1',
      force: true,
    });
    expect(second).toMatchObject({ status: 409, json: { code: 'update_in_progress' } });
    expect((await waitEnded(daemon, slow.json.update_id)).status).toBe('completed');
    await servedBy(balancer, 'v7');

    expectNoFailedCall(await load.stop());
    const version = await daemon.api<{ current_version: string }>(
      'GET',
      '/api/v1/processes/echo/version',
    );
    expect(version.json.current_version).toBe('v7');
  });

  it('auto_update: the poller takes a new release from GitHub, and skips pre-releases', async () => {
    const { github, daemon, balancer } = await setup({
      process: 'auto_update: true, update_check_interval: 1s',
    });
    const events = await eventStream(`${daemon.url}/api/v1/events?process=echo`);
    await publishEcho(github, REPO, 'v1');
    await servedBy(balancer, 'v1');
    await publishEcho(github, REPO, 'v2-rc1', { prerelease: true });
    await publishEcho(github, REPO, 'v2');
    await servedBy(balancer, 'v2');
    const checks = events.filter((e) => e.type === 'process.update_check').map((e) => e.data);
    expect(checks).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ outcome: 'triggered', latest: 'v1' }),
        expect.objectContaining({ outcome: 'triggered', current: 'v1', latest: 'v2' }),
      ]),
    );
    expect(JSON.stringify(checks)).not.toContain('v2-rc1');
    // Every instance answers from v2 a moment before the last old one has drained.
    await waitFor(
      () =>
        events.some(
          (e) =>
            e.type === 'process.update' &&
            (e.data as { phase: string; to: string }).phase === 'completed' &&
            (e.data as { to: string }).to === 'v2',
        ) || 'v2 not completed yet',
    );
    const updates = events.filter((e) => e.type === 'process.update').map((e) => e.data);
    expect(updates).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ phase: 'completed', to: 'v2', trigger: 'poller' }),
      ]),
    );
  });

  it('github.mode cloudflare: the poller asks the webhook worker for versions, assets still come from GitHub', async () => {
    const worker = await startFakeWebhookWorker();
    onTestFinished(() => worker.close());
    const { github, daemon, balancer } = await setup({
      github: `  mode: cloudflare\n  cloudflare: { worker_url: ${worker.url} }\n`,
      process: 'auto_update: true, update_check_interval: 1s',
    });
    await publishEcho(github, REPO, 'v1');
    await publishEcho(github, REPO, 'v2');
    // GitHub's latest is v2, but the worker says v1: v1 is what runs.
    worker.setRepo({ repo: REPO, version: 'v1', grpcEndpoint: '' });
    await servedBy(balancer, 'v1');
    worker.setRepo({ repo: REPO, version: 'v2', grpcEndpoint: '' });
    await servedBy(balancer, 'v2');
    expect(worker.requests.some((r) => r.url === `/repo/${REPO}`)).toBe(true);
    expect(github.requests.some((r) => r.url.endsWith('/releases/latest'))).toBe(false);
    const version = await daemon.api<{ current_version: string }>(
      'GET',
      '/api/v1/processes/echo/version',
    );
    expect(version.json.current_version).toBe('v2');
  });

  it('webhooks: a signed GitHub release or tag push updates, a bad signature does nothing, the Cloudflare webhook rolls back', async () => {
    const secret = 'local-webhook-secret';
    const { github, daemon, balancer } = await setup({
      github: `  update_mode: { webhook: { enabled: true, secret: ${secret} } }\n`,
    });
    const post = async (path: string, event: string, payload: unknown, signWith = secret) => {
      const body = JSON.stringify(payload);
      const response = await fetch(`${daemon.url}${path}`, {
        method: 'POST',
        body,
        headers: {
          'content-type': 'application/json',
          'x-github-event': event,
          'x-hub-signature-256': webhookSignature(body, signWith),
        },
      });
      return { status: response.status, json: (await response.json()) as Record<string, unknown> };
    };
    const published = githubExample('release', (p) => p['action'] === 'published');

    expect((await post('/webhook/github', 'ping', githubExample('ping'))).status).toBe(200);

    await publishEcho(github, REPO, 'v1');
    const v1 = await post('/webhook/github', 'release', retarget(published, 'ACME/Echo', 'v1'));
    expect(v1.status, JSON.stringify(v1.json)).toBe(202);
    const [started] = v1.json.updates as Array<{ process: string; update_id: string }>;
    expect(started).toMatchObject({ process: 'echo', version: 'v1' });
    const load = closedLoop(echoClient(balancer), 6, {});
    expect((await waitEnded(daemon, started!.update_id)).status).toBe('completed');

    // Signed with the wrong secret: 401, and v2 is not taken.
    await publishEcho(github, REPO, 'v2');
    const forged = await post(
      '/webhook/github',
      'release',
      retarget(published, REPO, 'v2'),
      'wrong',
    );
    expect(forged).toMatchObject({ status: 401, json: { code: 'unauthenticated' } });
    expect(JSON.stringify(forged.json)).not.toContain(secret);
    // Another repository's release is ignored.
    const other = await post('/webhook/github', 'release', retarget(published, 'acme/other', 'v2'));
    expect(other).toMatchObject({ status: 200, json: { message: 'ignored' } });
    const still = await daemon.api<{ current_version: string }>(
      'GET',
      '/api/v1/processes/echo/version',
    );
    expect(still.json.current_version).toBe('v1');

    // A tag pushed: v2 rolls out.
    const push = githubExample('push', (p) => String(p['ref']).startsWith('refs/tags/'));
    const v2 = await post('/webhook/github', 'push', retarget(push, REPO, 'v2'));
    expect(v2.status, JSON.stringify(v2.json)).toBe(202);
    const [pushed] = v2.json.updates as Array<{ update_id: string }>;
    expect((await waitEnded(daemon, pushed!.update_id)).status).toBe('completed');
    await servedBy(balancer, 'v2');

    // The Cloudflare webhook, signed the same way: roll back to v1.
    const rollback = await post('/webhook/cloudflare', 'cloudflare', {
      process_name: 'echo',
      repository: REPO,
      version: 'v1',
      action: 'rollback',
    });
    expect(rollback.status, JSON.stringify(rollback.json)).toBe(202);
    expect(rollback.json).toMatchObject({
      message: 'rollback triggered',
      process: 'echo',
      version: 'v1',
    });
    expect((await waitEnded(daemon, rollback.json.update_id as string)).status).toBe('completed');
    await servedBy(balancer, 'v1');

    expectNoFailedCall(await load.stop());
    const events = daemon.output.join('\n');
    expect(events).not.toContain(secret);
  });
});
