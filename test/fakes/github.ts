/**
 * A fake of GitHub's REST API for releases on real HTTP listeners, answering with GitHub's
 * response shapes (test/fixtures/github/release.json is the recorded example a test compares it
 * with). Two listeners, as on github.com: the API (optionally under a GitHub Enterprise prefix
 * such as /api/v3, and also serving browser_download_url paths at its root, like github.com) and a
 * separate download host (like objects.githubusercontent.com) that serves asset bytes with
 * `Range` support. Private repositories, rate limits, dropped downloads and failures can be
 * switched on per test.
 *
 * The list route returns drafts too, as GitHub does for a token with push access: clients must
 * skip them themselves.
 */
import { createHash } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { type AddressInfo, type Socket } from 'node:net';

export interface FakeAssetSpec {
  name: string;
  data: Buffer;
  /** Publish GitHub's `digest` field (`sha256:<hex>`) for this asset. */
  digest?: boolean;
  contentType?: string;
}

export interface PublishSpec {
  tag: string;
  assets?: FakeAssetSpec[];
  name?: string;
  body?: string;
  prerelease?: boolean;
  draft?: boolean;
}

export type RateLimitMode =
  | 'off'
  /** Primary limit: 403 with x-ratelimit-remaining: 0 and x-ratelimit-reset (epoch seconds). */
  | { kind: 'primary'; resetEpochSeconds: number }
  /** Secondary limit: 429 with retry-after (seconds). */
  | { kind: 'secondary'; retryAfterSeconds: number };

export interface FakeGithubRequest {
  host: 'api' | 'download';
  method: string;
  /** Path and query as received (including any Enterprise prefix). */
  url: string;
  headers: IncomingMessage['headers'];
  /** The status answered; undefined while pending or when the connection was dropped. */
  status?: number;
}

export interface FakeGithubOptions {
  /** Path prefix of the API, e.g. `/api/v3` for a GitHub Enterprise layout. Default none. */
  apiPrefix?: string;
}

export interface FakeGithub {
  /** Base URL of the API, with the prefix when one is set (no trailing slash). */
  apiUrl: string;
  /** Base URL of the download host. */
  downloadUrl: string;
  /** Publishes a release (newest so far) and returns GitHub's JSON for it. */
  publish(repo: string, spec: PublishSpec): GithubReleaseJson;
  /** Makes a repository private: without `Authorization: Bearer <token>` it answers 404. */
  setPrivate(repo: string, token: string): void;
  rateLimit(mode: RateLimitMode): void;
  /** The next download of this asset sends `afterBytes` bytes, then drops the connection. */
  dropOnce(assetName: string, afterBytes: number): void;
  /** The next `count` API requests get `status` with GitHub's error body. */
  failNext(status: number, count?: number): void;
  /** The next `count` API requests are never answered (until close). */
  hangNext(count?: number): void;
  requests: FakeGithubRequest[];
  close(): Promise<void>;
}

export interface GithubAssetJson {
  url: string;
  browser_download_url: string;
  id: number;
  node_id: string;
  name: string;
  label: string | null;
  state: 'uploaded' | 'open';
  content_type: string;
  size: number;
  digest?: string;
  download_count: number;
  created_at: string;
  updated_at: string;
  uploader: Record<string, unknown>;
}

export interface GithubReleaseJson {
  url: string;
  html_url: string;
  assets_url: string;
  upload_url: string;
  tarball_url: string | null;
  zipball_url: string | null;
  id: number;
  node_id: string;
  tag_name: string;
  target_commitish: string;
  name: string | null;
  body: string | null;
  draft: boolean;
  prerelease: boolean;
  immutable: boolean;
  created_at: string;
  published_at: string | null;
  updated_at: string;
  author: Record<string, unknown>;
  assets: GithubAssetJson[];
}

interface StoredAsset {
  json: GithubAssetJson;
  data: Buffer;
  repo: string;
}

