/**
 * The daemon's REST API from the browser: same origin, JSON, the API key (when the daemon needs
 * one) as `Authorization: Bearer`. Errors arrive as `{error, code}` and become ApiError, so
 * screens can say what happened and what to do.
 */
import { credential } from './credential';

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

export function authHeaders(): Record<string, string> {
  const key = credential.get();
  return key ? { authorization: `Bearer ${key}` } : {};
}

export async function api<T>(method: 'GET' | 'POST', path: string, body?: unknown): Promise<T> {
  let response: Response;
  try {
    response = await fetch(path, {
      method,
      headers: {
        accept: 'application/json',
        ...authHeaders(),
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
  } catch (error) {
    throw new ApiError(0, 'daemon_unreachable', `the daemon cannot be reached: ${String(error)}`);
  }
  const text = await response.text();
  let json: unknown;
  try {
    json = text === '' ? undefined : JSON.parse(text);
  } catch {
    json = undefined;
  }
  if (!response.ok) {
    const error = json as { error?: string; code?: string } | undefined;
    if (response.status === 401) credential.rejected();
    throw new ApiError(
      response.status,
      error?.code ?? `http_${response.status}`,
      error?.error ?? (text.slice(0, 200) || response.statusText),
    );
  }
  return json as T;
}

export const get = <T>(path: string): Promise<T> => api<T>('GET', path);
export const post = <T>(path: string, body: unknown = {}): Promise<T> => api<T>('POST', path, body);

/** `encodeURIComponent` for a path segment (process names are [A-Za-z0-9._-]+, ids may not be). */
export const seg = encodeURIComponent;
