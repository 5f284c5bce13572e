import {
  DaemonError,
  HttpRequestError,
  requestJson,
  type Clock,
  type JsonResponse,
} from '../../../shared/index.js';
import { DEFAULT_RATE_LIMIT_WAIT_MS } from '../github/index.js';

/**
 * The Cloudflare webhook worker that records each repository's latest version
 * (../shared/spec/cloudflare.md §3), asked instead of GitHub's API in `github.mode: cloudflare`.
 * The worker stands in for GitHub, so its failures use GitHub's codes: an unknown repository is
 * release_not_found (the worker's JSON 404), anything else that is not a good answer is github_unavailable (a 429 is
 * github_rate_limited for a minute, since the JSON transport does not show a Retry-After).
 * Messages name the call (origin and path only) and an excerpt of the worker's text.
 */
export interface RepoMetadata {
  /** `owner/repo`. */
  repo: string;
  version: string;
  grpcEndpoint: string;
  /** Milliseconds since the epoch. */
  updatedAt: number;
  createdAt: number;
}

export interface VersionWorkerClientOptions {
  /** `github.cloudflare.worker_url`; a trailing `/` is ignored. */
  url: string;
  clock: Clock;
  /** Deadline of one call, connect to last byte; default 10 s. */
  timeoutMs?: number;
}

export const VERSION_WORKER_TIMEOUT_MS = 10_000;
export const DEFAULT_REPO_LIST_LIMIT = 100;
/** Longest excerpt of a worker's error text put into a message (a 502 page can be long HTML). */
export const ERROR_EXCERPT_CHARS = 200;
const REPOSITORY = /^[A-Za-z0-9_.-]+\/[A-Za-z0-9_.-]+$/;

export class VersionWorkerClient {
  private readonly base: string;
  private readonly clock: Clock;
  private readonly timeoutMs: number;

  constructor(options: VersionWorkerClientOptions) {
    let url: URL;
    try {
      url = new URL(options.url);
    } catch {
      throw new DaemonError(
        'invalid_argument',
        `github.cloudflare.worker_url "${options.url}" is not a URL`,
      );
    }
    if (url.protocol !== 'https:' && url.protocol !== 'http:') {
      throw new DaemonError(
        'invalid_argument',
        `github.cloudflare.worker_url "${options.url}" must be an http(s) URL`,
      );
    }
    this.base = `${url.origin}${url.pathname.replace(/\/+$/, '')}`;
    this.clock = options.clock;
    this.timeoutMs = options.timeoutMs ?? VERSION_WORKER_TIMEOUT_MS;
  }

  /** The worker's record of one repository; release_not_found when it has none. */
  async repository(repo: string): Promise<RepoMetadata> {
    if (!REPOSITORY.test(repo)) {
      throw new DaemonError(
        'invalid_argument',
        `repository "${repo}" is not of the form owner/repo`,
      );
    }
    const [owner = '', name = ''] = repo.split('/');
    const path = `/repo/${encodeURIComponent(owner)}/${encodeURIComponent(name)}`;
    const response = await this.get(path);
    // Only the worker's own JSON 404 means "no record": a plain-text 404 is a wrong URL.
    if (response.status === 404 && successFlag(response.body) === false) {
      throw new DaemonError(
        'release_not_found',
        `the webhook worker has no version for ${repo}${excerptSuffix(response)}`,
        { details: { repository: repo } },
      );
    }
    this.assertOk(path, response);
    const data = successData(response.body);
    if (!isRepoMetadata(data)) throw malformed(path);
    return pickMetadata(data);
  }

  /** Every repository the worker knows, at most `limit`. */
  async list(limit = DEFAULT_REPO_LIST_LIMIT): Promise<RepoMetadata[]> {
    if (!Number.isInteger(limit) || limit < 1) {
      throw new DaemonError('invalid_argument', `limit must be a positive integer, got ${limit}`);
    }
    const path = '/repos';
    const response = await this.get(`${path}?limit=${limit}`);
    this.assertOk(path, response);
    const data = successData(response.body);
    if (!Array.isArray(data) || !data.every(isRepoMetadata)) throw malformed(path);
    return data.map(pickMetadata);
  }

  private async get(pathAndQuery: string): Promise<JsonResponse> {
    try {
      return await requestJson({
        method: 'GET',
        url: `${this.base}${pathAndQuery}`,
        headers: { 'x-service-binding': 'true' },
        timeoutMs: this.timeoutMs,
        clock: this.clock,
      });
    } catch (error) {
      const message = error instanceof HttpRequestError ? error.message : String(error);
      throw new DaemonError('github_unavailable', `webhook worker unreachable: ${message}`, {
        cause: error,
      });
    }
  }

  private assertOk(path: string, response: JsonResponse): void {
    if (response.status === 200) return;
    const problem = `webhook worker GET ${path}: HTTP ${response.status}${excerptSuffix(response)}`;
    if (response.status === 429) {
      const resetAt = this.clock.now() + DEFAULT_RATE_LIMIT_WAIT_MS;
      throw new DaemonError('github_rate_limited', problem, { details: { resetAt } });
    }
    throw new DaemonError('github_unavailable', problem, { details: { status: response.status } });
  }
}

function successFlag(body: unknown): unknown {
  return typeof body === 'object' && body !== null
    ? (body as Record<string, unknown>)['success']
    : undefined;
}

function successData(body: unknown): unknown {
  if (typeof body !== 'object' || body === null) return undefined;
  const record = body as Record<string, unknown>;
  return record['success'] === true ? record['data'] : undefined;
}

function isRepoMetadata(value: unknown): value is RepoMetadata {
  if (typeof value !== 'object' || value === null) return false;
  const v = value as Record<string, unknown>;
  return (
    typeof v['repo'] === 'string' &&
    typeof v['version'] === 'string' &&
    typeof v['grpcEndpoint'] === 'string' &&
    Number.isFinite(v['updatedAt']) &&
    Number.isFinite(v['createdAt'])
  );
}

/** Only the spec's fields: whatever else a newer worker adds does not leak further. */
function pickMetadata(value: RepoMetadata): RepoMetadata {
  const { repo, version, grpcEndpoint, updatedAt, createdAt } = value;
  return { repo, version, grpcEndpoint, updatedAt, createdAt };
}

function malformed(path: string): DaemonError {
  return new DaemonError(
    'github_unavailable',
    `webhook worker GET ${path}: the answer is not the documented {"success":true,"data":...} shape`,
  );
}

/** ` "<excerpt>"` of the worker's error: `error` of a JSON body, else its plain text. */
function excerptSuffix(response: JsonResponse): string {
  const body = response.body;
  const raw =
    typeof body === 'object' &&
    body !== null &&
    typeof (body as { error?: unknown }).error === 'string'
      ? (body as { error: string }).error
      : response.text;
  // Control characters out, whitespace runs collapsed: the excerpt is one log-friendly line.
  const clean = [...raw.slice(0, ERROR_EXCERPT_CHARS * 4)]
    .map((char) => (char < ' ' || char === '\u007f' ? ' ' : char))
    .join('')
    .replace(/\s+/g, ' ')
    .trim();
  if (clean === '') return '';
  const excerpt =
    clean.length > ERROR_EXCERPT_CHARS ? `${clean.slice(0, ERROR_EXCERPT_CHARS)}...` : clean;
  return ` ${JSON.stringify(excerpt)}`;
}
