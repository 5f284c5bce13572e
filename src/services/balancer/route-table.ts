/**
 * A load balancer's routes, compiled once. A route's `methods` are regular expressions tested
 * against the request path (`/package.Service/Method`), unanchored as Go's regexp.MatchString
 * tests them in the original; the first route with a matching pattern wins.
 *
 * A service calls a handful of distinct methods, so answers are cached per path and the regexes
 * run once per method, not once per call. The cache is bounded because paths come from clients:
 * a client spraying made-up method names must not grow the daemon's memory.
 */
import type { LoadBalancerRoute } from '../../config/index.js';
import { DaemonError } from '../../shared/index.js';

export interface CompiledRoute {
  /** The route's position in the balancer's `routes`. */
  readonly index: number;
  readonly route: LoadBalancerRoute;
  readonly patterns: readonly RegExp[];
  /** The route's methods joined by "|": its name in stats and metrics. */
  readonly label: string;
}

/** Distinct paths remembered; past this the oldest answers are forgotten first. */
export const ROUTE_CACHE_SIZE = 1024;

/** Marks a remembered "no route" answer, so unknown paths are not re-tested on every call. */
const NO_ROUTE = null;

export class RouteTable {
  readonly routes: readonly CompiledRoute[];
  private readonly cache = new Map<string, CompiledRoute | typeof NO_ROUTE>();

  constructor(
    routes: readonly LoadBalancerRoute[],
    private readonly cacheSize: number = ROUTE_CACHE_SIZE,
  ) {
    this.routes = Object.freeze(routes.map(compileRoute));
  }

  match(path: string): CompiledRoute | undefined {
    const cached = this.cache.get(path);
    if (cached !== undefined) return cached ?? undefined;
    const found = this.routes.find((route) => route.patterns.some((pattern) => pattern.test(path)));
    if (this.cacheSize > 0) {
      if (this.cache.size >= this.cacheSize) {
        // Map iterates in insertion order, so the first key is the oldest entry.
        const oldest = this.cache.keys().next();
        if (oldest.done !== true) this.cache.delete(oldest.value);
      }
      this.cache.set(path, found ?? NO_ROUTE);
    }
    return found;
  }

  /** Paths currently remembered (for tests of the bound). */
  get cachedPaths(): number {
    return this.cache.size;
  }
}

function compileRoute(route: LoadBalancerRoute, index: number): CompiledRoute {
  const patterns = route.methods.map((method, m) => {
    try {
      // No flags: the same syntax config validation accepted, and `test` stays stateless.
      return new RegExp(method);
    } catch (error) {
      throw new DaemonError(
        'config_invalid',
        `route ${index} method ${m}: invalid regular expression ${JSON.stringify(method)}: ${(error as Error).message}`,
        { details: { route: index, method: m, pattern: method }, cause: error },
      );
    }
  });
  return Object.freeze({
    index,
    route,
    patterns: Object.freeze(patterns),
    label: route.methods.join('|'),
  });
}
