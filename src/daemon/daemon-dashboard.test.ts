/**
 * The composition root serves the dashboard: the daemon started in process with a build
 * directory (RunDaemonOptions.webDir) answers `/` with its index.html next to the API.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { get } from 'node:http';
import { join } from 'node:path';
import { describe, expect, it, onTestFinished } from 'vitest';
import { tempDir } from '../../test/helpers/temp-dir.js';
import { startDaemon } from './daemon.js';

function fetchText(url: string, headers: Record<string, string> = {}) {
  return new Promise<{ status: number; type: string; text: string }>((resolve, reject) => {
    get(url, { headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () =>
        resolve({
          status: res.statusCode ?? 0,
          type: String(res.headers['content-type']),
          text: Buffer.concat(chunks).toString('utf8'),
        }),
      );
    }).on('error', reject);
  });
}

describe('the daemon', () => {
  it('serves the dashboard build it is given at /, and the API beside it', async () => {
    const dir = tempDir();
    const web = join(dir, 'web-dist');
    mkdirSync(join(web, 'assets'), { recursive: true });
    writeFileSync(join(web, 'index.html'), '<!doctype html><title>gowinproc test</title>');
    writeFileSync(join(web, 'assets', 'main-1a2b.js'), 'export {};');
    const configPath = join(dir, 'config.yaml');
    writeFileSync(
      configPath,
      `server:\n  port: 0\n  grpc_port: 0\nprocesses:\n  - name: idle\n    binary_path: ${process.execPath}\n    instances: 0\n`,
    );
    const daemon = await startDaemon({
      configPath,
      paths: { data: join(dir, 'data'), logs: join(dir, 'logs') },
      env: {},
      webDir: web,
    });
    onTestFinished(() => daemon.stop().then(() => undefined));

    const page = await fetchText(`${daemon.apiUrl}/`);
    expect(page).toMatchObject({ status: 200, type: 'text/html; charset=utf-8' });
    expect(page.text).toContain('gowinproc test');
    const reload = await fetchText(`${daemon.apiUrl}/processes/idle`, { accept: 'text/html' });
    expect(reload.text).toContain('gowinproc test');
    const script = await fetchText(`${daemon.apiUrl}/assets/main-1a2b.js`);
    expect(script).toMatchObject({ status: 200, type: 'text/javascript; charset=utf-8' });
    const whoami = await fetchText(`${daemon.apiUrl}/api/v1/auth/whoami`);
    expect(JSON.parse(whoami.text)).toEqual({
      authenticated: false,
      auth_required: false,
      role: 'admin',
      name: null,
    });
  });
});
