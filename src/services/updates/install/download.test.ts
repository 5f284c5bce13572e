import { createHash, randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { tempDir } from '../../../../test/helpers/temp-dir.js';
import { DaemonError, type Clock } from '../../../shared/index.js';
import type { DownloadProgress } from '../types.js';
import { downloadAsset, type DownloadRequest } from './download.js';

const DATA = randomBytes(256 * 1024);
const DATA_SHA = createHash('sha256').update(DATA).digest('hex');

interface Seen {
  path: string;
  range: string | undefined;
  authorization: string | undefined;
}

/** What the test server does on the next GETs of /file. */
interface Behaviour {
  /** Drop the connection after this many body bytes, this many times. */
  dropAfter?: { bytes: number; times: number };
  /** Send this many bytes, then nothing (keep the socket open), this many times. */
  stallAfter?: { bytes: number; times: number };
  /** Answer a Range request with the whole file (200), as some servers do. */
  ignoreRange?: boolean;
  /** Fail with this status this many times. */
  failWith?: { status: number; times: number };
}

interface TestServer {
  url: string;
  seen: Seen[];
  behaviour: Behaviour;
  server: http.Server;
}

const servers: http.Server[] = [];
afterEach(async () => {
  for (const server of servers.splice(0)) {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  }
});

async function startServer(
  extra: (req: http.IncomingMessage, res: http.ServerResponse) => boolean = () => false,
): Promise<TestServer> {
  const state: TestServer = { url: '', seen: [], behaviour: {}, server: http.createServer() };
  state.server.on('request', (req, res) => {
    const path = new URL(req.url ?? '/', 'http://x').pathname;
    state.seen.push({ path, range: req.headers.range, authorization: req.headers.authorization });
    if (extra(req, res)) return;
    if (path !== '/file') {
      res.writeHead(404).end('not found');
      return;
    }
    const b = state.behaviour;
    if (b.failWith && b.failWith.times > 0) {
      b.failWith.times--;
      res.writeHead(b.failWith.status).end('nope');
      return;
    }
    const range = /^bytes=(\d+)-$/.exec(req.headers.range ?? '');
    const from = range && !b.ignoreRange ? Number(range[1]) : 0;
    const body = DATA.subarray(from);
    const headers: http.OutgoingHttpHeaders = { 'content-length': body.length };
    if (from > 0) headers['content-range'] = `bytes ${from}-${DATA.length - 1}/${DATA.length}`;
    res.writeHead(from > 0 ? 206 : 200, headers);
    if (b.dropAfter && b.dropAfter.times > 0) {
      b.dropAfter.times--;
      res.write(body.subarray(0, b.dropAfter.bytes), () => res.destroy());
      return;
    }
    if (b.stallAfter && b.stallAfter.times > 0) {
      b.stallAfter.times--;
      res.write(body.subarray(0, b.stallAfter.bytes));
      return;
    }
    res.end(body);
  });
  await new Promise<void>((resolve) => state.server.listen(0, '127.0.0.1', resolve));
  servers.push(state.server);
  state.url = `http://127.0.0.1:${(state.server.address() as AddressInfo).port}`;
  return state;
}

async function failure(request: DownloadRequest): Promise<DaemonError> {
  try {
    await downloadAsset(request);
  } catch (error) {
    if (error instanceof DaemonError) return error;
    throw error;
  }
  throw new Error('expected the download to fail');
}

describe('downloadAsset', () => {
  it('streams the body to dest and hashes it', async () => {
    const server = await startServer();
    const dest = join(tempDir(), 'asset');
    const result = await downloadAsset({
      url: `${server.url}/file`,
      dest,
      expectedSize: DATA.length,
    });
    expect(result).toEqual({ bytes: DATA.length, sha256: DATA_SHA });
    expect(readFileSync(dest).equals(DATA)).toBe(true);
  });

  it('follows a redirect to another host without the Authorization header', async () => {
    const download = await startServer();
    const api = await startServer((req, res) => {
      if (!req.url?.startsWith('/asset')) return false;
      res.writeHead(302, { location: `${download.url}/file?X-Amz-Signature=secret` }).end();
      return true;
    });
    const dest = join(tempDir(), 'asset');
    const result = await downloadAsset({
      url: `${api.url}/asset`,
      headers: { Authorization: 'Bearer tok_123', Accept: 'application/octet-stream' },
      dest,
    });
    expect(result.sha256).toBe(DATA_SHA);
    expect(api.seen[0]?.authorization).toBe('Bearer tok_123');
    expect(download.seen[0]?.authorization).toBe(undefined);
  });

  it('keeps the Authorization header on a same-host redirect', async () => {
    const server = await startServer((req, res) => {
      if (req.url !== '/moved') return false;
      res.writeHead(307, { location: '/file' }).end();
      return true;
    });
    await downloadAsset({
      url: `${server.url}/moved`,
      headers: { authorization: 'Bearer tok_123' },
      dest: join(tempDir(), 'asset'),
    });
    expect(server.seen.map((s) => [s.path, s.authorization])).toEqual([
      ['/moved', 'Bearer tok_123'],
      ['/file', 'Bearer tok_123'],
    ]);
  });

  it('gives up after five redirects', async () => {
    const server = await startServer((req, res) => {
      const hop = /^\/loop(\d+)$/.exec(req.url ?? '');
      if (!hop) return false;
      res.writeHead(302, { location: `/loop${Number(hop[1]) + 1}` }).end();
      return true;
    });
    const error = await failure({ url: `${server.url}/loop0`, dest: join(tempDir(), 'asset') });
    expect(error.code).toBe('download_failed');
    expect(error.message).toContain('more than 5 redirects');
    expect(server.seen).toHaveLength(6);
  });

  it('resumes with Range after a dropped connection', async () => {
    const server = await startServer();
    server.behaviour.dropAfter = { bytes: 100_000, times: 1 };
    const dest = join(tempDir(), 'asset');
    const result = await downloadAsset({
      url: `${server.url}/file`,
      dest,
      expectedSize: DATA.length,
    });
    expect(result).toEqual({ bytes: DATA.length, sha256: DATA_SHA });
    expect(readFileSync(dest).equals(DATA)).toBe(true);
    // The resume asks for what the client lacks: at most the 100000 bytes sent before the drop.
    expect(server.seen).toHaveLength(2);
    expect(server.seen[0]?.range).toBe(undefined);
    const resumedAt = Number(/^bytes=(\d+)-$/.exec(server.seen[1]?.range ?? '')?.[1]);
    expect(resumedAt).toBeGreaterThan(0);
    expect(resumedAt).toBeLessThanOrEqual(100_000);
  });

  it('starts over when the server answers a Range request with 200', async () => {
    const server = await startServer();
    server.behaviour.dropAfter = { bytes: 50_000, times: 1 };
    server.behaviour.ignoreRange = true;
    const dest = join(tempDir(), 'asset');
    const result = await downloadAsset({ url: `${server.url}/file`, dest });
    expect(result).toEqual({ bytes: DATA.length, sha256: DATA_SHA });
    expect(readFileSync(dest).equals(DATA)).toBe(true);
    expect(server.seen.map((s) => s.range?.replace(/\d+/, 'N'))).toEqual([undefined, 'bytes=N-']);
  });

  it('fails after maxResumes drops, saying so', async () => {
    const server = await startServer();
    server.behaviour.dropAfter = { bytes: 10_000, times: 10 };
    const error = await failure({
      url: `${server.url}/file`,
      dest: join(tempDir(), 'a'),
      maxResumes: 2,
    });
    expect(error.code).toBe('download_failed');
    expect(error.message).toContain('after 2 resumes');
    expect(server.seen).toHaveLength(3);
  });

  it('drops a connection that stalls for idleTimeoutMs and resumes it', async () => {
    const server = await startServer();
    server.behaviour.stallAfter = { bytes: 30_000, times: 1 };
    const dest = join(tempDir(), 'asset');
    const result = await downloadAsset({ url: `${server.url}/file`, dest, idleTimeoutMs: 200 });
    expect(result.sha256).toBe(DATA_SHA);
    // A stalled connection still delivered its bytes, so the resume starts exactly after them.
    expect(server.seen.map((s) => s.range)).toEqual([undefined, 'bytes=30000-']);
  });

  it('reports an idle timeout when no resume is left', async () => {
    const server = await startServer();
    server.behaviour.stallAfter = { bytes: 30_000, times: 1 };
    const error = await failure({
      url: `${server.url}/file`,
      dest: join(tempDir(), 'a'),
      idleTimeoutMs: 200,
      maxResumes: 0,
    });
    expect(error.code).toBe('download_failed');
    expect(error.message).toContain('no data for 200 ms');
  });

  it('retries a 5xx but not a 404', async () => {
    const server = await startServer();
    server.behaviour.failWith = { status: 503, times: 1 };
    const result = await downloadAsset({ url: `${server.url}/file`, dest: join(tempDir(), 'a') });
    expect(result.sha256).toBe(DATA_SHA);

    const missing = await failure({
      url: `${server.url}/missing?token=secret_sig`,
      headers: { authorization: 'Bearer tok_123' },
      dest: join(tempDir(), 'b'),
    });
    expect(missing.code).toBe('download_failed');
    expect(missing.message).toContain(`${server.url.replace('http://', '')}/missing`);
    expect(missing.message).toContain('HTTP 404');
    const everything = JSON.stringify({ m: missing.message, d: missing.details });
    expect(everything).not.toContain('secret_sig');
    expect(everything).not.toContain('tok_123');
  });

  it('fails when the size differs from the release', async () => {
    const server = await startServer();
    const error = await failure({
      url: `${server.url}/file`,
      dest: join(tempDir(), 'a'),
      expectedSize: DATA.length + 1,
    });
    expect(error.code).toBe('download_failed');
    expect(error.message).toContain(`got ${DATA.length} bytes`);
  });

  it('fails with download_failed when nothing listens', async () => {
    const server = await startServer();
    const url = `${server.url}/file`;
    server.server.close();
    const error = await failure({ url, dest: join(tempDir(), 'a'), maxResumes: 1 });
    expect(error.code).toBe('download_failed');
  });

  it('fails with download_failed when dest cannot be written', async () => {
    const server = await startServer();
    const error = await failure({
      url: `${server.url}/file`,
      dest: join(tempDir(), 'no', 'such', 'dir'),
    });
    expect(error.code).toBe('download_failed');
    expect(error.message).toContain('cannot write');
    expect(server.seen).toHaveLength(0);
  });

  it('stops when the signal aborts', async () => {
    const server = await startServer();
    server.behaviour.stallAfter = { bytes: 1000, times: 1 };
    const controller = new AbortController();
    const pending = failure({
      url: `${server.url}/file`,
      dest: join(tempDir(), 'a'),
      signal: controller.signal,
      onProgress: () => {},
    });
    setImmediate(() => controller.abort());
    const error = await pending;
    expect(error.code).toBe('download_failed');
    expect(error.message).toContain('cancelled');
    expect(server.seen.length).toBeLessThanOrEqual(1);
  });

  it('reports progress at most every 250 ms of clock time, and once at the end', async () => {
    const server = await startServer();
    let time = 0;
    // Every read of the clock moves it 150 ms, so chunk arrivals are spread over clock time.
    const clock: Clock = { now: () => (time += 150), setTimeout: () => () => {} };
    const reports: Array<DownloadProgress & { at: number }> = [];
    await downloadAsset({
      url: `${server.url}/file`,
      dest: join(tempDir(), 'a'),
      clock,
      onProgress: (progress) => reports.push({ ...progress, at: time }),
    });
    expect(reports.length).toBeGreaterThan(1);
    const last = reports.at(-1);
    expect(last).toMatchObject({ bytes: DATA.length, total: DATA.length });
    for (let i = 1; i < reports.length - 1; i++) {
      const gap = (reports[i] as { at: number }).at - (reports[i - 1] as { at: number }).at;
      expect(gap).toBeGreaterThanOrEqual(250);
    }
    expect(reports.every((r) => r.rate >= 0 && r.bytes <= DATA.length)).toBe(true);
    expect(last?.rate).toBeGreaterThan(0);
  });
});
