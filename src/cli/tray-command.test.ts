import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { tempDir } from '../../test/helpers/temp-dir.js';
import { runCli } from './program.js';
import type { TrayRunOptions } from './tray-command.js';

async function tray(args: string[], runTray?: (o: TrayRunOptions) => Promise<number>) {
  const stderr = new PassThrough();
  let errors = '';
  stderr.on('data', (c: Buffer) => (errors += c.toString('utf8')));
  const code = await runCli(['tray', ...args], {
    stdout: new PassThrough(),
    stderr,
    env: {},
    version: '0.0.0',
    runDaemon: () => Promise.resolve(0),
    generateKeys: () => Promise.reject(new Error('unused')),
    ...(runTray ? { runTray } : {}),
  });
  process.exitCode = undefined;
  return { code, errors };
}

describe('gowinproc tray', () => {
  it('passes the target, the gRPC address and the logs folder of the config file', async () => {
    const dir = tempDir();
    const config = join(dir, 'config.yaml');
    writeFileSync(config, 'server: { port: 9180, grpc_port: 9181 }\npaths: { logs: my-logs }\n');
    const seen: TrayRunOptions[] = [];
    const result = await tray(['--config', config, '--api-key', 'k-123'], async (options) => {
      seen.push(options);
      return 0;
    });
    expect(result).toEqual({ code: 0, errors: '' });
    expect(seen[0]).toMatchObject({
      baseUrl: 'http://127.0.0.1:9180',
      apiKey: 'k-123',
      grpcAddress: '127.0.0.1:9181',
      logsDir: join(dir, 'my-logs'),
    });
  });

  it('--url alone: no gRPC address; --logs sets the folder; the tray exit code is returned', async () => {
    const seen: TrayRunOptions[] = [];
    const result = await tray(
      ['--url', 'http://10.0.0.5:8080', '--logs', '/var/log/gw'],
      async (o) => {
        seen.push(o);
        return 1;
      },
    );
    expect(result.code).toBe(1);
    expect(seen[0]).toMatchObject({
      baseUrl: 'http://10.0.0.5:8080',
      grpcAddress: undefined,
      logsDir: '/var/log/gw',
    });
  });

  it('a build without a tray says so', async () => {
    const result = await tray(['--url', 'http://127.0.0.1:1']);
    expect(result).toEqual({
      code: 1,
      errors: 'error: this build of gowinproc has no system tray\n',
    });
  });
});
