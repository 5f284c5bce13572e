/**
 * The real daemon's HTTP edge under abuse: oversized bodies, path tricks aimed at files, raw
 * garbage on the socket. Nothing answers 500, the daemon keeps serving, and no file outside its
 * data and log directories is read, written or created.
 */
import { mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { portRange, startDaemon, writeConfig } from '../helpers/daemon.js';
import { fixture } from '../helpers/paths.js';
import { tempDir } from '../helpers/temp-dir.js';

function rawRequest(port: number, text: string | Buffer): Promise<string> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    let answer = '';
    socket.setTimeout(5000, () => socket.destroy());
    socket.on('data', (chunk) => (answer += chunk.toString('latin1')));
    socket.on('close', () => resolve(answer));
    socket.on('error', () => resolve(answer));
    socket.end(text);
  });
}

function snapshot(dir: string): Record<string, number> {
  const out: Record<string, number> = {};
  const walk = (d: string) => {
    for (const entry of readdirSync(d, { withFileTypes: true })) {
      const path = join(d, entry.name);
      if (entry.isDirectory()) walk(path);
      else out[path] = statSync(path).mtimeMs;
    }
  };
  walk(dir);
  return out;
}

describe('the HTTP edge under abuse', () => {
  it('refuses oversized bodies and path tricks, touches no outside file, and keeps serving', async () => {
    const dir = tempDir();
    const outside = join(dir, 'outside');
    mkdirSync(outside);
    writeFileSync(join(outside, 'sentinel.env'), 'SECRET=outside-sentinel\n');
    const before = snapshot(outside);
    const daemon = await startDaemon(
      dir,
      writeConfig(
        dir,
        `server: { port: 0, grpc_port: 0 }\nprocesses:\n  - name: web\n    binary_path: ${fixture('http-service.mjs')}\n    port_range: ${portRange()}\n`,
      ),
    );
    const port = Number(new URL(daemon.url).port);
    const statuses: number[] = [];
    const bodies: string[] = [];
    const send = async (method: string, path: string, body?: string | Uint8Array) => {
      const response = await fetch(`${daemon.url}${path}`, {
        method,
        ...(body === undefined ? {} : { body, headers: { 'content-type': 'application/json' } }),
      }).catch(() => undefined);
      if (!response) return 0;
      statuses.push(response.status);
      bodies.push(await response.text());
      return response.status;
    };

    // 1. A body over the 1 MiB limit: 413, and the daemon still answers.
    expect(await send('POST', '/api/v1/processes/web/scale', 'x'.repeat(2 * 1024 * 1024))).toBe(
      413,
    );
    // 2. Path tricks aimed at the sentinel and at the daemon's own files.
    for (const path of [
      '/api/v1/processes/..%2f..%2foutside%2fsentinel.env',
      '/api/v1/processes/%2e%2e/logs',
      '/api/v1/processes/web%00/logs',
      '/api/v1/processes/..%5c..%5coutside/status',
      '/api/v1/processes/web/logs?instance=../../outside/sentinel.env',
      '/api/v1/processes/web/logs?instance=%00',
      '/../../outside/sentinel.env',
      '/%2e%2e/%2e%2e/outside/sentinel.env',
      '//',
      '/api/v1/processes/web/../../../outside/sentinel.env',
    ]) {
      await send('GET', path);
    }
    // 3. Garbage on the socket.
    await rawRequest(port, 'GARBAGE\r\n\r\n');
    await rawRequest(port, Buffer.from([0, 1, 2, 255, 254, 13, 10, 13, 10]));
    await rawRequest(port, 'GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: -1\r\n\r\n');

    expect(statuses.filter((s) => s >= 500)).toEqual([]);
    expect(bodies.join('\n')).not.toContain('outside-sentinel');
    expect(snapshot(outside)).toEqual(before);
    expect(readFileSync(join(outside, 'sentinel.env'), 'utf8')).toBe('SECRET=outside-sentinel\n');
    // Still serving.
    expect((await daemon.api('GET', '/api/v1/status')).status).toBe(200);
  });
});
