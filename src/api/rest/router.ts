/**
 * The REST edge without a framework: a route table matched on method and path, with one place
 * for authentication, input validation (zod; a bad field is a 400 naming it) and error mapping
 * ({"error","code"} with the status from HTTP_STATUS; 429s carry Retry-After), and CORS for the
 * listed origins (cors.ts; OPTIONS preflights are answered here for every route path). `handle`
 * works on plain request objects, so tests call it in process; node-adapter.ts serves it on a
 * socket. (No fetch Request/Response: they load undici, ~10 MB the daemon does not need.)
 */
import type { z } from 'zod';
import { DaemonError, isLoopbackHost } from '../../shared/index.js';
import type { AuthPolicy } from '../auth/index.js';
import { corsHeaders, isAllowedOrigin, preflightHeaders } from './cors.js';
import { HTTP_STATUS } from './error-status.js';
import {
  isRawBody,
  isSseStream,
  MAX_BODY_BYTES,
  StatusAnswer,
  type RouteSpec,
  type SseStream,
} from './route.js';

export interface RestRequest {
  method: string;
  /** Path and query, e.g. `/api/v1/processes/web/logs?tail=10`. */
  url: string;
  headers: Readonly<Record<string, string | undefined>>;
  /** The body as text ('' when none; node-adapter leaves it '' for `rawBody` routes). */
  body: string;
  /** The body's bytes when the transport has them; else `body`'s UTF-8 (in-process callers). */
  rawBody?: Buffer | undefined;
  signal?: AbortSignal;
  /** The peer's address (for rate limits on failed authentication). */
  remoteAddress?: string | undefined;
}

export type RestResponse =
  | { status: number; headers: Record<string, string>; body: string }
  | { status: number; headers: Record<string, string>; stream: SseStream }
  /** A file's bytes as they are (the dashboard's scripts, styles and images). */
  | { status: number; headers: Record<string, string>; bytes: Buffer };

/**
 * Answers the GET (and HEAD) requests the route table does not have and whose first path segment
 * is none of the table's (`api`, `health`, `docs`...): the dashboard's files (dashboard-site.ts).
 */
export interface StaticSite {
  /** The answer, or undefined for the router's 404. */
  serve(pathname: string, headers: RestRequest['headers']): Promise<RestResponse | undefined>;
}

interface CompiledRoute {
  spec: RouteSpec;
  pattern: RegExp;
  names: string[];
}

export interface BrowserGuard {
  /** Origins (scheme://host:port) whose pages may call the API (server.cors.origins). */
  origins: readonly string[];
  /** Accept only loopback Host headers (the API listens on loopback): no DNS rebinding. */
  loopbackOnly: boolean;
  /** The tunnel's public host name, also accepted as Host (cloudflared forwards it unchanged). */
  tunnelHost?: (() => string | undefined) | undefined;
}

/** cloudflared adds these to every request it forwards from the internet. */
export function cameThroughTunnel(headers: RestRequest['headers']): boolean {
  return headers['cf-connecting-ip'] !== undefined || headers['cloudflare-cdn-loop'] !== undefined;
}

export class Router {
  private readonly routes: CompiledRoute[];
  /** The first path segments of the table's routes: never the static site's, even when absent. */
  private readonly apiSegments: ReadonlySet<string>;

  constructor(
    specs: RouteSpec[],
    private readonly auth: AuthPolicy,
    private readonly onInternalError: (error: unknown) => void = () => undefined,
    private readonly guard: BrowserGuard = { origins: [], loopbackOnly: false },
    private readonly site?: StaticSite,
  ) {
    this.routes = specs.map((spec) => compile(spec));
    this.apiSegments = new Set(specs.map((spec) => firstSegment(spec.path)));
  }

  async handle(request: RestRequest): Promise<RestResponse> {
    let response: RestResponse;
    try {
      response = await this.dispatch(request);
    } catch (error) {
      const failure = DaemonError.from(error);
      if (failure.code === 'internal') this.onInternalError(error);
      response = json(HTTP_STATUS[failure.code], failure.toJSON());
      const retryAfter = failure.details['retry_after_seconds'];
      if (failure.code === 'rate_limited' && typeof retryAfter === 'number') {
        response.headers['retry-after'] = String(retryAfter);
      }
    }
    Object.assign(response.headers, corsHeaders(request.headers['origin'], this.guard.origins));
    return response;
  }

