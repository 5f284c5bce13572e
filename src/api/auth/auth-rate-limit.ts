/**
 * Slows down credential guessing: a client that fails authentication `maxFailures` times within
 * `windowMs` is locked out (every request refused with rate_limited) for `windowMs` from the
 * failure that reached the limit; then it starts afresh. Successes neither count nor reset.
 *
 * Clients are keyed by the caller's address (see AuthPolicy: tunnelled requests by the
 * Cf-Connecting-Ip value, since they all arrive from cloudflared on loopback). Memory is bounded:
 * at most `maxClients` entries; stale ones are dropped first, then the least recently failed.
 * Decisions take `now`, so tests drive time.
 */

export interface AuthRateLimitOptions {
  /** Failures within the window that lock a client out (default 10). */
  maxFailures: number;
  /** The window, and the lockout's length, in ms (default 60 s). */
  windowMs: number;
  /** Clients remembered at once (default 10 000). */
  maxClients: number;
}

export const DEFAULT_AUTH_RATE_LIMIT: AuthRateLimitOptions = {
  maxFailures: 10,
  windowMs: 60_000,
  maxClients: 10_000,
};

export type RateDecision = { limited: false } | { limited: true; retryAfterMs: number };

interface ClientFailures {
  /** Times of the recent failures, oldest first (at most maxFailures). */
  failures: number[];
  lockedUntil?: number;
}

export class AuthFailureLimiter {
  private readonly clients = new Map<string, ClientFailures>();
  private readonly options: AuthRateLimitOptions;

  constructor(options: Partial<AuthRateLimitOptions> = {}) {
    this.options = { ...DEFAULT_AUTH_RATE_LIMIT, ...options };
  }

  /** Whether this client is locked out now. */
  check(client: string, now: number): RateDecision {
    const entry = this.clients.get(client);
    if (entry?.lockedUntil === undefined) return { limited: false };
    if (now >= entry.lockedUntil) {
      this.clients.delete(client);
      return { limited: false };
    }
    return { limited: true, retryAfterMs: entry.lockedUntil - now };
  }

  /** Records one failed authentication; returns the decision for the client's next request. */
  recordFailure(client: string, now: number): RateDecision {
    const { maxFailures, windowMs } = this.options;
    const entry = this.clients.get(client) ?? { failures: [] };
    this.clients.delete(client); // re-inserted below: the map stays ordered by last failure
    if (entry.lockedUntil !== undefined && now < entry.lockedUntil) {
      this.remember(client, entry, now);
      return { limited: true, retryAfterMs: entry.lockedUntil - now };
    }
    const failures = entry.failures.filter((at) => at > now - windowMs);
    failures.push(now);
    if (failures.length >= maxFailures) {
      const lockedUntil = now + windowMs;
      this.remember(client, { failures: [], lockedUntil }, now);
      return { limited: true, retryAfterMs: windowMs };
    }
    this.remember(client, { failures }, now);
    return { limited: false };
  }

  /** How many clients are remembered (for tests of the bound). */
  get size(): number {
    return this.clients.size;
  }

  private remember(client: string, entry: ClientFailures, now: number): void {
    if (this.clients.size >= this.options.maxClients) this.evict(now);
    this.clients.set(client, entry);
  }

  private evict(now: number): void {
    for (const [client, entry] of this.clients) {
      if (!this.isActive(entry, now)) this.clients.delete(client);
    }
    // Still full of active clients: forget the ones that failed longest ago.
    for (const client of this.clients.keys()) {
      if (this.clients.size < this.options.maxClients) break;
      this.clients.delete(client);
    }
  }

  private isActive(entry: ClientFailures, now: number): boolean {
    if (entry.lockedUntil !== undefined) return now < entry.lockedUntil;
    const last = entry.failures.at(-1);
    return last !== undefined && last > now - this.options.windowMs;
  }
}
