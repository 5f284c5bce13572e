/**
 * CORS for the origins in server.cors.origins, and only those: their pages may read our answers
 * (errors and SSE included) and send credentials in headers. No cookies are involved, so no
 * Allow-Credentials. Other cross-origin requests are refused before this (checkBrowserRequest).
 * The same headers serve gRPC-Web and Connect on this port: their extra request headers are
 * allowed here, and their edge adds the response headers it needs exposed.
 */

export const CORS_ALLOW_METHODS = 'GET, POST';
export const CORS_ALLOW_HEADERS =
  'authorization, content-type, x-api-key, connect-protocol-version, connect-timeout-ms, grpc-timeout, x-grpc-web, x-user-agent';
export const CORS_MAX_AGE_SECONDS = 600;
/** Response headers a page may read beyond the CORS-safelisted ones. */
export const CORS_EXPOSE_HEADERS = ['Retry-After'] as const;

/** Whether this Origin is listed (scheme://host:port; case and a trailing slash do not matter). */
export function isAllowedOrigin(origin: string | undefined, allowed: readonly string[]): boolean {
  if (origin === undefined || origin === 'null') return false;
  const wanted = normalizeOrigin(origin);
  return allowed.some((entry) => normalizeOrigin(entry) === wanted);
}

/** Headers for any answer to a request from a listed origin; none for other requests. */
export function corsHeaders(
  origin: string | undefined,
  allowed: readonly string[],
  exposeHeaders: readonly string[] = [],
): Record<string, string> {
  if (origin === undefined || !isAllowedOrigin(origin, allowed)) return {};
  return {
    'access-control-allow-origin': origin,
    vary: 'Origin',
    'access-control-expose-headers': [...CORS_EXPOSE_HEADERS, ...exposeHeaders].join(', '),
  };
}

/** The answer to a preflight (OPTIONS) from a listed origin, on top of corsHeaders. */
export function preflightHeaders(
  origin: string | undefined,
  allowed: readonly string[],
): Record<string, string> {
  if (origin === undefined || !isAllowedOrigin(origin, allowed)) return {};
  return {
    'access-control-allow-methods': CORS_ALLOW_METHODS,
    'access-control-allow-headers': CORS_ALLOW_HEADERS,
    'access-control-max-age': String(CORS_MAX_AGE_SECONDS),
  };
}

function normalizeOrigin(origin: string): string {
  return origin.trim().replace(/\/+$/, '').toLowerCase();
}
