/**
 * The keys behind `server.auth.jwt.jwks_url`, fetched over node:http(s) and cached. jose's
 * createRemoteJWKSet would do the same with fetch, which loads undici (~10 MB) into the daemon.
 *
 * The set is refetched when it is older than `cacheMaxAgeMs`, or when a token names a key the set
 * lacks (a rotation) and the last fetch is older than `cooldownMs`. Concurrent verifications share
 * one fetch. When a refetch fails, a set fetched before keeps serving; with none, verification
 * fails with a JwksUnavailable error naming the URL and the reason, and the next attempt waits out
 * `cooldownMs` so bogus tokens cannot make the daemon hammer the key server.
 */
import type {
  createLocalJWKSet,
  FlattenedJWSInput,
  JSONWebKeySet,
  JWSHeaderParameters,
} from 'jose';
import { loadJose } from './jose-loader.js';
import {
  HttpRequestError,
  requestJson,
  type Clock,
  type JsonResponse,
} from '../../shared/index.js';

export interface JwksSourceOptions {
  timeoutMs: number;
  cacheMaxAgeMs: number;
  cooldownMs: number;
}

export const DEFAULT_JWKS_OPTIONS: JwksSourceOptions = {
  timeoutMs: 5_000,
  cacheMaxAgeMs: 10 * 60_000,
  cooldownMs: 30_000,
};

const MAX_JWKS_BYTES = 1024 * 1024;

/** The key set could not be had: the daemon's problem (or the key server's), not the caller's. */
export class JwksUnavailable extends Error {
  override readonly name = 'JwksUnavailable';
}

type KeyResolver = ReturnType<typeof createLocalJWKSet>;

export class JwksSource {
  private keys: KeyResolver | undefined;
  private fetchedAt = -Infinity;
  private failure: { at: number; error: JwksUnavailable } | undefined;
  private pending: Promise<void> | undefined;
  private readonly options: JwksSourceOptions;

  constructor(
    readonly url: URL,
    private readonly clock: Clock,
    options: Partial<JwksSourceOptions> = {},
  ) {
    this.options = { ...DEFAULT_JWKS_OPTIONS, ...options };
  }

  /** jose's key lookup: the key of the set that matches the token's header (kid, alg). */
  readonly resolve = async (
    header: JWSHeaderParameters,
    token: FlattenedJWSInput,
  ): ReturnType<KeyResolver> => {
    const now = this.clock.now();
    if (this.keys === undefined || now - this.fetchedAt >= this.options.cacheMaxAgeMs) {
      await this.refresh(now);
    }
    const keys = this.keys;
    if (keys === undefined) throw this.failure?.error ?? new JwksUnavailable('no key set');
    try {
      return await keys(header, token);
    } catch (error) {
      const { errors } = await loadJose();
      if (!(error instanceof errors.JWKSNoMatchingKey)) throw error;
      if (this.clock.now() - this.fetchedAt < this.options.cooldownMs) throw error;
      await this.refresh(this.clock.now());
      return (this.keys ?? keys)(header, token);
    }
  };

  private async refresh(now: number): Promise<void> {
    if (this.failure !== undefined && now - this.failure.at < this.options.cooldownMs) {
      if (this.keys === undefined) throw this.failure.error;
      return;
    }
    this.pending ??= this.load().finally(() => (this.pending = undefined));
    try {
      await this.pending;
    } catch (error) {
      // A set fetched before keeps serving while the key server is down.
      if (this.keys === undefined) throw error;
    }
  }

  private async load(): Promise<void> {
    try {
      const json = await this.download();
      const keys = (await loadJose()).createLocalJWKSet(json);
      this.keys = keys;
      this.fetchedAt = this.clock.now();
      this.failure = undefined;
    } catch (error) {
      const failure =
        error instanceof JwksUnavailable
          ? error
          : new JwksUnavailable(`it is not a JSON Web Key Set (${(error as Error).message})`);
      this.failure = { at: this.clock.now(), error: failure };
      throw failure;
    }
  }

  private async download(): Promise<JSONWebKeySet> {
    let answer: JsonResponse;
    try {
      answer = await requestJson({
        method: 'GET',
        url: this.url,
        timeoutMs: this.options.timeoutMs,
        maxBodyBytes: MAX_JWKS_BYTES,
        clock: this.clock,
      });
    } catch (error) {
      if (error instanceof HttpRequestError && error.kind === 'timeout')
        throw new JwksUnavailable(`no answer within ${this.options.timeoutMs} ms`);
      // The system error itself (connect ECONNREFUSED ...) says most to an operator.
      const cause = (error as Error).cause;
      throw new JwksUnavailable(cause instanceof Error ? cause.message : (error as Error).message);
    }
    if (answer.status !== 200) {
      throw new JwksUnavailable(`HTTP status ${answer.status}, expected 200`);
    }
    if (answer.body === undefined) throw new JwksUnavailable('the answer is not JSON');
    return answer.body as JSONWebKeySet;
  }
}
