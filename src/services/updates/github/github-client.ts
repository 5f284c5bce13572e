import { DaemonError, type Clock } from '../../../shared/index.js';
import type { Release, ReleaseAsset } from '../types.js';
import { githubGet, GithubTransportError, type GithubResponse } from './github-http.js';
import { rateLimitResetAt } from './rate-limit.js';
import { parseRelease, parseReleaseList } from './release-json.js';

/**
 * GitHub's releases REST API (github.com or an Enterprise `api_url` such as
 * https://ghe.example.com/api/v3). Answers are cached per URL with their ETag, so a poller's
 * unchanged answer costs a 304 (which GitHub does not count against the rate limit) and no parse.
 * After a rate limit the client refuses locally until GitHub's reset time: no tight loop reaches
 * GitHub. The token goes into the Authorization header only, never into a message.
 */
export interface GithubClientOptions {
  /** e.g. https://api.github.com, or https://ghe.example.com/api/v3. */
  apiUrl: string;
  token?: string | undefined;
  clock: Clock;
  userAgent?: string;
  /** Inactivity timeout of one request (no byte for this long fails it); default 30 s. */
  timeoutMs?: number;
}

export interface LatestReleaseOptions {
  /** Consider pre-releases too (the newest non-draft release wins). Default false. */
  allowPrerelease?: boolean;
}

export interface ListReleasesOptions {
  /** Most releases returned, newest first; default 30. */
  limit?: number;
  allowPrerelease?: boolean;
}

/** A URL and headers to download an asset's bytes with (redirects lead to the download host). */
export interface AssetDownloadRequest {
  url: string;
  headers: Record<string, string>;
}

export const GITHUB_API_VERSION = '2022-11-28';
export const GITHUB_TIMEOUT_MS = 30_000;
const PAGE_SIZE = 100;
/** Pages read at most when looking for releases past drafts and pre-releases. */
const MAX_PAGES = 10;
const CACHE_ENTRIES = 256;
const REPOSITORY = /^[A-Za-z0-9_.-]+\/[A-Za-z0-9_.-]+$/;

interface CachedAnswer {
  etag: string;
  /** The mapped value (Release or Release[]), handed out again on a 304 without parsing. */
  value: unknown;
}

export class GithubClient {
  private readonly apiUrl: string;
  private readonly token: string | undefined;
  private readonly clock: Clock;
  private readonly userAgent: string;
  private readonly timeoutMs: number;
  private readonly cache = new Map<string, CachedAnswer>();
  private blockedUntil = 0;

  constructor(options: GithubClientOptions) {
    let base: URL;
    try {
      base = new URL(options.apiUrl);
    } catch {
      throw new DaemonError('invalid_argument', `github.api_url "${options.apiUrl}" is not a URL`);
    }
    if (base.protocol !== 'https:' && base.protocol !== 'http:') {
      throw new DaemonError(
        'invalid_argument',
        `github.api_url "${options.apiUrl}" must be an http(s) URL`,
      );
    }
    this.apiUrl = `${base.origin}${base.pathname.replace(/\/+$/, '')}`;
    this.token = options.token === '' ? undefined : options.token;
    this.clock = options.clock;
    this.userAgent = options.userAgent ?? 'gowinproc';
    this.timeoutMs = options.timeoutMs ?? GITHUB_TIMEOUT_MS;
  }

  /** The newest release; without allowPrerelease GitHub's own "latest" (no drafts, no pre-releases). */
  async latestRelease(repo: string, options: LatestReleaseOptions = {}): Promise<Release> {
    if (options.allowPrerelease) {
      const [newest] = await this.listReleases(repo, { limit: 1, allowPrerelease: true });
      if (!newest) {
        throw new DaemonError('release_not_found', `${repo} has no published release`, {
          details: { repository: repo },
        });
      }
      return newest;
    }
    return this.get(
      repoPath(repo, '/releases/latest'),
      `${repo} has no published release (drafts and pre-releases do not count)`,
      repo,
      (json) => parseRelease(json, `latest release of ${repo}`),
    );
  }

  async releaseByTag(repo: string, tag: string): Promise<Release> {
    if (tag === '') throw new DaemonError('invalid_argument', 'the release tag is empty');
    const notFound = `${repo} has no release tagged "${tag}"`;
    const release = await this.get(
      repoPath(repo, `/releases/tags/${encodeURIComponent(tag)}`),
      notFound,
      repo,
      (json) => parseRelease(json, `release ${tag} of ${repo}`),
    );
    // A draft has no tag yet for the public; a token with push access could still see one.
    if (release.draft) {
      throw new DaemonError('release_not_found', notFound, { details: { repository: repo, tag } });
    }
    return release;
  }

  /** Releases newest first, drafts always skipped, pre-releases unless allowed. */
  async listReleases(repo: string, options: ListReleasesOptions = {}): Promise<Release[]> {
    const limit = options.limit ?? 30;
    if (!Number.isInteger(limit) || limit < 1) {
      throw new DaemonError('invalid_argument', `limit must be a positive integer, got ${limit}`);
    }
    const found: Release[] = [];
    for (let page = 1; page <= MAX_PAGES && found.length < limit; page++) {
      const releases = await this.get(
        repoPath(repo, `/releases?per_page=${PAGE_SIZE}&page=${page}`),
        `repository ${repo} not found (a private repository needs github.token)`,
        repo,
        (json) => parseReleaseList(json, `releases of ${repo}`),
      );
      for (const release of releases) {
        if (release.draft || (release.prerelease && !options.allowPrerelease)) continue;
        found.push(release);
        if (found.length === limit) break;
      }
      if (releases.length < PAGE_SIZE) break;
    }
    return found;
  }

