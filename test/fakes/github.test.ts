import { readFileSync } from 'node:fs';
import { request, type IncomingHttpHeaders } from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import { startFakeGithub, type FakeGithub, type FakeGithubOptions } from './github.js';

/** GitHub's documented example (docs.github.com, "Get the latest release"). */
const RECORDED = JSON.parse(
  readFileSync(new URL('../fixtures/github/release.json', import.meta.url), 'utf8'),
) as unknown;
/** Fields GitHub leaves out when they do not apply (no discussion; no digest computed). */
const OPTIONAL_KEYS = new Set(['discussion_url', 'digest']);

interface Reply {
  status: number;
  headers: IncomingHttpHeaders;
  body: Buffer;
}

/** A raw HTTP GET (independent of the client under test elsewhere). */
function get(url: string, headers: Record<string, string> = {}): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = request(url, { headers, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () =>
        resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }),
      );
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end();
  });
}

/** A GET whose connection may drop mid-body: resolves with the bytes that arrived. */
function getPartial(
  url: string,
  headers: Record<string, string> = {},
): Promise<Reply & { complete: boolean }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { headers, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      const done = (complete: boolean): void =>
        resolve({
          status: res.statusCode ?? 0,
          headers: res.headers,
          body: Buffer.concat(chunks),
          complete,
        });
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => done(true));
      res.on('error', () => done(false));
      res.on('aborted', () => done(false));
    });
    req.on('error', reject);
    req.end();
  });
}

const json = (reply: Reply): unknown => JSON.parse(reply.body.toString('utf8')) as unknown;

/** Key set and value types, recursively (arrays by their first element). */
function shapeOf(value: unknown): unknown {
  if (Array.isArray(value)) return value.length > 0 ? [shapeOf(value[0])] : [];
  if (value === null) return 'null';
  if (typeof value === 'object') {
    return Object.fromEntries(
      Object.entries(value)
        .filter(([key]) => !OPTIONAL_KEYS.has(key))
        .sort(([a], [b]) => a.localeCompare(b))
        .map(([key, inner]) => [key, shapeOf(inner)]),
    );
  }
  return typeof value;
}

let fake: FakeGithub | undefined;
afterEach(async () => {
  await fake?.close();
  fake = undefined;
});

async function start(options: FakeGithubOptions = {}): Promise<FakeGithub> {
  fake = await startFakeGithub(options);
  return fake;
}

const DATA = Buffer.from('0123456789abcdefghijklmnopqrstuvwxyz'.repeat(100));