  /**
   * How much body the transport may read for this request, and whether the route wants the
   * bytes only (no text): asked before the body is read, so a webhook may send more than others.
   */
  bodyPolicy(method: string, target: string): { maxBytes: number; raw: boolean } {
    let spec: RouteSpec | undefined;
    try {
      spec = this.match(method.toLowerCase(), parseRequestUrl(target).pathname)?.route.spec;
    } catch {
      spec = undefined; // an invalid target: dispatch answers it
    }
    return spec?.rawBody
      ? { maxBytes: spec.rawBody.maxBytes, raw: true }
      : { maxBytes: MAX_BODY_BYTES, raw: false };
  }

  private match(
    method: string,
    pathname: string,
  ): { route: CompiledRoute; values: string[] } | undefined {
    for (const route of this.routes) {
      if (route.spec.method !== method) continue;
      const match = route.pattern.exec(pathname);
      if (match) return { route, values: match.slice(1) };
    }
    return undefined;
  }

  private async dispatch(request: RestRequest): Promise<RestResponse> {
    const url = parseRequestUrl(request.url);
    const method = request.method.toLowerCase();
    if (method === 'options') return this.preflight(request, url.pathname);
    const matched = this.match(method, url.pathname);
    if (!matched) {
      const page = await this.staticPage(method, url.pathname, request);
      if (page) return page;
      throw new DaemonError('not_found', `no route ${request.method} ${url.pathname}`);
    }
    checkBrowserRequest(request.headers, this.guard);
    const { spec, names } = matched.route;
    const credentials = {
      authorization: request.headers['authorization'],
      apiKey: request.headers['x-api-key'],
      remoteAddress: request.remoteAddress,
      viaTunnel: cameThroughTunnel(request.headers),
      clientIp: request.headers['cf-connecting-ip'],
    };
    const principal = await this.auth.authorize(credentials, spec.role);
    const authenticated =
      spec.role !== 'public' && (this.auth.requiresCredentials || credentials.viaTunnel);

    const rawParams: Record<string, string> = {};
    names.forEach((name, i) => (rawParams[name] = decodeSegment(matched.values[i] ?? '')));
    const params = parse(spec.params, rawParams, 'path');
    const query = parse(spec.query, Object.fromEntries(url.searchParams), 'query');
    let rawBody: Buffer | undefined;
    if (spec.rawBody) {
      rawBody = request.rawBody ?? Buffer.from(request.body, 'utf8');
      if (rawBody.length > spec.rawBody.maxBytes) throw tooLarge(spec.rawBody.maxBytes);
    }
    const body =
      spec.body && !spec.rawBody ? parse(spec.body, parseJson(request.body), 'body') : undefined;
    const result = await spec.handler({
      params,
      query,
      body,
      signal: request.signal ?? new AbortController().signal,
      headers: request.headers,
      ...(rawBody ? { rawBody } : {}),
      authorize: (required) => this.auth.authorize(credentials, required),
      principal,
      authenticated,
    });
    if (result instanceof StatusAnswer) return json(result.status, result.value);
    if (isRawBody(result)) {
      return {
        status: spec.status ?? 200,
        headers: { 'content-type': result.contentType },
        body: result.body,
      };
    }
    if (isSseStream(result)) {
      return {
        status: 200,
        headers: {
          'content-type': 'text/event-stream',
          'cache-control': 'no-cache',
          connection: 'keep-alive',
        },
        stream: result,
      };
    }
    return json(spec.status ?? 200, result);
  }

  /** The static site's answer for a GET or HEAD outside the API's paths; needs no credential. */
  private async staticPage(
    method: string,
    pathname: string,
    request: RestRequest,
  ): Promise<RestResponse | undefined> {
    if (!this.site || (method !== 'get' && method !== 'head')) return undefined;
    if (this.apiSegments.has(firstSegment(pathname))) return undefined;
    checkBrowserRequest(request.headers, this.guard);
    return this.site.serve(pathname, request.headers);
  }

  /**
   * A CORS preflight: no credentials are sent (or needed) with it. Listed origins get the allowed
   * methods and headers; other cross-origin pages are refused like any of their requests.
   */
  private preflight(request: RestRequest, path: string): RestResponse {
    const methods = this.routes
      .filter((route) => route.pattern.test(path))
      .map((route) => route.spec.method.toUpperCase());
    if (methods.length === 0) throw new DaemonError('not_found', `no route OPTIONS ${path}`);
    checkBrowserRequest(request.headers, this.guard);
    return {
      status: 204,
      headers: {
        allow: [...new Set(methods)].join(', '),
        ...preflightHeaders(request.headers['origin'], this.guard.origins),
      },
      body: '',
    };
  }
}

