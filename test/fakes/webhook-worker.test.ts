import { request } from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import {
  REPO_NOT_FOUND_BODY,
  startFakeWebhookWorker,
  type FakeWebhookWorker,
} from './webhook-worker.js';

interface RawReply {
  status: number;
  contentType: string | undefined;
  text: string;
}

/** A raw HTTP call, independent of the client under test elsewhere. */
function call(
  url: string,
  path: string,
  headers: Record<string, string> = { 'x-service-binding': 'true' },
  method = 'GET',
): Promise<RawReply> {
  return new Promise((resolve, reject) => {
    const req = request(`${url}${path}`, { method, headers, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () =>
        resolve({
          status: res.statusCode ?? 0,
          contentType: res.headers['content-type'],
          text: Buffer.concat(chunks).toString('utf8'),
        }),
      );
    });
    req.on('error', reject);
    req.end();
  });
}

let worker: FakeWebhookWorker | undefined;
const NOW = 1_700_000_000_000;

afterEach(async () => {
  await worker?.close();
  worker = undefined;
});

async function start(): Promise<FakeWebhookWorker> {
  worker = await startFakeWebhookWorker({ now: () => NOW });
  return worker;
}

describe('fake webhook worker (cloudflare.md §3)', () => {
  it('answers GET /repo/<owner>/<repo> with the spec shape, keys in the spec order', async () => {
    const fake = await start();
    fake.setRepo({
      createdAt: 1_690_000_000_000,
      updatedAt: 1_700_000_000_123,
      grpcEndpoint: 'api.example.com:50051',
      version: 'v1.2.3',
      repo: 'owner/repo',
    });
    const reply = await call(fake.url, '/repo/owner/repo');
    expect(reply.status).toBe(200);
    expect(reply.contentType).toBe('application/json');
    expect(reply.text).toBe(
      '{"success":true,"data":{"repo":"owner/repo","version":"v1.2.3",' +
        '"grpcEndpoint":"api.example.com:50051","updatedAt":1700000000123,"createdAt":1690000000000}}',
    );
  });

  it('answers an unknown repository with the 404 body to the byte', async () => {
    const fake = await start();
    const reply = await call(fake.url, '/repo/owner/missing');
    expect(reply).toEqual({
      status: 404,
      contentType: 'application/json',
      text: '{"success":false,"error":"Repository not found"}',
    });
    expect(REPO_NOT_FOUND_BODY).toBe(reply.text);
  });

  it('answers GET /repos?limit=n with data and count', async () => {
    const fake = await start();
    expect((await call(fake.url, '/repos?limit=100')).text).toBe(
      '{"success":true,"data":[],"count":0}',
    );
    fake.setRepo({ repo: 'a/one', version: 'v1', grpcEndpoint: 'h:1', updatedAt: 2, createdAt: 1 });
    fake.setRepo({ repo: 'b/two', version: 'v2', grpcEndpoint: 'h:2', updatedAt: 4, createdAt: 3 });
    expect((await call(fake.url, '/repos?limit=100')).text).toBe(
      '{"success":true,"data":[' +
        '{"repo":"a/one","version":"v1","grpcEndpoint":"h:1","updatedAt":2,"createdAt":1},' +
        '{"repo":"b/two","version":"v2","grpcEndpoint":"h:2","updatedAt":4,"createdAt":3}' +
        '],"count":2}',
    );
    const limited = JSON.parse((await call(fake.url, '/repos?limit=1')).text) as {
      data: unknown[];
      count: number;
    };
    expect(limited.data).toHaveLength(1);
    expect(limited.count).toBe(1);
  });

  it('keeps createdAt and fills updatedAt when a version is replaced; remove forgets it', async () => {
    let clock = NOW;
    worker = await startFakeWebhookWorker({ now: () => clock });
    const first = worker.setRepo({ repo: 'owner/repo', version: 'v1' });
    expect(first).toEqual({
      repo: 'owner/repo',
      version: 'v1',
      grpcEndpoint: '',
      updatedAt: NOW,
      createdAt: NOW,
    });
    clock += 5000;
    expect(worker.setRepo({ repo: 'owner/repo', version: 'v2' })).toEqual({
      ...first,
      version: 'v2',
      updatedAt: NOW + 5000,
    });
    worker.remove('owner/repo');
    expect((await call(worker.url, '/repo/owner/repo')).status).toBe(404);
  });

  it('refuses a request without X-Service-Binding: true', async () => {
    const fake = await start();
    fake.setRepo({ repo: 'owner/repo', version: 'v1' });
    expect((await call(fake.url, '/repo/owner/repo', {})).status).toBe(403);
    expect((await call(fake.url, '/repos', { 'x-service-binding': 'false' })).status).toBe(403);
  });

  it('answers unknown paths and methods in plain text', async () => {
    const fake = await start();
    expect(await call(fake.url, '/nothing')).toEqual({
      status: 404,
      contentType: 'text/plain;charset=UTF-8',
      text: 'Not Found',
    });
    expect((await call(fake.url, '/repos', { 'x-service-binding': 'true' }, 'POST')).status).toBe(
      405,
    );
  });

  it('injects failures, drops and records every request', async () => {
    const fake = await start();
    fake.failNext(502, 'error code: 502');
    fake.failNext(500, '{"success":false,"error":"boom"}', 'application/json');
    expect(await call(fake.url, '/repos')).toEqual({
      status: 502,
      contentType: 'text/plain;charset=UTF-8',
      text: 'error code: 502',
    });
    expect((await call(fake.url, '/repos')).contentType).toBe('application/json');
    expect((await call(fake.url, '/repos')).status).toBe(200);
    fake.dropNext();
    await expect(call(fake.url, '/repos')).rejects.toThrow();
    expect(fake.requests.map((r) => [r.url, r.status])).toEqual([
      ['/repos', 502],
      ['/repos', 500],
      ['/repos', 200],
      ['/repos', undefined],
    ]);
    expect(fake.requests[0]?.headers['x-service-binding']).toBe('true');
  });
});
