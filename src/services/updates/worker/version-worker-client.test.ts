import { afterEach, describe, expect, it } from 'vitest';
import { DaemonError, FakeClock } from '../../../shared/index.js';
import {
  startFakeWebhookWorker,
  type FakeWebhookWorker,
} from '../../../../test/fakes/webhook-worker.js';
import { waitFor } from '../../../../test/helpers/wait-for.js';
import { ERROR_EXCERPT_CHARS, VersionWorkerClient } from './version-worker-client.js';

let worker: FakeWebhookWorker | undefined;

afterEach(async () => {
  await worker?.close();
  worker = undefined;
});

async function setup(): Promise<{
  fake: FakeWebhookWorker;
  client: VersionWorkerClient;
  clock: FakeClock;
}> {
  worker = await startFakeWebhookWorker();
  const clock = new FakeClock();
  // A trailing slash in the configured URL must not double the path's slash.
  const client = new VersionWorkerClient({ url: `${worker.url}/`, clock, timeoutMs: 5000 });
  return { fake: worker, client, clock };
}

async function failure(promise: Promise<unknown>): Promise<DaemonError> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof DaemonError) return error;
    throw error;
  }
  throw new Error('expected a DaemonError, got success');
}

describe('VersionWorkerClient', () => {
  it('reads one repository with X-Service-Binding: true', async () => {
    const { fake, client } = await setup();
    const stored = fake.setRepo({
      repo: 'owner/repo',
      version: 'v1.4.0',
      grpcEndpoint: 'api.example.com:50051',
      updatedAt: 1_700_000_000_500,
      createdAt: 1_690_000_000_000,
    });
    expect(await client.repository('owner/repo')).toEqual(stored);
    expect(fake.requests).toHaveLength(1);
    expect(fake.requests[0]?.url).toBe('/repo/owner/repo');
    expect(fake.requests[0]?.headers['x-service-binding']).toBe('true');
  });

  it('lists repositories with ?limit=100 by default, and the given limit', async () => {
    const { fake, client } = await setup();
    const one = fake.setRepo({ repo: 'a/one', version: 'v1' });
    const two = fake.setRepo({ repo: 'b/two', version: 'v2' });
    expect(await client.list()).toEqual([one, two]);
    expect(await client.list(1)).toEqual([one]);
    expect(fake.requests.map((r) => r.url)).toEqual(['/repos?limit=100', '/repos?limit=1']);
    expect(fake.requests.every((r) => r.headers['x-service-binding'] === 'true')).toBe(true);
    await expect(client.list(0)).rejects.toMatchObject({ code: 'invalid_argument' });
  });

  it('maps the 404 "Repository not found" to release_not_found', async () => {
    const { client } = await setup();
    const error = await failure(client.repository('owner/missing'));
    expect(error.code).toBe('release_not_found');
    expect(error.message).toBe(
      'the webhook worker has no version for owner/missing "Repository not found"',
    );
    expect(error.details).toEqual({ repository: 'owner/missing' });
  });

  it('refuses a repository that is not owner/repo without calling the worker', async () => {
    const { fake, client } = await setup();
    for (const bad of ['owner', 'owner/repo/extra', '../x/y', 'a b/c']) {
      expect((await failure(client.repository(bad))).code).toBe('invalid_argument');
    }
    expect(fake.requests).toHaveLength(0);
  });

  it('maps a plain-text 5xx to github_unavailable with a short one-line excerpt', async () => {
    const { fake, client } = await setup();
    fake.failNext(502, `<html>\n<title>Bad gateway</title>\n${'x'.repeat(100_000)}</html>`);
    const error = await failure(client.repository('owner/repo'));
    expect(error.code).toBe('github_unavailable');
    expect(error.message).toMatch(
      /^webhook worker GET \/repo\/owner\/repo: HTTP 502 "<html> <title>Bad gateway/,
    );
    expect(error.message).not.toContain('\n');
    expect(error.message.length).toBeLessThan(ERROR_EXCERPT_CHARS + 100);
    expect(error.details).toEqual({ status: 502 });
  });

  it('uses the error field of a JSON error body', async () => {
    const { fake, client } = await setup();
    fake.failNext(500, '{"success":false,"error":"KV read failed"}', 'application/json');
    const error = await failure(client.list());
    expect(error.code).toBe('github_unavailable');
    expect(error.message).toBe('webhook worker GET /repos: HTTP 500 "KV read failed"');
  });

  it('maps the 403 of a refused call to github_unavailable', async () => {
    const { fake, client } = await setup();
    fake.failNext(403, '{"success":false,"error":"Forbidden"}', 'application/json');
    expect((await failure(client.list())).code).toBe('github_unavailable');
  });

  it('maps a 429 to github_rate_limited for a minute', async () => {
    const { fake, client, clock } = await setup();
    fake.failNext(429, 'error code: 1015');
    const error = await failure(client.repository('owner/repo'));
    expect(error.code).toBe('github_rate_limited');
    expect(error.details).toEqual({ resetAt: clock.now() + 60_000 });
    expect(error.message).toContain('HTTP 429 "error code: 1015"');
  });

  it('treats a 200 that is not the documented shape as github_unavailable', async () => {
    const { fake, client } = await setup();
    fake.failNext(200, 'OK');
    expect((await failure(client.list())).message).toContain('not the documented');
    fake.failNext(200, '{"success":true,"data":{"repo":"owner/repo"}}', 'application/json');
    expect((await failure(client.repository('owner/repo'))).code).toBe('github_unavailable');
    fake.failNext(200, '{"success":false,"data":[]}', 'application/json');
    expect((await failure(client.list())).code).toBe('github_unavailable');
  });

  it('keeps only the spec fields of a record', async () => {
    const { fake, client } = await setup();
    fake.failNext(
      200,
      '{"success":true,"data":{"repo":"o/r","version":"v1","grpcEndpoint":"","updatedAt":2,"createdAt":1,"secretish":"x"}}',
      'application/json',
    );
    expect(await client.repository('o/r')).toEqual({
      repo: 'o/r',
      version: 'v1',
      grpcEndpoint: '',
      updatedAt: 2,
      createdAt: 1,
    });
  });

  it('maps a dropped connection and a refused connection to github_unavailable', async () => {
    const { fake, client } = await setup();
    fake.dropNext();
    const dropped = await failure(client.list());
    expect(dropped.code).toBe('github_unavailable');
    expect(dropped.message).toMatch(
      /^webhook worker unreachable: GET http:\/\/127\.0\.0\.1:\d+\/repos/,
    );
    await fake.close();
    worker = undefined;
    const refused = await failure(client.list());
    expect(refused.code).toBe('github_unavailable');
    expect(refused.message).toContain('connection refused');
  });

  it('times out on its clock: github_unavailable', async () => {
    const { fake, client, clock } = await setup();
    fake.hangNext();
    const pending = failure(client.repository('owner/repo'));
    await waitFor(() => fake.requests.length === 1 || 'request not received yet');
    await clock.advance(5000);
    const error = await pending;
    expect(error.code).toBe('github_unavailable');
    expect(error.message).toContain('timed out after 5000 ms');
  });

  it('refuses a URL that is not http(s)', () => {
    const clock = new FakeClock();
    expect(() => new VersionWorkerClient({ url: 'not a url', clock })).toThrow(DaemonError);
    expect(() => new VersionWorkerClient({ url: 'ftp://worker.example', clock })).toThrow(
      /must be an http\(s\) URL/,
    );
  });

  it('keeps a path prefix of the worker URL; a plain-text 404 (wrong URL) is not release_not_found', async () => {
    worker = await startFakeWebhookWorker();
    const client = new VersionWorkerClient({
      url: `${worker.url}/prefix/`,
      clock: new FakeClock(),
    });
    const error = await failure(client.repository('owner/repo'));
    expect(error.code).toBe('github_unavailable');
    expect(error.message).toBe('webhook worker GET /repo/owner/repo: HTTP 404 "Not Found"');
    expect(worker.requests[0]?.url).toBe('/prefix/repo/owner/repo');
  });
});