interface StoredRepo {
  /** Oldest first; answers list newest first. */
  releases: GithubReleaseJson[];
  token?: string;
}

const DOCS = 'https://docs.github.com/rest/releases/releases';
const API_VERSION = '2022-11-28';
/** GitHub's fixed start of time for the fake's timestamps; each publish moves one minute on. */
const EPOCH = Date.UTC(2026, 0, 1);

function octocat(apiUrl: string, webUrl: string): Record<string, unknown> {
  const user = `${apiUrl}/users/octocat`;
  return {
    login: 'octocat',
    id: 1,
    node_id: 'MDQ6VXNlcjE=',
    avatar_url: `${webUrl}/images/error/octocat_happy.gif`,
    gravatar_id: '',
    url: user,
    html_url: `${webUrl}/octocat`,
    followers_url: `${user}/followers`,
    following_url: `${user}/following{/other_user}`,
    gists_url: `${user}/gists{/gist_id}`,
    starred_url: `${user}/starred{/owner}{/repo}`,
    subscriptions_url: `${user}/subscriptions`,
    organizations_url: `${user}/orgs`,
    repos_url: `${user}/repos`,
    events_url: `${user}/events{/privacy}`,
    received_events_url: `${user}/received_events`,
    type: 'User',
    site_admin: false,
  };
}

function listen(server: Server): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve((server.address() as AddressInfo).port));
  });
}

function trackSockets(server: Server): Set<Socket> {
  const sockets = new Set<Socket>();
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  return sockets;
}

function nodeId(prefix: string, id: number): string {
  return Buffer.from(`${prefix}${id}`).toString('base64');
}

function weakEtag(text: string): string {
  return `W/"${createHash('sha256').update(text).digest('hex').slice(0, 40)}"`;
}

