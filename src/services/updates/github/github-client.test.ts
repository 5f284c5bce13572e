import { createServer as createHttpServer } from 'node:http';
import { createServer, type AddressInfo } from 'node:net';
import { afterEach, describe, expect, it, onTestFinished } from 'vitest';
import { DaemonError, FakeClock } from '../../../shared/index.js';
import {
  startFakeGithub,
  type FakeGithub,
  type FakeGithubOptions,
} from '../../../../test/fakes/github.js';
import { GithubClient, type GithubClientOptions } from './index.js';

const TOKEN = 'ghp_SECRETtoken0123456789';
const DATA = Buffer.from('binary-bytes');

let fake: FakeGithub | undefined;
afterEach(async () => {
  await fake?.close();
  fake = undefined;
});

async function start(options: FakeGithubOptions = {}): Promise<FakeGithub> {
  fake = await startFakeGithub(options);
  return fake;
}

function client(gh: FakeGithub, options: Partial<GithubClientOptions> = {}): GithubClient {
  return new GithubClient({ apiUrl: gh.apiUrl, clock: new FakeClock(), ...options });
}

async function failure(promise: Promise<unknown>): Promise<DaemonError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(DaemonError);
  return error as DaemonError;
}

/** Nothing secret leaks: the token is in no message, cause message or detail. */
function expectNoToken(error: DaemonError): void {
  const cause = error.cause instanceof Error ? error.cause.message : '';
  expect(`${error.message} ${cause} ${JSON.stringify(error.details)}`).not.toContain(TOKEN);
}

