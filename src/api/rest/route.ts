/**
 * Routes are data: method, path, required role, zod schemas for params, query, body and the
 * success response, and a handler that calls the app facade. The same table registers the
 * routes and documents them (the management-API work generates the OpenAPI document from it).
 */
import type { z } from 'zod';
import type { Principal, Requirement, Role } from '../auth/index.js';

export type Method = 'get' | 'post';

/** The request body limit of every route but those that set `rawBody.maxBytes`. */
export const MAX_BODY_BYTES = 1024 * 1024;

export interface HandlerInput<P, Q, B> {
  params: P;
  query: Q;
  body: B;
  /** Aborted when the client goes away (for streams). */
  signal: AbortSignal;
  /** The request headers, names in lower case. */
  headers: Readonly<Record<string, string | undefined>>;
  /** The body's bytes as received: present exactly for routes with `rawBody`. */
  rawBody?: Buffer;
  /**
   * Checks the caller's credentials against a role as the router does for `role` (same rate
   * limit on failures): for a route that accepts a signature or, failing that, a credential.
   */
  authorize(required: Requirement): Promise<Principal>;
  /** The caller as the router's check of the route's `role` found it (anonymous on a public route). */
  principal: Principal;
  /**
   * The caller proved who it is with a credential: false on a public route, and on a daemon
   * without server.auth, where loopback callers are admin without presenting anything.
   */
  authenticated: boolean;
}

/** One server-sent event. */
export interface SseEvent {
  event?: string;
  data: string;
  /** Sent as `id:` (the event's sequence number), so a client can tell where it is. */
  id?: string;
}

/** A handler result that streams server-sent events until the iterable ends or the client leaves. */
export interface SseStream {
  kind: 'sse';
  events: AsyncIterable<SseEvent | { comment: string }>;
}

export function sse(events: AsyncIterable<SseEvent | { comment: string }>): SseStream {
  return { kind: 'sse', events };
}

export function isSseStream(value: unknown): value is SseStream {
  return (
    typeof value === 'object' && value !== null && (value as { kind?: unknown }).kind === 'sse'
  );
}

/** A JSON answer whose status the handler chooses (a webhook answers 202 or 200). */
export class StatusAnswer {
  constructor(
    readonly status: 200 | 201 | 202,
    readonly value: unknown,
  ) {}
}

export function withStatus(status: 200 | 201 | 202, value: unknown): StatusAnswer {
  return new StatusAnswer(status, value);
}

/** A handler result sent as it is (an HTML page, Prometheus text), not as JSON. */
export interface RawBody {
  kind: 'raw';
  contentType: string;
  body: string;
}

export function raw(contentType: string, body: string): RawBody {
  return { kind: 'raw', contentType, body };
}

export function isRawBody(value: unknown): value is RawBody {
  return (
    typeof value === 'object' && value !== null && (value as { kind?: unknown }).kind === 'raw'
  );
}

export interface RouteSpec<P = unknown, Q = unknown, B = unknown> {
  method: Method;
  /** `/api/v1/processes/:name`: `:x` matches one path segment. */
  path: string;
  summary: string;
  role: Requirement;
  params?: z.ZodType<P>;
  query?: z.ZodType<Q>;
  body?: z.ZodType<B>;
  /** The success body (for documentation and contract tests). */
  response?: z.ZodType;
  /** Success status (default 200). */
  status?: 200 | 201 | 202;
  /**
   * How the success answer is sent, for documentation: JSON matching `response` (the default);
   * `sse`, a stream of server-sent events whose data match `response` (unless `events` says
   * otherwise); `json-or-sse`, JSON, or the stream when the query asks for it (logs?follow=1);
   * or `{ raw }`, a body of that content type (an HTML page, Prometheus text).
   */
  produces?: 'json' | 'sse' | 'json-or-sse' | { raw: string };
  /** For streams: the event names (`event:`) with the schema of each one's JSON data. */
  events?: Readonly<Record<string, z.ZodType>>;
  /**
   * The handler reads the body itself (a webhook checks a signature over its bytes before
   * anything parses them): it gets `rawBody`, the router neither parses nor validates the body
   * (`body` then only documents it; parse it with router.ts's parseJsonBody), and the body may
   * be up to `maxBytes` long instead of MAX_BODY_BYTES.
   */
  rawBody?: { maxBytes: number };
  /**
   * A `public` route whose handler authenticates the caller by a signature of the body in
   * `header` (webhooks) or, with `orRole`, by a credential of that role instead: for the
   * OpenAPI document and the auth matrix.
   */
  signature?: { header: string; description: string; orRole?: Role };
  /** Returns a JSON-able value, a StatusAnswer, an SseStream, or a RawBody. */
  handler(input: HandlerInput<P, Q, B>): unknown;
}

/** Keeps each route's type parameters while collecting them in one array. */
export function route<P = Record<string, never>, Q = Record<string, never>, B = undefined>(
  spec: RouteSpec<P, Q, B>,
): RouteSpec {
  return spec as unknown as RouteSpec;
}