export async function startFakeGithub(options: FakeGithubOptions = {}): Promise<FakeGithub> {
  const prefix = (options.apiPrefix ?? '').replace(/\/+$/, '');
  const repos = new Map<string, StoredRepo>();
  const assets = new Map<number, StoredAsset>();
  const drops = new Map<string, number>();
  const requests: FakeGithubRequest[] = [];
  let rateLimitMode: RateLimitMode = 'off';
  let failures: { status: number; count: number } | undefined;
  let hangs = 0;
  let nextReleaseId = 1;
  let nextAssetId = 1;

  const api = createServer();
  const download = createServer();
  const apiSockets = trackSockets(api);
  const downloadSockets = trackSockets(download);
  const apiPort = await listen(api);
  const downloadPort = await listen(download);
  const webUrl = `http://127.0.0.1:${apiPort}`;
  const apiUrl = `${webUrl}${prefix}`;
  const downloadUrl = `http://127.0.0.1:${downloadPort}`;

  const repoOf = (name: string): StoredRepo => {
    const key = name.toLowerCase();
    let repo = repos.get(key);
    if (!repo) {
      repo = { releases: [] };
      repos.set(key, repo);
    }
    return repo;
  };

  const record = (host: FakeGithubRequest['host'], req: IncomingMessage): FakeGithubRequest => {
    const entry: FakeGithubRequest = {
      host,
      method: req.method ?? 'GET',
      url: req.url ?? '/',
      headers: req.headers,
    };
    requests.push(entry);
    return entry;
  };

  const send = (
    entry: FakeGithubRequest,
    res: ServerResponse,
    status: number,
    headers: Record<string, string>,
    body?: string | Buffer,
  ): void => {
    entry.status = status;
    res.writeHead(status, headers);
    res.end(body);
  };

  const rateHeaders = (): Record<string, string> => ({
    'x-ratelimit-limit': '5000',
    'x-ratelimit-remaining': '4999',
    'x-ratelimit-reset': String(Math.floor(Date.now() / 1000) + 3600),
    'x-ratelimit-used': '1',
    'x-ratelimit-resource': 'core',
  });

  const sendJson = (
    entry: FakeGithubRequest,
    req: IncomingMessage,
    res: ServerResponse,
    value: unknown,
    extra: Record<string, string> = {},
  ): void => {
    const text = JSON.stringify(value);
    const etag = weakEtag(text);
    const headers = {
      'x-github-api-version-selected': API_VERSION,
      ...rateHeaders(),
      etag,
      ...extra,
    };
    if (req.headers['if-none-match'] === etag) {
      send(entry, res, 304, headers);
      return;
    }
    send(entry, res, 200, { 'content-type': 'application/json; charset=utf-8', ...headers }, text);
  };

  const sendError = (
    entry: FakeGithubRequest,
    res: ServerResponse,
    status: number,
    message: string,
    docs = DOCS,
    extra: Record<string, string> = {},
  ): void => {
    const text = JSON.stringify({ message, documentation_url: docs, status: String(status) });
    send(
      entry,
      res,
      status,
      { 'content-type': 'application/json; charset=utf-8', ...rateHeaders(), ...extra },
      text,
    );
  };

  const authorized = (repo: StoredRepo, req: IncomingMessage): boolean =>
    repo.token === undefined || req.headers.authorization === `Bearer ${repo.token}`;

  const publish = (repoName: string, spec: PublishSpec): GithubReleaseJson => {
    const repo = repoOf(repoName);
    const id = nextReleaseId++;
    const at = new Date(EPOCH + id * 60_000).toISOString().replace('.000Z', 'Z');
    const repoApi = `${apiUrl}/repos/${repoName}`;
    const release: GithubReleaseJson = {
      url: `${repoApi}/releases/${id}`,
      html_url: `${webUrl}/${repoName}/releases/tag/${encodeURIComponent(spec.tag)}`,
      assets_url: `${repoApi}/releases/${id}/assets`,
      upload_url: `${webUrl}/uploads/repos/${repoName}/releases/${id}/assets{?name,label}`,
      tarball_url: spec.draft ? null : `${repoApi}/tarball/${encodeURIComponent(spec.tag)}`,
      zipball_url: spec.draft ? null : `${repoApi}/zipball/${encodeURIComponent(spec.tag)}`,
      id,
      node_id: nodeId('07:Release', id),
      tag_name: spec.tag,
      target_commitish: 'main',
      name: spec.name ?? spec.tag,
      body: spec.body ?? '',
      draft: spec.draft ?? false,
      prerelease: spec.prerelease ?? false,
      immutable: false,
      created_at: at,
      published_at: spec.draft ? null : at,
      updated_at: at,
      author: octocat(apiUrl, webUrl),
      assets: [],
    };
    for (const assetSpec of spec.assets ?? []) {
      const assetId = nextAssetId++;
      const json: GithubAssetJson = {
        url: `${repoApi}/releases/assets/${assetId}`,
        browser_download_url: `${webUrl}/${repoName}/releases/download/${encodeURIComponent(spec.tag)}/${encodeURIComponent(assetSpec.name)}`,
        id: assetId,
        node_id: nodeId('012:ReleaseAsset', assetId),
        name: assetSpec.name,
        label: '',
        state: 'uploaded',
        content_type: assetSpec.contentType ?? 'application/octet-stream',
        size: assetSpec.data.length,
        download_count: 0,
        created_at: at,
        updated_at: at,
        uploader: octocat(apiUrl, webUrl),
      };
      if (assetSpec.digest) {
        json.digest = `sha256:${createHash('sha256').update(assetSpec.data).digest('hex')}`;
      }
      release.assets.push(json);
      assets.set(assetId, { json, data: assetSpec.data, repo: repoName.toLowerCase() });
    }
    repo.releases.push(release);
    return structuredClone(release);
  };

  /** Where the API and browser URLs send a client for the bytes (signed, like GitHub's). */
  const signedDownloadUrl = (asset: StoredAsset): string =>
    `${downloadUrl}/github-production-release-asset/${asset.json.id}/${encodeURIComponent(asset.json.name)}?X-Amz-Signature=${createHash('sha256').update(String(asset.json.id)).digest('hex')}&response-content-disposition=attachment`;

  const newestFirst = (repo: StoredRepo): GithubReleaseJson[] => [...repo.releases].reverse();

  const handleApi = (req: IncomingMessage, res: ServerResponse): void => {
    const entry = record('api', req);
    if (hangs > 0) {
      hangs--;
      return;
    }
    if (failures && failures.count > 0) {
      failures.count--;
      sendError(entry, res, failures.status, 'Server Error');
      return;
    }
    const url = new URL(req.url ?? '/', webUrl);
    // browser_download_url lives at the web root (github.com), outside the API prefix.
    const browser = /^\/([^/]+\/[^/]+)\/releases\/download\/([^/]+)\/([^/]+)$/.exec(url.pathname);
    if (browser) {
      const repo = repos.get(browser[1]!.toLowerCase());
      const tag = decodeURIComponent(browser[2]!);
      const name = decodeURIComponent(browser[3]!);
      const release = repo?.releases.find((r) => r.tag_name === tag && !r.draft);
      const asset = release?.assets.find((a) => a.name === name);
      const stored = asset ? assets.get(asset.id) : undefined;
      if (!repo || !stored || !authorized(repo, req)) {
        send(entry, res, 404, { 'content-type': 'text/plain' }, 'Not Found');
        return;
      }
      send(entry, res, 302, { location: signedDownloadUrl(stored) });
      return;
    }
    if (!url.pathname.startsWith(`${prefix}/`)) {
      sendError(entry, res, 404, 'Not Found', 'https://docs.github.com/rest');
      return;
    }
    const path = url.pathname.slice(prefix.length);
    if (rateLimitMode !== 'off') {
      if (rateLimitMode.kind === 'primary') {
        sendError(
          entry,
          res,
          403,
          "API rate limit exceeded for 127.0.0.1. (But here's the good news: Authenticated requests get a higher rate limit. Check out the documentation for more details.)",
          'https://docs.github.com/rest/overview/resources-in-the-rest-api#rate-limiting',
          {
            'x-ratelimit-limit': '60',
            'x-ratelimit-remaining': '0',
            'x-ratelimit-reset': String(rateLimitMode.resetEpochSeconds),
            'x-ratelimit-used': '60',
          },
        );
      } else {
        sendError(
          entry,
          res,
          429,
          'You have exceeded a secondary rate limit. Please wait a few minutes before you try again.',
          'https://docs.github.com/free-pro-team@latest/rest/overview/rate-limits-for-the-rest-api#about-secondary-rate-limits',
          { 'retry-after': String(rateLimitMode.retryAfterSeconds) },
        );
      }
      return;
    }
    const route = /^\/repos\/([^/]+\/[^/]+)\/releases(?:\/(.*))?$/.exec(path);
    const repo = route ? repos.get(route[1]!.toLowerCase()) : undefined;
    if (!route || !repo || !authorized(repo, req) || req.method !== 'GET') {
      sendError(entry, res, 404, 'Not Found');
      return;
    }
    const rest = route[2];
    if (rest === undefined || rest === '') {
      const perPage = Math.min(100, Math.max(1, Number(url.searchParams.get('per_page') ?? 30)));
      const page = Math.max(1, Number(url.searchParams.get('page') ?? 1));
      const all = newestFirst(repo);
      const lastPage = Math.max(1, Math.ceil(all.length / perPage));
      const slice = all.slice((page - 1) * perPage, page * perPage);
      const link = (p: number, rel: string): string =>
        `<${apiUrl}/repos/${route[1]}/releases?per_page=${perPage}&page=${p}>; rel="${rel}"`;
      const links: string[] = [];
      if (page > 1) links.push(link(page - 1, 'prev'), link(1, 'first'));
      if (page < lastPage) links.push(link(page + 1, 'next'), link(lastPage, 'last'));
      sendJson(entry, req, res, slice, links.length > 0 ? { link: links.join(', ') } : {});
      return;
    }
    if (rest === 'latest') {
      const latest = newestFirst(repo).find((r) => !r.draft && !r.prerelease);
      if (latest) sendJson(entry, req, res, latest);
      else sendError(entry, res, 404, 'Not Found', `${DOCS}#get-the-latest-release`);
      return;
    }
    const byTag = /^tags\/(.+)$/.exec(rest);
    if (byTag) {
      const tag = decodeURIComponent(byTag[1]!);
      const release = repo.releases.find((r) => r.tag_name === tag && !r.draft);
      if (release) sendJson(entry, req, res, release);
      else sendError(entry, res, 404, 'Not Found', `${DOCS}#get-a-release-by-tag-name`);
      return;
    }
    const byAsset = /^assets\/(\d+)$/.exec(rest);
    const stored = byAsset ? assets.get(Number(byAsset[1])) : undefined;
    if (stored && stored.repo === route[1]!.toLowerCase()) {
      if ((req.headers.accept ?? '').includes('application/octet-stream')) {
        send(entry, res, 302, { location: signedDownloadUrl(stored) });
      } else {
        sendJson(entry, req, res, stored.json);
      }
      return;
    }
    sendError(entry, res, 404, 'Not Found');
  };

  const handleDownload = (req: IncomingMessage, res: ServerResponse): void => {
    const entry = record('download', req);
    const match = /^\/github-production-release-asset\/(\d+)\//.exec(req.url ?? '');
    const stored = match ? assets.get(Number(match[1])) : undefined;
    if (!stored || !(req.url ?? '').includes('X-Amz-Signature=')) {
      send(entry, res, 403, { 'content-type': 'application/xml' }, '<Error>AccessDenied</Error>');
      return;
    }
    const { data } = stored;
    let start = 0;
    let end = data.length - 1;
    let status = 200;
    const range = /^bytes=(\d+)-(\d*)$/.exec(req.headers.range ?? '');
    if (range) {
      start = Number(range[1]);
      end = range[2] === '' ? data.length - 1 : Math.min(Number(range[2]), data.length - 1);
      if (start >= data.length || start > end) {
        send(entry, res, 416, { 'content-range': `bytes */${data.length}` });
        return;
      }
      status = 206;
    }
    const body = data.subarray(start, end + 1);
    const headers: Record<string, string> = {
      'content-type': 'application/octet-stream',
      'content-length': String(body.length),
      'accept-ranges': 'bytes',
      etag: `"${createHash('md5').update(data).digest('hex')}"`,
    };
    if (status === 206) headers['content-range'] = `bytes ${start}-${end}/${data.length}`;
    const dropAfter = drops.get(stored.json.name);
    if (dropAfter !== undefined) {
      drops.delete(stored.json.name);
      res.writeHead(status, headers);
      res.write(body.subarray(0, dropAfter), () => {
        // Destroy after the partial bytes left, so the client sees them and then a reset.
        setImmediate(() => res.socket?.destroy());
      });
      return;
    }
    send(entry, res, status, headers, body);
  };

  api.on('request', handleApi);
  download.on('request', handleDownload);

  return {
    apiUrl,
    downloadUrl,
    publish,
    setPrivate(repo, token) {
      repoOf(repo).token = token;
    },
    rateLimit(mode) {
      rateLimitMode = mode;
    },
    dropOnce(assetName, afterBytes) {
      drops.set(assetName, afterBytes);
    },
    failNext(status, count = 1) {
      failures = { status, count };
    },
    hangNext(count = 1) {
      hangs = count;
    },
    requests,
    async close() {
      for (const socket of [...apiSockets, ...downloadSockets]) socket.destroy();
      await Promise.all([
        new Promise<void>((resolve) => api.close(() => resolve())),
        new Promise<void>((resolve) => download.close(() => resolve())),
      ]);
    },
  };
}