describe('GithubClient: releases', () => {
  it('maps GitHub’s latest release to a Release and sends GitHub’s headers', async () => {
    const gh = await start();
    const published = gh.publish('acme/api', {
      tag: 'v1.2.0',
      body: 'Notes',
      assets: [
        { name: 'api_linux_amd64.tar.gz', data: DATA, digest: true },
        { name: 'checksums.txt', data: Buffer.from('x'), contentType: 'text/plain' },
      ],
    });
    const release = await client(gh, { token: TOKEN, userAgent: 'gowinproc/test' }).latestRelease(
      'acme/api',
    );
    const first = published.assets[0]!;
    expect(release).toEqual({
      id: published.id,
      tag: 'v1.2.0',
      name: 'v1.2.0',
      body: 'Notes',
      draft: false,
      prerelease: false,
      publishedAt: published.published_at,
      htmlUrl: published.html_url,
      assets: [
        {
          id: first.id,
          name: 'api_linux_amd64.tar.gz',
          size: DATA.length,
          contentType: 'application/octet-stream',
          browserDownloadUrl: first.browser_download_url,
          apiUrl: first.url,
          digest: first.digest,
        },
        expect.objectContaining({ name: 'checksums.txt', contentType: 'text/plain' }),
      ],
    });
    expect(release.assets[1]).not.toHaveProperty('digest');
    const headers = gh.requests[0]!.headers;
    expect(headers.authorization).toBe(`Bearer ${TOKEN}`);
    expect(headers.accept).toBe('application/vnd.github+json');
    expect(headers['x-github-api-version']).toBe('2022-11-28');
    expect(headers['user-agent']).toBe('gowinproc/test');
    expect(gh.requests[0]!.url).toBe('/repos/acme/api/releases/latest');
  });

  it('sends no Authorization header without a token', async () => {
    const gh = await start();
    gh.publish('o/r', { tag: 'v1' });
    await client(gh).latestRelease('o/r');
    expect(gh.requests[0]!.headers.authorization).toBeUndefined();
    expect(gh.requests[0]!.headers['user-agent']).toBe('gowinproc');
  });

  it('ignores drafts and pre-releases unless allowPrerelease', async () => {
    const gh = await start();
    gh.publish('o/r', { tag: 'v1' });
    gh.publish('o/r', { tag: 'v2-rc.1', prerelease: true });
    gh.publish('o/r', { tag: 'v3', draft: true });
    const github = client(gh);
    expect((await github.latestRelease('o/r')).tag).toBe('v1');
    expect((await github.latestRelease('o/r', { allowPrerelease: true })).tag).toBe('v2-rc.1');
  });

  it('answers release_not_found when only drafts and pre-releases exist', async () => {
    const gh = await start();
    gh.publish('o/r', { tag: 'v1-rc', prerelease: true });
    gh.publish('o/r', { tag: 'v2', draft: true });
    const github = client(gh);
    const error = await failure(github.latestRelease('o/r'));
    expect(error.code).toBe('release_not_found');
    expect(error.message).toContain('o/r');
    expect((await github.latestRelease('o/r', { allowPrerelease: true })).tag).toBe('v1-rc');
    gh.publish('p/q', { tag: 'only-draft', draft: true });
    expect((await failure(github.latestRelease('p/q', { allowPrerelease: true }))).code).toBe(
      'release_not_found',
    );
  });

  it('finds a release by tag (encoded), and release_not_found for a missing tag or draft', async () => {
    const gh = await start();
    gh.publish('o/r', { tag: 'v1.0.0+build/7', prerelease: true });
    gh.publish('o/r', { tag: 'v2', draft: true });
    const github = client(gh);
    expect((await github.releaseByTag('o/r', 'v1.0.0+build/7')).prerelease).toBe(true);
    const missing = await failure(github.releaseByTag('o/r', 'v9'));
    expect(missing.code).toBe('release_not_found');
    expect(missing.message).toBe('o/r has no release tagged "v9"');
    expect((await failure(github.releaseByTag('o/r', 'v2'))).code).toBe('release_not_found');
  });

  it('lists newest first across pages, skipping drafts and pre-releases unless allowed', async () => {
    const gh = await start();
    for (let i = 1; i <= 130; i++) {
      gh.publish('o/r', { tag: `v${i}`, draft: i === 129, prerelease: i === 128 });
    }
    const github = client(gh);
    const ten = await github.listReleases('o/r', { limit: 10 });
    expect(ten.map((r) => r.tag)).toEqual([
      'v130',
      'v127',
      'v126',
      'v125',
      'v124',
      'v123',
      'v122',
      'v121',
      'v120',
      'v119',
    ]);
    const withPre = await github.listReleases('o/r', { limit: 3, allowPrerelease: true });
    expect(withPre.map((r) => r.tag)).toEqual(['v130', 'v128', 'v127']);
    const all = await github.listReleases('o/r', { limit: 500 });
    expect(all).toHaveLength(128);
    expect(all.at(-1)?.tag).toBe('v1');
    expect(gh.requests.map((r) => r.url).filter((u) => u.includes('page=2'))).toHaveLength(1);
    expect(await client(gh).listReleases('o/r', { limit: 1 })).toHaveLength(1);
  });

  it('lists nothing for a repository without releases, and rejects a bad limit or repository', async () => {
    const gh = await start();
    gh.setPrivate('o/empty', TOKEN);
    const github = client(gh, { token: TOKEN });
    expect(await github.listReleases('o/empty')).toEqual([]);
    expect((await failure(github.listReleases('o/empty', { limit: 0 }))).code).toBe(
      'invalid_argument',
    );
    for (const bad of ['noslash', 'a/b/c', '../x', 'o/.', 'o/r?x=1', 'o/r#x']) {
      expect((await failure(github.latestRelease(bad))).code).toBe('invalid_argument');
    }
    expect(gh.requests).toHaveLength(1);
  });
});

describe('GithubClient: ETag cache', () => {
  it('revalidates with If-None-Match and hands out the cached value on 304', async () => {
    const gh = await start();
    gh.publish('o/r', { tag: 'v1' });
    const github = client(gh);
    const first = await github.latestRelease('o/r');
    const second = await github.latestRelease('o/r');
    expect(second).toBe(first);
    expect(gh.requests.map((r) => r.status)).toEqual([200, 304]);
    expect(gh.requests[0]!.headers['if-none-match']).toBeUndefined();
    expect(gh.requests[1]!.headers['if-none-match']).toMatch(/^W\/"[0-9a-f]+"$/);
    gh.publish('o/r', { tag: 'v2' });
    const third = await github.latestRelease('o/r');
    expect(third.tag).toBe('v2');
    expect(gh.requests.at(-1)?.status).toBe(200);
  });

  it('keeps a separate cache entry per URL (list pages, tags)', async () => {
    const gh = await start();
    gh.publish('o/r', { tag: 'v1' });
    const github = client(gh);
    await github.releaseByTag('o/r', 'v1');
    await github.listReleases('o/r');
    await github.releaseByTag('o/r', 'v1');
    await github.listReleases('o/r');
    expect(gh.requests.map((r) => r.status)).toEqual([200, 200, 304, 304]);
  });
});

