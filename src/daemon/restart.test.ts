/**
 * What `gowinproc run` does after its daemon stopped: the pure decision, and the daemon started in
 * process under systemd (INVOCATION_ID) answering POST /api/v1/restart, stopping, and leaving the
 * restart to the service manager: exit code 75, nothing spawned.
 */
import { existsSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { describe, expect, it, onTestFinished } from 'vitest';
import { tempDir } from '../../test/helpers/temp-dir.js';
import { startDaemon } from './daemon.js';
import { SERVICE_MANAGER_RESTART_CODE } from './restart-method.js';
import { exitAfterRun, thisProcessCommand } from './restart.js';

function recorder() {
  const spawned: number[] = [];
  const stderr = new PassThrough();
  let written = '';
  stderr.on('data', (chunk: Buffer) => (written += chunk.toString('utf8')));
  return {
    spawned,
    stderr,
    written: () => written,
    deps: { respawn: () => void spawned.push(1), stderr },
  };
}

const OPERATOR_KEY = 'restart-test-operator-key-0123';
const ADMIN_KEY = 'restart-test-admin-key-0123456';

function post(url: string, key: string): Promise<{ status: number; body: unknown }> {
  return new Promise((resolve, reject) => {
    const headers = { authorization: `Bearer ${key}` };
    const req = request(url, { method: 'POST', headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () =>
        resolve({
          status: res.statusCode ?? 0,
          body: JSON.parse(Buffer.concat(chunks).toString('utf8')) as unknown,
        }),
      );
    });
    req.on('error', reject);
    req.end();
  });
}

describe('exitAfterRun', () => {
  it('without a restart: the daemon code, nothing spawned', () => {
    const { spawned, deps } = recorder();
    expect(exitAfterRun({ code: 0 }, deps)).toBe(0);
    expect(exitAfterRun({ code: 1 }, deps)).toBe(1);
    expect(exitAfterRun({ code: 130 }, deps)).toBe(130);
    expect(spawned).toEqual([]);
  });

  it('service-manager: exits with 75 (a failure, so the manager restarts), nothing spawned', () => {
    const { spawned, deps } = recorder();
    expect(exitAfterRun({ code: 0, restart: 'service-manager' }, deps)).toBe(75);
    expect(SERVICE_MANAGER_RESTART_CODE).toBe(75);
    expect(exitAfterRun({ code: 1, restart: 'service-manager' }, deps)).toBe(1);
    expect(spawned).toEqual([]);
  });

  it('respawn: starts the replacement once, then exits with the daemon code', () => {
    const { spawned, deps } = recorder();
    expect(exitAfterRun({ code: 0, restart: 'respawn' }, deps)).toBe(0);
    expect(spawned).toEqual([1]);
  });

  it('respawn that cannot start: says so and exits 1', () => {
    const { written, stderr } = recorder();
    const code = exitAfterRun(
      { code: 0, restart: 'respawn' },
      {
        respawn: () => {
          throw new Error('spawn EAGAIN');
        },
        stderr,
      },
    );
    expect(code).toBe(1);
    expect(written()).toBe('error: could not start the new daemon process: spawn EAGAIN\n');
  });

  it('the replacement runs this Node.js with the same options, script and arguments', () => {
    const command = thisProcessCommand();
    expect(command.file).toBe(process.execPath);
    expect(command.args).toEqual([...process.execArgv, ...process.argv.slice(1)]);
    expect(command.cwd).toBe(process.cwd());
    expect(command.env).toBe(process.env);
  });
});

describe('POST /api/v1/restart under systemd', () => {
  it('admin only; answers 202, stops, releases the lock, ends with 75, spawns nothing', async () => {
    const dir = tempDir();
    const configPath = join(dir, 'config.yaml');
    writeFileSync(
      configPath,
      `server:\n  port: 0\n  grpc_port: 0\n  auth:\n    api_keys:\n` +
        `      - { name: ops, key: ${OPERATOR_KEY}, role: operator }\n` +
        `      - { name: root, key: ${ADMIN_KEY}, role: admin }\nprocesses:\n  - name: idle\n    binary_path: ${process.execPath}\n    instances: 0\n`,
    );
    const daemon = await startDaemon({
      configPath,
      paths: { data: join(dir, 'data'), logs: join(dir, 'logs') },
      env: { INVOCATION_ID: '5b1f0c2e9a7d4e3f8c6b2a1d0e9f8c7b' },
    });
    onTestFinished(() => daemon.stop().then(() => undefined));
    expect(existsSync(join(dir, 'data', 'gowinproc.lock'))).toBe(true);

    const refused = await post(`${daemon.apiUrl}/api/v1/restart`, OPERATOR_KEY);
    expect(refused).toMatchObject({ status: 403, body: { code: 'forbidden' } });
    const answer = await post(`${daemon.apiUrl}/api/v1/restart`, ADMIN_KEY);
    expect(answer).toEqual({
      status: 202,
      body: { status: 'restarting', method: 'service-manager' },
    });
    const exit = await daemon.done;
    expect(exit).toEqual({ code: 0, restart: 'service-manager' });
    expect(existsSync(join(dir, 'data', 'gowinproc.lock'))).toBe(false);

    const { spawned, deps } = recorder();
    expect(exitAfterRun(exit, deps)).toBe(75);
    expect(spawned).toEqual([]);
  });
});
