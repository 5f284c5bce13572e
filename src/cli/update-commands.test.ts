/**
 * The update commands through the real client, against a small HTTP server answering the REST
 * shapes of rest.md (the daemon end to end is test/e2e/cli-updates.test.ts).
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { PassThrough } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import type { ProcessVersionView, UpdateStatusView } from '../app/index.js';
import { runCli } from './program.js';

interface Recorded {
  method: string;
  url: string;
  body: unknown;
}

function status(overrides: Partial<UpdateStatusView>): UpdateStatusView {
  return {
    update_id: 'u-1',
    process_name: 'echo',
    status: 'pending',
    progress: 0,
    message: 'queued',
    timestamp: 1,
    kind: 'update',
    from_version: 'v1.0.0',
    to_version: 'v2.0.0',
    strategy: 'rolling',
    started_at: 0,
    ...overrides,
  };
}

const COMPLETED = [
  status({}),
  status({
    status: 'downloading',
    progress: 10,
    message: 'downloading echo.tar.gz',
    timestamp: 2,
    download: { bytes: 10, total: 100, rate: 5 },
  }),
  status({ status: 'starting', progress: 70, message: 'starting echo-2', timestamp: 3 }),
  status({
    status: 'completed',
    progress: 100,
    message: 'echo runs v2.0.0',
    timestamp: 2500,
    ended_at: 2500,
  }),
];

const ROLLED_BACK = [
  status({ update_id: 'u-3', to_version: 'v3.0.0', status: 'health_check', progress: 80 }),
  status({
    update_id: 'u-3',
    to_version: 'v3.0.0',
    status: 'rolled_back',
    progress: 100,
    message: 'echo-2 did not become ready; echo runs v2.0.0 again',
    error: { code: 'not_ready', message: 'echo-2 did not become ready' },
    timestamp: 9,
    ended_at: 9,
  }),
];

let server: ReturnType<typeof createServer> | undefined;
afterEach(async () => {
  server?.closeAllConnections();
  await new Promise((resolve) => server?.close(resolve));
  server = undefined;
});

/** A REST stand-in: `streams` per update id (each status one SSE event), `answers` per route. */
async function fakeDaemon(
  streams: Record<string, UpdateStatusView[]>,
  answers: Record<string, [number, unknown]>,
): Promise<{ url: string; requests: Recorded[] }> {
  const requests: Recorded[] = [];
  server = createServer((request: IncomingMessage, response: ServerResponse) => {
    let raw = '';
    request.on('data', (chunk: Buffer) => (raw += chunk.toString()));
    request.on('end', () => {
      requests.push({
        method: request.method!,
        url: request.url!,
        body: raw ? (JSON.parse(raw) as unknown) : undefined,
      });
      const events = /^\/api\/v1\/updates\/([^/]+)\/events$/.exec(request.url!);
      const stream = events ? streams[decodeURIComponent(events[1]!)] : undefined;
      if (stream) {
        response.writeHead(200, { 'content-type': 'text/event-stream' });
        response.write(': hello\n\n');
        for (const s of stream) response.write(`event: status\ndata: ${JSON.stringify(s)}\n\n`);
        return void response.end();
      }
      const [code, body] = answers[`${request.method} ${request.url}`] ?? [
        404,
        { error: `no route ${request.url}`, code: 'not_found' },
      ];
      response.writeHead(code, { 'content-type': 'application/json' });
      response.end(JSON.stringify(body));
    });
  });
  await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server!.address() as AddressInfo).port}`, requests };
}

async function cli(url: string, args: string[]) {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  let out = '';
  let err = '';
  stdout.on('data', (c: Buffer) => (out += c.toString()));
  stderr.on('data', (c: Buffer) => (err += c.toString()));
  const code = await runCli([...args, '--url', url], {
    stdout,
    stderr,
    env: {},
    version: '0.0.0',
    runDaemon: () => Promise.resolve(0),
    generateKeys: () => Promise.reject(new Error('not here')),
  });
  return { code, stdout: out, stderr: err };
}

const started = (id: string, to: string) => ({
  message: 'update started',
  process: 'echo',
  update_id: id,
  current_version: 'v1.0.0',
  target_version: to,
});

describe('gowinproc update / rollback', () => {
  it('starts an update with only the given options and follows it to completion (exit 0)', async () => {
    const daemon = await fakeDaemon(
      { 'u-1': COMPLETED },
      { 'POST /api/v1/processes/echo/update': [202, started('u-1', 'v2.0.0')] },
    );
    const result = await cli(daemon.url, [
      'update',
      'echo',
      '--version',
      'v2.0.0',
      '--strategy',
      'blue-green',
      '--follow',
    ]);
    expect(result).toMatchObject({ code: 0, stderr: '' });
    expect(result.stdout).toBe(
      [
        'echo: update u-1 started: v1.0.0 → v2.0.0',
        '[  0%] pending: queued',
        '[ 10%] downloading: downloading echo.tar.gz (10 B / 100 B  5 B/s)',
        '[ 70%] starting: starting echo-2',
        '[100%] completed: echo runs v2.0.0',
        'echo: update v1.0.0 → v2.0.0 completed in 2.5s',
        '',
      ].join('\n'),
    );
    expect(daemon.requests[0]).toEqual({
      method: 'POST',
      url: '/api/v1/processes/echo/update',
      body: { version: 'v2.0.0', strategy: 'blue-green' },
    });
  });

  it('exits 1 with the reason when the update is rolled back', async () => {
    const daemon = await fakeDaemon(
      { 'u-3': ROLLED_BACK },
      { 'POST /api/v1/processes/echo/update': [202, started('u-3', 'v3.0.0')] },
    );
    const result = await cli(daemon.url, ['update', 'echo', '-f', '--force']);
    expect(result.code).toBe(1);
    expect(result.stderr).toBe(
      'error: echo: update to v3.0.0 was rolled back: echo-2 did not become ready; echo runs v2.0.0 again\n',
    );
    expect(result.stdout).toContain('[100%] rolled back:');
    expect(daemon.requests[0]!.body).toEqual({ force: true });
  });

  it('asks the status once more when the stream ends before the update does', async () => {
    const daemon = await fakeDaemon(
      { 'u-1': COMPLETED.slice(0, 2) },
      {
        'POST /api/v1/processes/echo/update': [202, started('u-1', 'v2.0.0')],
        'GET /api/v1/updates/u-1': [200, COMPLETED[3]],
      },
    );
    const result = await cli(daemon.url, ['update', 'echo', '--follow', '--json']);
    expect(result.code).toBe(0);
    const lines = result.stdout.trim().split('\n');
    expect(lines.map((l) => (JSON.parse(l) as UpdateStatusView).status)).toEqual([
      'pending',
      'downloading',
      'completed',
    ]);
  });

  it('prints the answer as JSON without --follow, and refuses a bad strategy or missing name', async () => {
    const daemon = await fakeDaemon(
      {},
      { 'POST /api/v1/processes/echo/update': [202, started('u-1', 'v2.0.0')] },
    );
    const json = await cli(daemon.url, ['update', 'echo', '--json']);
    expect(JSON.parse(json.stdout)).toEqual(started('u-1', 'v2.0.0'));
    expect(daemon.requests[0]!.body).toEqual({});

    const bad = await cli(daemon.url, ['update', 'echo', '--strategy', 'sideways']);
    expect(bad.code).not.toBe(0);
    expect(bad.stderr).toContain("argument 'sideways' is invalid");
    const none = await cli(daemon.url, ['update']);
    expect(none).toMatchObject({
      code: 1,
      stderr: 'error: update needs a process name, or --all for every process\n',
    });
    const both = await cli(daemon.url, ['update', 'echo', '--all']);
    expect(both.stderr).toBe(
      'error: update --all updates every process: leave out the name "echo"\n',
    );
    expect(daemon.requests).toHaveLength(1);
  });

  it('passes the daemon error through (409 update_in_progress)', async () => {
    const daemon = await fakeDaemon(
      {},
      {
        'POST /api/v1/processes/echo/update': [
          409,
          { error: 'echo is already being updated (u-1)', code: 'update_in_progress' },
        ],
      },
    );
    expect(await cli(daemon.url, ['update', 'echo', '--follow'])).toEqual({
      code: 1,
      stdout: '',
      stderr: 'error: echo is already being updated (u-1)\n',
    });
  });

  it('updates every process with --all and prints each', async () => {
    const daemon = await fakeDaemon(
      {},
      {
        'POST /api/v1/update': [
          202,
          {
            success: true,
            message: '1 update(s) started, 1 up to date',
            updateId: 'u-7',
            processes: [
              {
                name: 'echo',
                current_version: 'v1.0.0',
                target_version: 'v2.0.0',
                status: 'started',
                estimated_duration: 4,
                update_id: 'u-7',
              },
              {
                name: 'api',
                current_version: '',
                target_version: 'v5',
                status: 'up_to_date',
                estimated_duration: 1,
              },
            ],
          },
        ],
      },
    );
    const result = await cli(daemon.url, ['update', '--all', '--strategy', 'immediate']);
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/^1 update\(s\) started, 1 up to date\nprocess/);
    expect(result.stdout).toMatch(/\necho\s+v1\.0\.0\s+v2\.0\.0\s+started\s+u-7\n/);
    expect(result.stdout).toMatch(/\napi\s+binary_path\s+v5\s+up to date\n?$/);
    expect(daemon.requests[0]!.body).toEqual({ strategy: 'immediate' });
  });

  it('rolls back and follows the rollback', async () => {
    const rollback = COMPLETED.map((s) => ({
      ...s,
      update_id: 'r-1',
      kind: 'rollback' as const,
      from_version: 'v2.0.0',
      to_version: 'v1.0.0',
    }));
    const daemon = await fakeDaemon(
      { 'r-1': rollback },
      {
        'POST /api/v1/processes/echo/rollback': [
          202,
          {
            message: 'rollback started',
            process: 'echo',
            rollback_id: 'r-1',
            from_version: 'v2.0.0',
            to_version: 'v1.0.0',
          },
        ],
      },
    );
    const result = await cli(daemon.url, ['rollback', 'echo', '--version', 'v1.0.0', '--follow']);
    expect(result.code).toBe(0);
    expect(result.stdout.split('\n')[0]).toBe('echo: rollback r-1 started: v2.0.0 → v1.0.0');
    expect(result.stdout).toContain('\necho: rollback v2.0.0 → v1.0.0 completed in 2.5s\n');
    expect(daemon.requests[0]!.body).toEqual({ version: 'v1.0.0' });
  });
});

describe('gowinproc versions / updates', () => {
  const view: ProcessVersionView = {
    process: 'echo',
    current_version: 'v2.0.0',
    previous_version: 'v1.0.0',
    latest_version: 'v2.0.0',
    update_available: false,
    repository: 'acme/echo',
    instances: [{ id: 'echo-0-abc', version: 'v2.0.0', uptime: 75 }],
    history: [
      {
        version: 'v1.0.0',
        installed_at: '2026-01-01T10:00:00.000Z',
        active: false,
        previous: true,
        installed: true,
        asset: 'echo_linux_amd64.tar.gz',
        sha256: 'a'.repeat(64),
        verified: false,
      },
      {
        version: 'v2.0.0',
        installed_at: '2026-01-02T10:00:00.000Z',
        active: true,
        previous: false,
        installed: true,
        asset: 'echo_linux_amd64.tar.gz',
        sha256: 'b'.repeat(64),
        verified: true,
      },
    ],
  };

  it('shows versions as text and as JSON', async () => {
    const daemon = await fakeDaemon({}, { 'GET /api/v1/processes/echo/version': [200, view] });
    const text = await cli(daemon.url, ['versions', 'echo']);
    expect(text.code).toBe(0);
    expect(text.stdout).toContain('echo  (acme/echo)\n  current   v2.0.0\n  previous  v1.0.0\n');
    expect(text.stdout).toContain('  latest    v2.0.0  up to date\n');
    expect(text.stdout).toMatch(/\necho-0-abc\s+v2\.0\.0\s+1m15s\n/);
    expect(text.stdout).toMatch(/\nv1\.0\.0\s+2026-01-01 10:00:00\s+previous\s+no\s+echo_linux/);
    expect(text.stdout).toMatch(/\nv2\.0\.0\s+2026-01-02 10:00:00\s+current\s+sha256\s+echo_linux/);
    const json = await cli(daemon.url, ['versions', 'echo', '--json']);
    expect(JSON.parse(json.stdout)).toEqual(view);
  });

  it('lists available updates', async () => {
    const daemon = await fakeDaemon(
      {},
      {
        'GET /api/v1/updates/available': [
          200,
          {
            updates: [
              {
                processName: 'echo',
                currentVersion: 'v1.0.0',
                latestVersion: 'v2.0.0',
                releaseDate: '2026-01-02T10:00:00Z',
                releaseNotes: '',
                upToDate: false,
                repository: 'acme/echo',
              },
              {
                processName: 'api',
                currentVersion: '',
                latestVersion: '',
                releaseDate: '',
                releaseNotes: '',
                upToDate: false,
                repository: 'acme/api',
                error: { code: 'github_unavailable', message: 'GitHub did not answer' },
              },
            ],
          },
        ],
      },
    );
    const result = await cli(daemon.url, ['updates']);
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/\necho\s+v1\.0\.0\s+v2\.0\.0\s+2026-01-02\s+update available\n/);
    expect(result.stdout).toMatch(
      /\napi\s+binary_path\s+-\s+-\s+unknown: GitHub did not answer\n?$/,
    );
  });
});