describe('GithubClient: private repositories', () => {
  it('reaches a private repository with the token and says release_not_found without', async () => {
    const gh = await start();
    gh.publish('o/private', { tag: 'v1', assets: [{ name: 'a.zip', data: DATA }] });
    gh.setPrivate('o/private', TOKEN);
    const anonymous = await failure(client(gh).latestRelease('o/private'));
    expect(anonymous.code).toBe('release_not_found');
    const wrong = await failure(client(gh, { token: 'ghp_wrong' }).listReleases('o/private'));
    expect(wrong.message).toContain('github.token');
    const github = client(gh, { token: TOKEN });
    const release = await github.latestRelease('o/private');
    expect(release.tag).toBe('v1');
    const download = github.assetDownload(release.assets[0]!);
    expect(download).toEqual({
      url: release.assets[0]!.apiUrl,
      headers: expect.objectContaining({
        accept: 'application/octet-stream',
        authorization: `Bearer ${TOKEN}`,
      }),
    });
    expect(client(gh).assetDownload(release.assets[0]!)).toEqual({
      url: release.assets[0]!.browserDownloadUrl,
      headers: { 'user-agent': 'gowinproc' },
    });
  });
});

describe('GithubClient: rate limits', () => {
  it('maps a 403 primary limit to github_rate_limited and refuses locally until the reset', async () => {
    const gh = await start();
    gh.publish('o/r', { tag: 'v1' });
    const clock = new FakeClock(Date.UTC(2026, 0, 1, 12, 0, 0));
    const resetEpochSeconds = Date.UTC(2026, 0, 1, 12, 10, 0) / 1000;
    gh.rateLimit({ kind: 'primary', resetEpochSeconds });
    const github = client(gh, { clock, token: TOKEN });
    const error = await failure(github.latestRelease('o/r'));
    expect(error.code).toBe('github_rate_limited');
    expect(error.details).toEqual({ resetAt: resetEpochSeconds * 1000 });
    expect(error.message).toContain('2026-01-01T12:10:00.000Z');
    expectNoToken(error);
    expect(github.rateLimitedUntil()).toBe(resetEpochSeconds * 1000);
    gh.rateLimit('off');
    for (const call of [
      () => github.latestRelease('o/r'),
      () => github.releaseByTag('o/r', 'v1'),
      () => github.listReleases('o/r'),
    ]) {
      const refused = await failure(call());
      expect(refused.code).toBe('github_rate_limited');
      expect(refused.details).toEqual({ resetAt: resetEpochSeconds * 1000 });
    }
    expect(gh.requests).toHaveLength(1);
    await clock.advance(10 * 60_000 - 1);
    expect((await failure(github.latestRelease('o/r'))).code).toBe('github_rate_limited');
    expect(gh.requests).toHaveLength(1);
    await clock.advance(1);
    expect(github.rateLimitedUntil()).toBeUndefined();
    expect((await github.latestRelease('o/r')).tag).toBe('v1');
    expect(gh.requests).toHaveLength(2);
  });

  it('maps a 429 with retry-after to a reset that many seconds from now', async () => {
    const gh = await start();
    gh.publish('o/r', { tag: 'v1' });
    const clock = new FakeClock(Date.UTC(2026, 0, 1));
    gh.rateLimit({ kind: 'secondary', retryAfterSeconds: 90 });
    const github = client(gh, { clock });
    const error = await failure(github.listReleases('o/r'));
    expect(error.code).toBe('github_rate_limited');
    expect(error.details).toEqual({ resetAt: Date.UTC(2026, 0, 1) + 90_000 });
    await clock.advance(90_000);
    gh.rateLimit('off');
    expect(await github.listReleases('o/r')).toHaveLength(1);
  });
});