  /**
   * How to fetch an asset's bytes: with a token through the API URL (the only way for private
   * repositories), else through the public browser URL.
   */
  assetDownload(asset: ReleaseAsset): AssetDownloadRequest {
    if (this.token === undefined) {
      return { url: asset.browserDownloadUrl, headers: { 'user-agent': this.userAgent } };
    }
    return {
      url: asset.apiUrl,
      headers: {
        ...this.baseHeaders(),
        accept: 'application/octet-stream',
      },
    };
  }

  /** The epoch ms before which the client refuses to call GitHub, if a rate limit is in force. */
  rateLimitedUntil(): number | undefined {
    return this.clock.now() < this.blockedUntil ? this.blockedUntil : undefined;
  }

  private baseHeaders(): Record<string, string> {
    const headers: Record<string, string> = {
      accept: 'application/vnd.github+json',
      'x-github-api-version': GITHUB_API_VERSION,
      'user-agent': this.userAgent,
    };
    if (this.token !== undefined) headers['authorization'] = `Bearer ${this.token}`;
    return headers;
  }

  /**
   * The mapped answer of an API path; after a 304 the cached value itself. Callers treat it as
   * read-only: the same object may be handed out again.
   */
  private async get<T>(
    path: string,
    notFound: string,
    repo: string,
    map: (json: unknown) => T,
  ): Promise<T> {
    const url = new URL(`${this.apiUrl}${path}`);
    const key = url.href;
    this.refuseWhileRateLimited();
    const cached = this.cache.get(key);
    const headers = this.baseHeaders();
    if (cached) headers['if-none-match'] = cached.etag;
    const where = `GET ${url.origin}${url.pathname}`;
    let response: GithubResponse;
    try {
      response = await githubGet(url, headers, this.timeoutMs);
    } catch (error) {
      const message = error instanceof GithubTransportError ? error.message : String(error);
      throw new DaemonError('github_unavailable', `GitHub unreachable: ${message}`, {
        cause: error,
      });
    }
    const { status } = response;
    if (status === 304 && cached) {
      this.remember(key, cached);
      return cached.value as T;
    }
    if (status === 200) {
      let json: unknown;
      try {
        json = JSON.parse(response.text) as unknown;
      } catch (error) {
        throw new DaemonError('github_unavailable', `${where}: GitHub's answer is not JSON`, {
          cause: error,
        });
      }
      const value = map(json);
      const etag = response.headers.etag;
      if (etag) this.remember(key, { etag, value });
      return value;
    }
    const resetAt = rateLimitResetAt(status, response.headers, response.text, this.clock.now());
    if (resetAt !== undefined) {
      this.blockedUntil = Math.max(this.blockedUntil, resetAt);
      this.refuseWhileRateLimited();
      // A reset already past (clock skew): the caller may retry at once, but not loop here.
      throw rateLimited(resetAt);
    }
    if (status === 404) {
      throw new DaemonError('release_not_found', notFound, { details: { repository: repo } });
    }
    throw new DaemonError(
      'github_unavailable',
      `${where} answered HTTP ${status}${githubMessage(response.text)}`,
      { details: { status } },
    );
  }

  private refuseWhileRateLimited(): void {
    if (this.clock.now() < this.blockedUntil) throw rateLimited(this.blockedUntil);
  }

  private remember(key: string, answer: CachedAnswer): void {
    // Map order is insertion order: re-inserting makes this entry the most recently used.
    this.cache.delete(key);
    this.cache.set(key, answer);
    if (this.cache.size > CACHE_ENTRIES) {
      const oldest = this.cache.keys().next().value;
      if (oldest !== undefined) this.cache.delete(oldest);
    }
  }
}

function repoPath(repo: string, rest: string): string {
  // `.` and `..` fit the character set but would walk the URL path.
  if (!REPOSITORY.test(repo) || repo.split('/').some((part) => part === '.' || part === '..')) {
    throw new DaemonError('invalid_argument', `repository "${repo}" is not in the form owner/name`);
  }
  return `/repos/${repo}${rest}`;
}

function rateLimited(resetAt: number): DaemonError {
  return new DaemonError(
    'github_rate_limited',
    `GitHub API rate limit reached; no request before ${new Date(resetAt).toISOString()}`,
    { details: { resetAt } },
  );
}

/** GitHub's own error sentence (`{"message": ...}`), short, for the operator. */
function githubMessage(text: string): string {
  try {
    const body = JSON.parse(text) as unknown;
    if (typeof body === 'object' && body !== null && 'message' in body) {
      const message = (body as { message: unknown }).message;
      if (typeof message === 'string') return `: ${message.slice(0, 200)}`;
    }
  } catch {
    // Not JSON (a proxy's page): the status says enough.
  }
  return '';
}