/**
 * A web page in the operator's browser must not drive the API: a request with an Origin that is
 * neither this API's own nor in server.cors.origins is refused (CSRF), and so is a Host that is
 * not loopback while the API listens on loopback (DNS rebinding). The CLI sends neither header.
 */
export function checkBrowserRequest(headers: RestRequest['headers'], guard: BrowserGuard): void {
  const host = headers['host'];
  if (
    guard.loopbackOnly &&
    host !== undefined &&
    !isLoopbackHost(hostnameOf(host)) &&
    hostnameOf(host).toLowerCase() !== guard.tunnelHost?.()?.toLowerCase()
  ) {
    throw new DaemonError(
      'forbidden',
      `requests for host ${JSON.stringify(host)} are refused: the API answers on loopback names only`,
    );
  }
  const origin = headers['origin'];
  if (origin === undefined || origin === 'null' || isAllowedOrigin(origin, guard.origins)) {
    if (origin === 'null')
      throw new DaemonError('forbidden', 'requests from an opaque origin are refused');
    return;
  }
  let originHost: string;
  try {
    originHost = new URL(origin).host;
  } catch {
    throw new DaemonError('forbidden', `the Origin ${JSON.stringify(origin)} is not a URL`);
  }
  if (host === undefined || originHost !== host.toLowerCase()) {
    throw new DaemonError(
      'forbidden',
      `cross-origin request from ${origin} refused; list it in server.cors.origins to allow it`,
    );
  }
}

/** The request target as a URL: `//x` is a path, not a host as `new URL(target, base)` has it. */
function parseRequestUrl(target: string): URL {
  try {
    return new URL(`http://gowinproc${target.startsWith('/') ? '' : '/'}${target}`);
  } catch {
    throw new DaemonError(
      'invalid_argument',
      `invalid request: the target ${JSON.stringify(target.slice(0, 200))} is not a valid path`,
    );
  }
}

function firstSegment(path: string): string {
  return path.split('/')[1] ?? '';
}

function hostnameOf(host: string): string {
  const bracketed = /^\[([^\]]+)\](?::\d+)?$/.exec(host);
  if (bracketed) return bracketed[1]!;
  return host.replace(/:\d+$/, '');
}

function json(status: number, value: unknown): RestResponse {
  return {
    status,
    headers: { 'content-type': 'application/json; charset=utf-8' },
    body: JSON.stringify(value),
  };
}

function compile(spec: RouteSpec): CompiledRoute {
  const names: string[] = [];
  const source = spec.path
    .split('/')
    .map((segment) => {
      if (!segment.startsWith(':')) return segment.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
      names.push(segment.slice(1));
      return '([^/]+)';
    })
    .join('/');
  return { spec, pattern: new RegExp(`^${source}/?$`), names };
}

function decodeSegment(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    throw new DaemonError(
      'invalid_argument',
      `invalid request: the path segment ${JSON.stringify(segment)} is not valid URL encoding`,
    );
  }
}

/** A route's body limit was exceeded (node-adapter checks while reading; in-process calls here). */
export function tooLarge(maxBytes: number): DaemonError {
  return new DaemonError('payload_too_large', `the request body is larger than ${maxBytes} bytes`);
}

/**
 * A `rawBody` route's body, parsed and validated as the router does for other routes (400
 * invalid_argument naming the field), once the handler has checked what it must first.
 */
export function parseJsonBody<T>(schema: z.ZodType<T>, body: Buffer | string): T {
  return parse(schema, parseJson(typeof body === 'string' ? body : body.toString('utf8')), 'body');
}

function parseJson(text: string): unknown {
  if (text.trim() === '') return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw new DaemonError('invalid_argument', 'invalid request: the body is not valid JSON');
  }
}

function parse<T>(
  schema: z.ZodType<T> | undefined,
  input: unknown,
  where: 'path' | 'query' | 'body',
): T {
  if (!schema) return {} as T;
  const result = schema.safeParse(input);
  if (result.success) return result.data;
  const problems = result.error.issues.map((issue) => {
    const unknown = issue.code === 'unrecognized_keys' ? issue.keys.join(', ') : '';
    const field = [...issue.path.map(String), ...(unknown ? [unknown] : [])].join('.');
    const label = field === '' ? where : where === 'body' ? field : `${where} parameter ${field}`;
    return `${label}: ${unknown ? 'unknown field' : issue.message}`;
  });
  throw new DaemonError('invalid_argument', `invalid request: ${problems.join('; ')}`, {
    details: { fields: result.error.issues.map((i) => i.path.join('.')) },
  });
}
