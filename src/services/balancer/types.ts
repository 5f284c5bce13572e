/**
 * The load balancer's shared vocabulary: what a pick function sees, what the proxy asks the
 * router, and what it reports when a call ends. The proxy (`proxy/`) knows nothing of routes,
 * pools or strategies; the pool (`backend-pool.ts`) knows nothing of HTTP/2.
 */
import type { BalancerStrategy } from '../../config/index.js';

export type { BalancerStrategy };

/** One backend as a pick function sees it: only eligible backends (ready, not ejected or draining). */
export interface PickCandidate {
  /** The instance id. */
  readonly id: string;
  readonly process: string;
  /**
   * Position for `primary`: the route's target_processes order, then the instance index.
   * Candidates are passed sorted by it.
   */
  readonly order: number;
  /** Streams in flight to this backend (all routes, all balancers). */
  readonly inFlight: number;
  /** The route's weight for this backend's process (`weights`), default 1. */
  readonly weight: number;
}

/** A pick's answer: the chosen backend (none when no candidate can take it) and the route's next cursor. */
export interface Pick {
  readonly chosen: PickCandidate | undefined;
  readonly cursor: number;
}

/** Where the proxy sends one stream. */
export interface BackendAddress {
  /** The instance id; also the key of its pooled HTTP/2 session. */
  readonly id: string;
  readonly host: string;
  readonly port: number;
}

/** How one proxied stream ended, for stats and passive outlier detection. */
export interface CallOutcome {
  /** The grpc-status the client received (14 UNAVAILABLE for a backend reset, 1 CANCELLED...). */
  readonly grpcStatus: number;
  /** The backend could not be reached at all (connect error, session refused the stream). */
  readonly connectFailed: boolean;
  /** The client went away (RST_STREAM or closed connection) before the call ended. */
  readonly cancelledByClient: boolean;
  /** From the request's HEADERS to the end of the response (trailers or reset). */
  readonly durationMs: number;
  /**
   * This attempt failed before reaching the backend and the same call goes on to another
   * backend: the backend's stats count it, its route's stats wait for the call's last attempt.
   */
  readonly willRetry?: boolean | undefined;
}

/** One stream's claim on a backend: it counts as in flight until `finish` (called exactly once). */
export interface CallLease {
  readonly backend: BackendAddress;
  finish(outcome: CallOutcome): void;
}

/** The router's answer for a new stream. */
export type RouteChoice =
  | { readonly kind: 'no_route' }
  | { readonly kind: 'no_backend'; readonly message: string }
  | { readonly kind: 'backend'; readonly lease: CallLease };

/** What the proxy asks for every new stream. */
export interface StreamRouter {
  /**
   * Picks a backend for a stream to `path` (`/package.Service/Method`). `exclude` holds the ids of
   * backends this same stream already failed to connect to (the proxy retries elsewhere once the
   * connection, not the call, failed): a non-empty `exclude` is a retry of a call already counted.
   */
  route(path: string, exclude: ReadonlySet<string>): RouteChoice;
}
