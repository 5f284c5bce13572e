/**
 * The auth worker's secrets, kept in memory for `cache_ttl` so that starting more instances, or
 * more processes at boot, logs in once. One fetch at a time: callers that arrive while a login is
 * running share its result.
 */
import type { Clock } from '../../shared/index.js';

export type FetchSecrets = () => Promise<Record<string, string>>;

export class SecretCache {
  private value: { secrets: Record<string, string>; fetchedAt: number } | undefined;
  private inflight: Promise<Record<string, string>> | undefined;

  constructor(
    private readonly fetch: FetchSecrets,
    private readonly clock: Clock,
    private readonly ttlMs: number,
  ) {}

  /** The cached secrets while fresh, else a new fetch. */
  get(): Promise<Record<string, string>> {
    const fresh = this.peek();
    if (fresh) return Promise.resolve(fresh);
    this.inflight ??= this.fetch()
      .then((secrets) => {
        this.value = { secrets, fetchedAt: this.clock.now() };
        return secrets;
      })
      .finally(() => {
        this.inflight = undefined;
      });
    return this.inflight;
  }

  /** The cached secrets if still fresh; never fetches. */
  peek(): Record<string, string> | undefined {
    if (!this.value) return undefined;
    if (this.clock.now() - this.value.fetchedAt >= this.ttlMs) {
      this.value = undefined;
      return undefined;
    }
    return this.value.secrets;
  }

  invalidate(): void {
    this.value = undefined;
  }
}
