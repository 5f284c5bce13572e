/**
 * Streams a release asset to a file the caller names, hashing as it goes. No total timeout (a
 * 500 MB asset on a slow line is fine) but an idle one: a connection that delivers no byte for
 * idleTimeoutMs is dropped. A dropped connection resumes with `Range: bytes=<have>-` from the
 * original URL (a signed download URL may have expired, the API URL hands out a fresh one).
 *
 * Errors name the host and path only: download URLs carry signatures in their query and the
 * request carries a token, neither of which may reach a message or log.
 */
import { createHash, type Hash } from 'node:crypto';
import { open, type FileHandle } from 'node:fs/promises';
import http from 'node:http';
import https from 'node:https';
import { DaemonError, systemClock, type Clock } from '../../../shared/index.js';
import type { DownloadProgress } from '../types.js';

export interface DownloadRequest {
  url: string;
  headers?: Record<string, string> | undefined;
  /** The file to write (created or truncated); the caller picks a temp path and cleans it up. */
  dest: string;
  /** The asset's size from the release; a download of another length fails. */
  expectedSize?: number | undefined;
  idleTimeoutMs?: number | undefined;
  /** At most every PROGRESS_INTERVAL_MS while bytes flow, and once at the end. */
  onProgress?: ((progress: DownloadProgress) => void) | undefined;
  /** How many times a dropped connection (or a 5xx) is resumed before giving up. */
  maxResumes?: number | undefined;
  signal?: AbortSignal | undefined;
  clock?: Clock | undefined;
}

export interface DownloadResult {
  bytes: number;
  /** Lower-case hex SHA-256 of the whole file. */
  sha256: string;
}

export const PROGRESS_INTERVAL_MS = 250;
export const MAX_REDIRECTS = 5;
const RATE_WINDOW_MS = 5_000;
const REDIRECT_STATUSES = new Set([301, 302, 303, 307, 308]);

/** Why one attempt ended without the whole file; `resumable` decides whether to try again. */
class AttemptFailure extends Error {
  constructor(
    message: string,
    readonly resumable: boolean,
  ) {
    super(message);
  }
}

/** host + path of a URL: what an error may say about where it went. */
export function describeUrl(url: URL | string): string {
  try {
    const parsed = typeof url === 'string' ? new URL(url) : url;
    return `${parsed.host}${parsed.pathname}`;
  } catch {
    return '(invalid URL)';
  }
}

export async function downloadAsset(request: DownloadRequest): Promise<DownloadResult> {
  const clock = request.clock ?? systemClock;
  const idleTimeoutMs = request.idleTimeoutMs ?? 30_000;
  const maxResumes = request.maxResumes ?? 3;
  const where = describeUrl(request.url);
  const fail = (reason: string, details: Record<string, unknown> = {}): DaemonError =>
    new DaemonError('download_failed', `download of ${where} failed: ${reason}`, {
      details: { url: where, ...details },
    });

  let target: URL;
  try {
    target = new URL(request.url);
  } catch {
    throw new DaemonError('invalid_argument', 'download URL is not a valid URL');
  }

  let file: FileHandle;
  try {
    file = await open(request.dest, 'w');
  } catch (error) {
    throw fail(`cannot write ${request.dest}: ${(error as Error).message}`);
  }
  const progress = new ProgressMeter(clock, request.onProgress);
  const state = { have: 0, hash: createHash('sha256'), total: request.expectedSize };
  let resumes = 0;
  try {
    for (;;) {
      if (request.signal?.aborted) throw fail('cancelled');
      try {
        const done = await attempt(target, request, idleTimeoutMs, file, state, progress);
        if (done) break;
      } catch (error) {
        if (!(error instanceof AttemptFailure)) {
          // Writing dest failed (disk full, permissions): not the network's fault, not retried.
          throw fail(`writing the file failed: ${(error as Error).message}`);
        }
        if (request.signal?.aborted) throw fail('cancelled');
        if (!error.resumable || resumes >= maxResumes) {
          throw fail(resumes > 0 ? `${error.message} (after ${resumes} resumes)` : error.message, {
            bytes: state.have,
          });
        }
        resumes++;
      }
    }
  } finally {
    await file.close();
  }
  if (request.expectedSize !== undefined && state.have !== request.expectedSize) {
    throw fail(`got ${state.have} bytes, the release says ${request.expectedSize}`);
  }
  progress.finish(state.have, state.total);
  return { bytes: state.have, sha256: state.hash.digest('hex') };
}

interface DownloadState {
  have: number;
  hash: Hash;
  total: number | undefined;
}

