/**
 * The poller against the real fakes: GitHub's API (standalone mode) and the Cloudflare webhook
 * worker (cloudflare mode), on real sockets, with time on a FakeClock.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { FakeClock } from '../../../shared/index.js';
import { startFakeGithub, type FakeGithub } from '../../../../test/fakes/github.js';
import {
  startFakeWebhookWorker,
  type FakeWebhookWorker,
} from '../../../../test/fakes/webhook-worker.js';
import { waitFor } from '../../../../test/helpers/wait-for.js';
import { GithubClient } from '../github/index.js';
import { VersionWorkerClient } from '../worker/index.js';
import { latestVersionSource } from './latest-version-source.js';
import { UpdatePoller } from './update-poller.js';
import type { PollOutcome, PollTarget } from './types.js';

const MINUTE = 60_000;
const closers: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const close of closers.splice(0).reverse()) await close();
});

async function fakeGithub(): Promise<FakeGithub> {
  const gh = await startFakeGithub();
  closers.push(() => gh.close());
  return gh;
}

async function fakeWorker(): Promise<FakeWebhookWorker> {
  const worker = await startFakeWebhookWorker();
  closers.push(() => worker.close());
  return worker;
}

const api: PollTarget = {
  process: 'api',
  repository: 'acme/api',
  intervalMs: 5 * MINUTE,
  allowPrerelease: false,
};

describe('latestVersionSource', () => {
  it('standalone: the latest release tag, pre-releases only when allowed, unchanged answers by ETag', async () => {
    const gh = await fakeGithub();
    const clock = new FakeClock();
    const latest = latestVersionSource({
      mode: 'standalone',
      github: new GithubClient({ apiUrl: gh.apiUrl, clock }),
    });
    gh.publish('acme/api', { tag: 'v1.0.0' });
    gh.publish('acme/api', { tag: 'v1.1.0-rc.1', prerelease: true });
    expect(await latest(api)).toBe('v1.0.0');
    expect(await latest(api)).toBe('v1.0.0');
    expect(await latest({ ...api, allowPrerelease: true })).toBe('v1.1.0-rc.1');
    const latestCalls = gh.requests.filter((r) => r.url.endsWith('/releases/latest'));
    expect(latestCalls.map((r) => r.status)).toEqual([200, 304]);
  });

  it('standalone: no release is release_not_found', async () => {
    const gh = await fakeGithub();
    const latest = latestVersionSource({
      mode: 'standalone',
      github: new GithubClient({ apiUrl: gh.apiUrl, clock: new FakeClock() }),
    });
    await expect(latest(api)).rejects.toMatchObject({ code: 'release_not_found' });
  });

  it('cloudflare: the worker version; an unknown or empty one is release_not_found', async () => {
    const worker = await fakeWorker();
    const latest = latestVersionSource({
      mode: 'cloudflare',
      worker: new VersionWorkerClient({ url: worker.url, clock: new FakeClock() }),
    });
    await expect(latest(api)).rejects.toMatchObject({ code: 'release_not_found' });
    worker.setRepo({ repo: 'acme/api', version: '' });
    await expect(latest(api)).rejects.toMatchObject({ code: 'release_not_found' });
    worker.setRepo({ repo: 'acme/api', version: 'v2.0.0' });
    expect(await latest(api)).toBe('v2.0.0');
  });

  it('refuses a mode without its client', () => {
    expect(() => latestVersionSource({ mode: 'cloudflare' })).toThrow(/worker_url/);
    expect(() => latestVersionSource({ mode: 'standalone' })).toThrow(/GitHub client/);
  });
});

interface Run {
  clock: FakeClock;
  reports: PollOutcome[];
  triggers: string[];
  current: { version: string | undefined };
}

function runPoller(latestVersion: (t: PollTarget) => Promise<string>, clock: FakeClock): Run {
  const run: Run = { clock, reports: [], triggers: [], current: { version: 'v1.0.0' } };
  const poller = new UpdatePoller({
    clock,
    targets: () => [api],
    latestVersion,
    currentVersion: () => run.current.version,
    trigger: async (_process, version) => {
      run.triggers.push(version);
      run.current.version = version; // the update succeeded
    },
    report: (_process, outcome) => run.reports.push(outcome),
  });
  poller.start();
  closers.push(() => poller.stop());
  return run;
}

const reported = (run: Run, count: number) => () =>
  run.reports.length >= count || `${run.reports.length} of ${count} reports`;

describe('UpdatePoller with the fakes', () => {
  it('standalone: up to date, then a published release is deployed, then a rate limit waits for its reset', async () => {
    const gh = await fakeGithub();
    const clock = new FakeClock();
    const github = new GithubClient({ apiUrl: gh.apiUrl, clock });
    gh.publish('acme/api', { tag: 'v1.0.0' });
    const run = runPoller(latestVersionSource({ mode: 'standalone', github }), clock);

    await clock.advance(10_000);
    await waitFor(reported(run, 1));
    expect(run.reports[0]).toEqual({ outcome: 'up_to_date', current: 'v1.0.0', latest: 'v1.0.0' });

    gh.publish('acme/api', { tag: 'v1.1.0' });
    await clock.advance(5 * MINUTE);
    await waitFor(reported(run, 2));
    expect(run.reports[1]).toEqual({ outcome: 'triggered', current: 'v1.0.0', latest: 'v1.1.0' });
    expect(run.triggers).toEqual(['v1.1.0']);

    const resetEpochSeconds = Math.floor(clock.now() / 1000) + 30 * 60;
    gh.rateLimit({ kind: 'primary', resetEpochSeconds });
    await clock.advance(5 * MINUTE);
    await waitFor(reported(run, 3));
    expect(run.reports[2]).toMatchObject({
      outcome: 'error',
      code: 'github_rate_limited',
      retryAt: resetEpochSeconds * 1000,
    });
    const apiCalls = () => gh.requests.filter((r) => r.host === 'api').length;
    const callsWhileLimited = apiCalls();
    gh.rateLimit('off');
    await clock.advance(resetEpochSeconds * 1000 - clock.now() - 1000);
    expect(apiCalls()).toBe(callsWhileLimited); // no call before the reset
    await clock.advance(1000);
    await waitFor(reported(run, 4));
    // Back to normal: the idle check after the error is news again.
    expect(run.reports[3]).toEqual({ outcome: 'up_to_date', current: 'v1.1.0', latest: 'v1.1.0' });
  });

  it('cloudflare: deploys the version the worker records; worker failures back off', async () => {
    const worker = await fakeWorker();
    const clock = new FakeClock();
    const client = new VersionWorkerClient({ url: worker.url, clock });
    worker.setRepo({ repo: 'acme/api', version: 'v1.0.0' });
    const run = runPoller(latestVersionSource({ mode: 'cloudflare', worker: client }), clock);

    await clock.advance(10_000);
    await waitFor(reported(run, 1));
    expect(run.reports[0]?.outcome).toBe('up_to_date');

    worker.setRepo({ repo: 'acme/api', version: 'v2.0.0' });
    worker.failNext(502, 'error code: 502');
    await clock.advance(5 * MINUTE);
    await waitFor(reported(run, 2));
    expect(run.reports[1]).toEqual({
      outcome: 'error',
      code: 'github_unavailable',
      message: 'webhook worker GET /repo/acme/api: HTTP 502 "error code: 502"',
      retryAt: clock.now() + 30_000,
    });
    await clock.advance(30_000);
    await waitFor(reported(run, 3));
    expect(run.reports[2]).toEqual({ outcome: 'triggered', current: 'v1.0.0', latest: 'v2.0.0' });
    expect(run.triggers).toEqual(['v2.0.0']);
    expect(worker.requests.every((r) => r.headers['x-service-binding'] === 'true')).toBe(true);
  });
});