describe('GithubClient: failures', () => {
  it('maps a 5xx to github_unavailable with the status and GitHub’s message', async () => {
    const gh = await start();
    gh.publish('o/r', { tag: 'v1' });
    gh.failNext(503);
    const error = await failure(client(gh, { token: TOKEN }).latestRelease('o/r'));
    expect(error.code).toBe('github_unavailable');
    expect(error.message).toMatch(
      /\/repos\/o\/r\/releases\/latest answered HTTP 503: Server Error$/,
    );
    expect(error.details).toEqual({ status: 503 });
    expectNoToken(error);
  });

  it('maps a refused connection to github_unavailable', async () => {
    const port = await freePort();
    const github = new GithubClient({
      apiUrl: `http://127.0.0.1:${port}`,
      clock: new FakeClock(),
      token: TOKEN,
    });
    const error = await failure(github.latestRelease('o/r'));
    expect(error.code).toBe('github_unavailable');
    expect(error.message).toContain('ECONNREFUSED');
    expectNoToken(error);
  });

  it('times out a silent GitHub after timeoutMs', async () => {
    const gh = await start();
    gh.publish('o/r', { tag: 'v1' });
    gh.hangNext();
    const started = Date.now();
    const error = await failure(client(gh, { timeoutMs: 200 }).latestRelease('o/r'));
    expect(error.code).toBe('github_unavailable');
    expect(error.message).toContain('timed out after 200 ms');
    expect(Date.now() - started).toBeLessThan(5_000);
  });

  it('maps an answer that is not GitHub JSON to github_unavailable', async () => {
    const answers = ['<html>proxy login</html>', '{"tag_name": 5}', '[{"id": 1}]'];
    const server = createHttpServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'text/html' });
      res.end(answers.shift());
    });
    const port = await new Promise<number>((resolve) =>
      server.listen(0, '127.0.0.1', () => resolve((server.address() as AddressInfo).port)),
    );
    onTestFinished(() => new Promise<void>((resolve) => server.close(() => resolve())));
    const github = new GithubClient({ apiUrl: `http://127.0.0.1:${port}`, clock: new FakeClock() });
    const html = await failure(github.latestRelease('o/r'));
    expect(html.code).toBe('github_unavailable');
    expect(html.message).toContain('not JSON');
    const badField = await failure(github.releaseByTag('o/r', 'v1'));
    expect(badField.code).toBe('github_unavailable');
    expect(badField.message).toContain('tag_name');
    expect((await failure(github.listReleases('o/r'))).code).toBe('github_unavailable');
  });

  it('rejects an api_url that is not an http(s) URL', () => {
    expect(() => new GithubClient({ apiUrl: 'not a url', clock: new FakeClock() })).toThrow(
      DaemonError,
    );
    expect(() => new GithubClient({ apiUrl: 'ftp://x', clock: new FakeClock() })).toThrow(
      /http\(s\)/,
    );
  });
});

describe('GithubClient: GitHub Enterprise', () => {
  it('works against an api_url with a path prefix (and a trailing slash)', async () => {
    const gh = await start({ apiPrefix: '/api/v3' });
    gh.publish('corp/tool', { tag: 'v5', assets: [{ name: 'tool.exe', data: DATA }] });
    const github = client(gh, { apiUrl: `${gh.apiUrl}/` });
    const release = await github.latestRelease('corp/tool');
    expect(release.tag).toBe('v5');
    expect(release.assets[0]!.apiUrl).toBe(`${gh.apiUrl}/repos/corp/tool/releases/assets/1`);
    expect(await github.listReleases('corp/tool')).toHaveLength(1);
    expect((await github.releaseByTag('corp/tool', 'v5')).id).toBe(release.id);
    expect(gh.requests.map((r) => r.url)).toEqual([
      '/api/v3/repos/corp/tool/releases/latest',
      '/api/v3/repos/corp/tool/releases?per_page=100&page=1',
      '/api/v3/repos/corp/tool/releases/tags/v5',
    ]);
  });
});

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}