describe('fake GitHub: release JSON', () => {
  it('serves releases with the shape of GitHub’s recorded example', async () => {
    const gh = await start();
    gh.publish('octocat/hello', {
      tag: 'v1.0.0',
      assets: [{ name: 'hello_linux_amd64.tar.gz', data: DATA, digest: true }],
    });
    const latest = json(await get(`${gh.apiUrl}/repos/octocat/hello/releases/latest`));
    expect(shapeOf(latest)).toEqual(shapeOf(RECORDED));
    // The optional digest appears as GitHub spells it when asked for.
    const asset = (latest as { assets: { digest?: string }[] }).assets[0];
    expect(asset?.digest).toMatch(/^sha256:[0-9a-f]{64}$/);
    const list = json(await get(`${gh.apiUrl}/repos/octocat/hello/releases`));
    expect(shapeOf(list)).toEqual([shapeOf(RECORDED)]);
  });

  it('latest skips drafts and pre-releases and answers GitHub’s 404 when none is left', async () => {
    const gh = await start();
    gh.publish('o/r', { tag: 'v1-rc', prerelease: true });
    gh.publish('o/r', { tag: 'v2', draft: true });
    const missing = await get(`${gh.apiUrl}/repos/o/r/releases/latest`);
    expect(missing.status).toBe(404);
    expect(json(missing)).toEqual({
      message: 'Not Found',
      documentation_url: 'https://docs.github.com/rest/releases/releases#get-the-latest-release',
      status: '404',
    });
    gh.publish('o/r', { tag: 'v0.9' });
    gh.publish('o/r', { tag: 'v3-beta', prerelease: true });
    const latest = json(await get(`${gh.apiUrl}/repos/o/r/releases/latest`));
    expect(latest).toMatchObject({ tag_name: 'v0.9', draft: false, prerelease: false });
  });

  it('finds a release by tag but not a draft, and 404s an unknown repository', async () => {
    const gh = await start();
    gh.publish('o/r', { tag: 'v1.0.0+build/7' });
    gh.publish('o/r', { tag: 'v2', draft: true });
    const byTag = await get(
      `${gh.apiUrl}/repos/o/r/releases/tags/${encodeURIComponent('v1.0.0+build/7')}`,
    );
    expect(json(byTag)).toMatchObject({ tag_name: 'v1.0.0+build/7' });
    expect((await get(`${gh.apiUrl}/repos/o/r/releases/tags/v2`)).status).toBe(404);
    expect((await get(`${gh.apiUrl}/repos/o/none/releases`)).status).toBe(404);
  });

  it('lists newest first in pages with a Link header', async () => {
    const gh = await start();
    for (let i = 1; i <= 5; i++) gh.publish('o/r', { tag: `v${i}`, draft: i === 2 });
    const first = await get(`${gh.apiUrl}/repos/o/r/releases?per_page=2&page=1`);
    expect((json(first) as { tag_name: string }[]).map((r) => r.tag_name)).toEqual(['v5', 'v4']);
    expect(first.headers.link).toBe(
      `<${gh.apiUrl}/repos/o/r/releases?per_page=2&page=2>; rel="next", <${gh.apiUrl}/repos/o/r/releases?per_page=2&page=3>; rel="last"`,
    );
    const last = await get(`${gh.apiUrl}/repos/o/r/releases?per_page=2&page=3`);
    expect((json(last) as { tag_name: string }[]).map((r) => r.tag_name)).toEqual(['v1']);
    expect(last.headers.link).toContain('rel="prev"');
    expect(last.headers.link).not.toContain('rel="next"');
  });

  it('sends an ETag on every JSON answer and 304 for a matching If-None-Match', async () => {
    const gh = await start();
    gh.publish('o/r', { tag: 'v1' });
    const url = `${gh.apiUrl}/repos/o/r/releases/latest`;
    const first = await get(url);
    const etag = first.headers.etag;
    expect(etag).toMatch(/^W\/"[0-9a-f]+"$/);
    const again = await get(url, { 'if-none-match': etag! });
    expect(again.status).toBe(304);
    expect(again.body.length).toBe(0);
    gh.publish('o/r', { tag: 'v2' });
    const changed = await get(url, { 'if-none-match': etag! });
    expect(changed.status).toBe(200);
    expect(changed.headers.etag).not.toBe(etag);
  });

  it('mounts the API under a GitHub Enterprise prefix', async () => {
    const gh = await start({ apiPrefix: '/api/v3' });
    expect(gh.apiUrl).toMatch(/\/api\/v3$/);
    gh.publish('o/r', { tag: 'v1', assets: [{ name: 'a.bin', data: DATA }] });
    const latest = json(await get(`${gh.apiUrl}/repos/o/r/releases/latest`)) as {
      url: string;
      assets: { browser_download_url: string }[];
    };
    expect(latest.url).toBe(`${gh.apiUrl}/repos/o/r/releases/1`);
    // Without the prefix the API is not there; browser URLs live at the web root as on GHE.
    expect((await get(`${new URL(gh.apiUrl).origin}/repos/o/r/releases/latest`)).status).toBe(404);
    expect(latest.assets[0]!.browser_download_url).not.toContain('/api/v3');
    expect((await get(latest.assets[0]!.browser_download_url)).status).toBe(302);
  });
});

