/**
 * The repositories gowinproc knows (ListRepositories): every configured process's `repository`
 * and, when the Cloudflare auth worker is configured, the worker's repoList. The worker is an
 * extra: when it fails (the caller's fetchRepoList logs why), the configured ones still answer.
 */
import type { Config } from '../config/index.js';
import type { Clock } from '../shared/index.js';

export interface RepositoryUseCasesOptions {
  config: () => Config;
  /** The worker's repoList; undefined when it has none. May reject: the list then goes without. */
  fetchRepoList?: (() => Promise<string[] | undefined>) | undefined;
  /** With a clock, a worker list is reused for `cacheMs`: a busy dashboard is not a login storm. */
  clock?: Clock | undefined;
  cacheMs?: number | undefined;
}

const DEFAULT_CACHE_MS = 60_000;

export class RepositoryUseCases {
  private cached: { at: number; repos: string[] } | undefined;
  private inflight: Promise<string[] | undefined> | undefined;

  constructor(private readonly options: RepositoryUseCasesOptions) {}

  /** Sorted, each repository once (GitHub names are case-insensitive: the first spelling wins). */
  async list(): Promise<string[]> {
    const configured = this.options
      .config()
      .processes.flatMap((p) => (p.repository === undefined ? [] : [p.repository]));
    return uniqueSorted([...configured, ...((await this.workerRepos()) ?? [])]);
  }

  private async workerRepos(): Promise<string[] | undefined> {
    const fetchRepoList = this.options.fetchRepoList;
    if (!fetchRepoList) return undefined;
    const { clock } = this.options;
    const cacheMs = this.options.cacheMs ?? DEFAULT_CACHE_MS;
    if (clock && this.cached && clock.now() - this.cached.at < cacheMs) return this.cached.repos;
    // Concurrent calls share one login.
    this.inflight ??= fetchRepoList()
      .then((repos) => {
        if (repos !== undefined && clock) this.cached = { at: clock.now(), repos };
        return repos;
      })
      .catch(() => undefined)
      .finally(() => (this.inflight = undefined));
    return this.inflight;
  }
}

function uniqueSorted(repos: string[]): string[] {
  const byKey = new Map<string, string>();
  for (const repo of repos) {
    const name = repo.trim();
    if (name === '') continue;
    const key = name.toLowerCase();
    if (!byKey.has(key)) byKey.set(key, name);
  }
  // Not localeCompare: ICU collation data costs the daemon ~3 MB.
  return [...byKey.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([, n]) => n);
}