/** One request (following redirects) that appends to the file; true when the file is complete. */
async function attempt(
  start: URL,
  request: DownloadRequest,
  idleTimeoutMs: number,
  file: FileHandle,
  state: DownloadState,
  progress: ProgressMeter,
): Promise<boolean> {
  const headers: Record<string, string> = { ...request.headers };
  if (state.have > 0) headers['range'] = `bytes=${state.have}-`;
  const idle = { timedOut: false };
  const response = await follow(start, headers, idleTimeoutMs, request.signal, idle);
  const status = response.statusCode ?? 0;

  if (status === 416 && state.have > 0 && state.have === state.total) {
    response.resume();
    return true;
  }
  if (status !== 200 && status !== 206) {
    response.resume();
    throw new AttemptFailure(`HTTP ${status}`, status >= 500 || status === 429);
  }
  if (status === 206) {
    const range = /^bytes (\d+)-\d+\/(\d+|\*)$/.exec(response.headers['content-range'] ?? '');
    if (!range || Number(range[1]) !== state.have) {
      response.destroy();
      throw new AttemptFailure('the server resumed at the wrong offset', false);
    }
    if (range[2] !== '*') state.total = Number(range[2]);
  } else {
    // 200: the whole file from byte 0, also when we asked for a range the server ignores.
    if (state.have > 0) {
      await file.truncate(0);
      state.have = 0;
      state.hash = createHash('sha256');
    }
    const length = Number(response.headers['content-length']);
    if (Number.isFinite(length) && response.headers['content-length'] !== undefined) {
      state.total = length;
    }
  }

  const bodyStart = state.have;
  const declared = Number(response.headers['content-length'] ?? Number.NaN);
  try {
    for await (const chunk of response as AsyncIterable<Buffer>) {
      await file.write(chunk, 0, chunk.length, state.have);
      state.hash.update(chunk);
      state.have += chunk.length;
      progress.update(state.have, state.total);
    }
  } catch (error) {
    const reason = idle.timedOut
      ? `no data for ${idleTimeoutMs} ms`
      : reasonOf(error, idleTimeoutMs);
    throw new AttemptFailure(reason, !request.signal?.aborted);
  }
  if (Number.isFinite(declared) && state.have - bodyStart < declared) {
    throw new AttemptFailure('the connection closed before the end of the body', true);
  }
  return true;
}

function reasonOf(error: unknown, idleTimeoutMs: number): string {
  if (error instanceof IdleTimeout) return `no data for ${idleTimeoutMs} ms`;
  const code = (error as { code?: unknown }).code;
  if (code === 'ECONNRESET' || (error as Error).message === 'aborted') {
    return 'the connection was dropped';
  }
  return (error as Error).message ?? String(error);
}

class IdleTimeout extends Error {}

/** GETs `start`, following up to MAX_REDIRECTS redirects; resolves with the final response. */
async function follow(
  start: URL,
  headers: Record<string, string>,
  idleTimeoutMs: number,
  signal: AbortSignal | undefined,
  idle: { timedOut: boolean },
): Promise<http.IncomingMessage> {
  let url = start;
  let current = { ...headers };
  for (let hop = 0; ; hop++) {
    const response = await get(url, current, idleTimeoutMs, signal, idle);
    const status = response.statusCode ?? 0;
    if (!REDIRECT_STATUSES.has(status)) return response;
    response.resume();
    const location = response.headers.location;
    if (location === undefined)
      throw new AttemptFailure(`HTTP ${status} without a Location`, false);
    if (hop >= MAX_REDIRECTS)
      throw new AttemptFailure(`more than ${MAX_REDIRECTS} redirects`, false);
    const next = new URL(location, url);
    // The token is for the API host only (GitHub's download host gets a signed URL instead).
    if (next.host !== url.host || (url.protocol === 'https:' && next.protocol !== 'https:')) {
      current = withoutAuthorization(current);
    }
    url = next;
  }
}

function withoutAuthorization(headers: Record<string, string>): Record<string, string> {
  return Object.fromEntries(
    Object.entries(headers).filter(([name]) => name.toLowerCase() !== 'authorization'),
  );
}

function get(
  url: URL,
  headers: Record<string, string>,
  idleTimeoutMs: number,
  signal: AbortSignal | undefined,
  idle: { timedOut: boolean },
): Promise<http.IncomingMessage> {
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    return Promise.reject(new AttemptFailure(`unsupported protocol ${url.protocol}`, false));
  }
  const client = url.protocol === 'https:' ? https : http;
  return new Promise((resolve, reject) => {
    // No keep-alive: a download is one long transfer, and no idle socket should outlive it.
    const options = { headers, agent: false, ...(signal ? { signal } : {}) };
    const request = client.get(url, options, (response) => {
      // The body's errors surface through its async iterator; this keeps an early one from
      // being an unhandled 'error' event before iteration starts.
      response.on('error', () => {});
      resolve(response);
    });
    // Socket inactivity, not a total deadline: the timer restarts with every byte.
    request.setTimeout(idleTimeoutMs, () => {
      idle.timedOut = true;
      request.destroy(new IdleTimeout());
    });
    request.on('error', (error) => {
      const aborted = signal?.aborted === true;
      reject(new AttemptFailure(aborted ? 'cancelled' : reasonOf(error, idleTimeoutMs), !aborted));
    });
  });
}

/** Throttled progress with a rate over the last RATE_WINDOW_MS. */
class ProgressMeter {
  private lastReport: number;
  private samples: Array<{ at: number; bytes: number }>;

  constructor(
    private readonly clock: Clock,
    private readonly onProgress: ((progress: DownloadProgress) => void) | undefined,
  ) {
    this.lastReport = clock.now();
    this.samples = [{ at: this.lastReport, bytes: 0 }];
  }

  update(bytes: number, total: number | undefined): void {
    if (this.onProgress === undefined) return;
    const now = this.clock.now();
    if (now - this.lastReport < PROGRESS_INTERVAL_MS) return;
    this.lastReport = now;
    this.report(now, bytes, total);
  }

  finish(bytes: number, total: number | undefined): void {
    if (this.onProgress !== undefined) this.report(this.clock.now(), bytes, total);
  }

  private report(now: number, bytes: number, total: number | undefined): void {
    this.samples.push({ at: now, bytes });
    while (
      this.samples.length > 2 &&
      (this.samples[0] as { at: number }).at < now - RATE_WINDOW_MS
    ) {
      this.samples.shift();
    }
    const oldest = this.samples[0] as { at: number; bytes: number };
    const elapsed = now - oldest.at;
    const rate = elapsed > 0 ? Math.max(0, ((bytes - oldest.bytes) * 1000) / elapsed) : 0;
    this.onProgress?.({ bytes, total, rate });
  }
}