describe('fake GitHub: assets', () => {
  async function published(): Promise<{ gh: FakeGithub; apiUrl: string; browserUrl: string }> {
    const gh = await start();
    const release = gh.publish('o/r', { tag: 'v1', assets: [{ name: 'app.tar.gz', data: DATA }] });
    const asset = release.assets[0]!;
    return { gh, apiUrl: asset.url, browserUrl: asset.browser_download_url };
  }

  it('redirects the API asset URL to the download host for octet-stream, else answers JSON', async () => {
    const { gh, apiUrl } = await published();
    const meta = await get(apiUrl, { accept: 'application/vnd.github+json' });
    expect(json(meta)).toMatchObject({ name: 'app.tar.gz', size: DATA.length, state: 'uploaded' });
    const redirect = await get(apiUrl, { accept: 'application/octet-stream' });
    expect(redirect.status).toBe(302);
    const location = redirect.headers.location!;
    expect(location.startsWith(gh.downloadUrl)).toBe(true);
    expect(new URL(location).port).not.toBe(new URL(gh.apiUrl).port);
    const bytes = await get(location);
    expect(bytes.status).toBe(200);
    expect(bytes.body.equals(DATA)).toBe(true);
  });

  it('serves byte ranges with 206 and Content-Range; browser URLs redirect there too', async () => {
    const { gh, browserUrl } = await published();
    const redirect = await get(browserUrl);
    expect(redirect.status).toBe(302);
    const part = await get(redirect.headers.location!, { range: 'bytes=1000-' });
    expect(part.status).toBe(206);
    expect(part.headers['content-range']).toBe(`bytes 1000-${DATA.length - 1}/${DATA.length}`);
    expect(part.body.equals(DATA.subarray(1000))).toBe(true);
    const beyond = await get(redirect.headers.location!, { range: `bytes=${DATA.length}-` });
    expect(beyond.status).toBe(416);
    expect(gh.requests.filter((r) => r.host === 'download').map((r) => r.status)).toEqual([
      206, 416,
    ]);
  });

  it('drops a download once after N bytes, then serves the rest with Range', async () => {
    const { gh, apiUrl } = await published();
    gh.dropOnce('app.tar.gz', 700);
    const location = (await get(apiUrl, { accept: 'application/octet-stream' })).headers.location!;
    const cut = await getPartial(location);
    expect(cut.complete).toBe(false);
    expect(cut.body.equals(DATA.subarray(0, 700))).toBe(true);
    const rest = await getPartial(location, { range: 'bytes=700-' });
    expect(rest.complete).toBe(true);
    expect(Buffer.concat([cut.body, rest.body]).equals(DATA)).toBe(true);
  });
});

describe('fake GitHub: access and rate limits', () => {
  it('hides a private repository and its assets without the right Bearer token', async () => {
    const gh = await start();
    const release = gh.publish('o/secret', { tag: 'v1', assets: [{ name: 'a', data: DATA }] });
    gh.setPrivate('o/secret', 'tok-123');
    const url = `${gh.apiUrl}/repos/o/secret/releases/latest`;
    expect((await get(url)).status).toBe(404);
    expect((await get(url, { authorization: 'Bearer wrong' })).status).toBe(404);
    expect((await get(url, { authorization: 'Bearer tok-123' })).status).toBe(200);
    const asset = release.assets[0]!;
    const octet = { accept: 'application/octet-stream' };
    expect((await get(asset.url, octet)).status).toBe(404);
    expect((await get(asset.browser_download_url)).status).toBe(404);
    const auth = { ...octet, authorization: 'Bearer tok-123' };
    expect((await get(asset.url, auth)).status).toBe(302);
  });

  it('answers a primary rate limit with 403 and the reset headers', async () => {
    const gh = await start();
    gh.publish('o/r', { tag: 'v1' });
    gh.rateLimit({ kind: 'primary', resetEpochSeconds: 1_900_000_000 });
    const limited = await get(`${gh.apiUrl}/repos/o/r/releases/latest`);
    expect(limited.status).toBe(403);
    expect(limited.headers['x-ratelimit-remaining']).toBe('0');
    expect(limited.headers['x-ratelimit-reset']).toBe('1900000000');
    expect((json(limited) as { message: string }).message).toMatch(/^API rate limit exceeded/);
    gh.rateLimit('off');
    expect((await get(`${gh.apiUrl}/repos/o/r/releases/latest`)).status).toBe(200);
  });

  it('answers a secondary rate limit with 429 and retry-after', async () => {
    const gh = await start();
    gh.publish('o/r', { tag: 'v1' });
    gh.rateLimit({ kind: 'secondary', retryAfterSeconds: 42 });
    const limited = await get(`${gh.apiUrl}/repos/o/r/releases/latest`);
    expect(limited.status).toBe(429);
    expect(limited.headers['retry-after']).toBe('42');
  });

  it('logs every request with its status, and injects failures', async () => {
    const gh = await start();
    gh.publish('o/r', { tag: 'v1' });
    gh.failNext(502, 1);
    const url = `${gh.apiUrl}/repos/o/r/releases/latest`;
    expect((await get(url)).status).toBe(502);
    expect((await get(url, { 'x-test': '1' })).status).toBe(200);
    expect(gh.requests.map((r) => [r.host, r.method, r.url, r.status])).toEqual([
      ['api', 'GET', '/repos/o/r/releases/latest', 502],
      ['api', 'GET', '/repos/o/r/releases/latest', 200],
    ]);
    expect(gh.requests[1]?.headers['x-test']).toBe('1');
  });
});
