import { request as httpRequest, type Agent as HttpAgent, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { systemClock, type Clock } from './clock.js';
import { errnoCode } from './errors.js';

/**
 * A small JSON-over-HTTP(S) call on node:http (the daemon avoids fetch/undici for their memory
 * cost). Bodies may also be plain text: Cloudflare workers answer some errors that way.
 */
export interface JsonRequest {
  method: 'GET' | 'POST' | 'PUT' | 'DELETE';
  url: string | URL;
  /** Sent as JSON when present. */
  body?: unknown;
  headers?: Record<string, string>;
  /** Deadline for the whole exchange, connect to last body byte; default 10 s. */
  timeoutMs?: number;
  /** Largest response body accepted; default 1 MiB. */
  maxBodyBytes?: number;
  /** Clock of the deadline; default the system clock. */
  clock?: Clock;
  /** Default: no pooling, so no idle socket outlives a call (worker calls are rare). */
  agent?: HttpAgent | false;
}

export interface JsonResponse {
  status: number;
  /** The parsed body, or undefined when it is empty or not JSON. */
  body: unknown;
  text: string;
}

export const JSON_REQUEST_TIMEOUT_MS = 10_000;
export const JSON_RESPONSE_MAX_BYTES = 1024 * 1024;

/** Why no HTTP response arrived. `retryable` says whether trying again may help. */
export type HttpFailureKind = 'network' | 'timeout' | 'too_large' | 'tls' | 'bad_url';

export class HttpRequestError extends Error {
  override readonly name = 'HttpRequestError';
  readonly kind: HttpFailureKind;
  /** The errno or TLS code (ECONNREFUSED, CERT_HAS_EXPIRED...) when there is one. */
  readonly errno: string | undefined;

  constructor(kind: HttpFailureKind, message: string, errno?: string, cause?: unknown) {
    super(message, cause === undefined ? undefined : { cause });
    this.kind = kind;
    this.errno = errno;
  }

  get retryable(): boolean {
    return this.kind === 'network' || this.kind === 'timeout';
  }
}

export function requestJson(request: JsonRequest): Promise<JsonResponse> {
  let url: URL;
  try {
    url = typeof request.url === 'string' ? new URL(request.url) : request.url;
  } catch (error) {
    return Promise.reject(
      new HttpRequestError(
        'bad_url',
        `invalid URL ${JSON.stringify(String(request.url))}`,
        undefined,
        error,
      ),
    );
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    return Promise.reject(
      new HttpRequestError(
        'bad_url',
        `unsupported URL scheme "${url.protocol}" (use http or https)`,
      ),
    );
  }
  const timeoutMs = request.timeoutMs ?? JSON_REQUEST_TIMEOUT_MS;
  const maxBodyBytes = request.maxBodyBytes ?? JSON_RESPONSE_MAX_BYTES;
  const clock = request.clock ?? systemClock;
  // Only origin and path: a query string or user info could carry a credential.
  const target = `${request.method} ${url.origin}${url.pathname}`;
  const payload = request.body === undefined ? undefined : JSON.stringify(request.body);
  const headers: Record<string, string> = { accept: 'application/json', ...request.headers };
  if (payload !== undefined) {
    headers['content-type'] = 'application/json';
    headers['content-length'] = String(Buffer.byteLength(payload));
  }
  const send = url.protocol === 'https:' ? httpsRequest : httpRequest;

  return new Promise<JsonResponse>((resolve, reject) => {
    let settled = false;
    const finish = (outcome: () => void): void => {
      if (settled) return;
      settled = true;
      cancelDeadline();
      outcome();
    };
    const fail = (error: HttpRequestError): void => {
      finish(() => reject(error));
      req.destroy();
    };

    const req = send(url, { method: request.method, headers, agent: request.agent ?? false });
    const cancelDeadline = clock.setTimeout(
      () => fail(new HttpRequestError('timeout', `${target} timed out after ${timeoutMs} ms`)),
      timeoutMs,
    );
    req.on('error', (error) => fail(classify(error, target)));
    req.on('response', (res: IncomingMessage) => {
      const declared = Number(res.headers['content-length']);
      if (Number.isFinite(declared) && declared > maxBodyBytes) {
        fail(tooLarge(target, maxBodyBytes));
        return;
      }
      const chunks: Buffer[] = [];
      let received = 0;
      res.on('data', (chunk: Buffer) => {
        received += chunk.length;
        if (received > maxBodyBytes) fail(tooLarge(target, maxBodyBytes));
        else chunks.push(chunk);
      });
      res.on('error', (error) => fail(classify(error, target)));
      res.on('aborted', () =>
        fail(new HttpRequestError('network', `${target}: connection closed mid-response`)),
      );
      res.on('end', () => {
        if (res.readableAborted) return;
        const text = Buffer.concat(chunks).toString('utf8');
        finish(() => resolve({ status: res.statusCode ?? 0, body: parseJson(text), text }));
      });
    });
    req.end(payload);
  });
}

function parseJson(text: string): unknown {
  if (text.trim() === '') return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

function tooLarge(target: string, maxBodyBytes: number): HttpRequestError {
  return new HttpRequestError(
    'too_large',
    `${target}: response body exceeds ${maxBodyBytes} bytes`,
  );
}

const NETWORK_WORDS: Record<string, string> = {
  ECONNREFUSED: 'connection refused',
  ECONNRESET: 'connection reset',
  ENOTFOUND: 'host not found',
  EAI_AGAIN: 'DNS lookup failed',
  ETIMEDOUT: 'connection timed out',
  EHOSTUNREACH: 'host unreachable',
  ENETUNREACH: 'network unreachable',
  EPIPE: 'connection closed',
};

function classify(error: unknown, target: string): HttpRequestError {
  if (error instanceof HttpRequestError) return error;
  const errno = errnoCode(error);
  if (errno !== undefined && isTlsCode(errno)) {
    return new HttpRequestError('tls', `${target}: TLS failed (${errno})`, errno, error);
  }
  const words = (errno !== undefined ? NETWORK_WORDS[errno] : undefined) ?? 'network error';
  return new HttpRequestError(
    'network',
    `${target}: ${words} (${errno ?? (error instanceof Error ? error.message : String(error))})`,
    errno,
    error,
  );
}

function isTlsCode(errno: string): boolean {
  return (
    errno.startsWith('CERT_') ||
    errno.startsWith('ERR_TLS_') ||
    errno.startsWith('ERR_SSL_') ||
    errno.includes('SELF_SIGNED') ||
    errno.startsWith('UNABLE_TO_') ||
    errno === 'DEPTH_ZERO_SELF_SIGNED_CERT'
  );
}
