/**
 * Standalone secrets and certificates end to end: a real daemon, real children (the print-env
 * fixture), a local .env, generated certificates; the precedence of ../shared/spec/child.md.
 */
import { statSync, writeFileSync } from 'node:fs';
import { isAbsolute, join } from 'node:path';
import { X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { childEnv } from '../helpers/child-env.js';
import { portRange, startDaemon, writeConfig } from '../helpers/daemon.js';
import { fixture } from '../helpers/paths.js';
import { tempDir } from '../helpers/temp-dir.js';
import { waitFor } from '../helpers/wait-for.js';

interface Detail {
  instances: Array<{ id: string; port: number; status: string }>;
  events: Array<{ type: string; message?: string; changed?: string[]; added?: string[] }>;
}

function config(range: string): string {
  return `
server: { port: 0, grpc_port: 0 }
processes:
  - name: api
    binary_path: ${fixture('print-env.mjs')}
    port_range: ${range}
    env: { BY_CONFIG: config, PORT: "1" }
    certificates: { enabled: true }
  - name: strict
    binary_path: ${fixture('print-env.mjs')}
    port_range: ${range}
    secrets: { source: local }
    restart: { max_restarts: 0 }
  - name: plain
    binary_path: ${fixture('print-env.mjs')}
    port_range: ${range}
`;
}

describe('standalone secrets and certificates', () => {
  it('gives each child its .env by the precedence of child.md, and certificate files', async () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'config.yaml'), '');
    const data = join(dir, 'data');
    const { mkdirSync } = await import('node:fs');
    mkdirSync(data, { recursive: true });
    writeFileSync(
      join(data, 'api.env'),
      [
        "DB_PASSWORD='pa$$word'",
        'SHARED=from-dotenv',
        'BY_CONFIG=from-dotenv',
        'PORT=from-dotenv',
        'MULTI="line1\\nline2"',
        '',
      ].join('\n'),
      { mode: 0o600 },
    );
    const daemon = await startDaemon(dir, writeConfig(dir, config(portRange())), {
      env: { SHARED: 'from-daemon', ONLY_DAEMON: 'daemon' },
    });

    const env = await childEnv(daemon, 'api', '0');
    const detail = await daemon.api<Detail>('GET', '/api/v1/processes/api');
    const port = detail.json.instances[0]!.port;
    expect(env).toMatchObject({
      ONLY_DAEMON: 'daemon', // layer 1
      SHARED: 'from-dotenv', // layer 2 over 1
      DB_PASSWORD: 'pa$$word', // read literally
      MULTI: 'line1\nline2',
      BY_CONFIG: 'config', // layer 3 over 2
      PORT: String(port), // layer 4 over everything
    });

    // Certificates: absolute paths, a key only the owner reads, a certificate for this machine.
    expect(isAbsolute(env['CERT_FILE']!)).toBe(true);
    expect(isAbsolute(env['KEY_FILE']!)).toBe(true);
    expect(statSync(env['KEY_FILE']!).mode & 0o777).toBe(0o600);
    const cert = new X509Certificate(readFileSync(env['CERT_FILE']!));
    expect(cert.subjectAltName).toContain('DNS:localhost');
    expect(cert.subjectAltName).toContain('IP Address:127.0.0.1');
    expect(env['CERT_FILE']!.startsWith(join(dir, 'certs'))).toBe(true);

    // A process without a .env starts, with a warning naming the file.
    await childEnv(daemon, 'plain', '0');
    const plain = await daemon.api<Detail>('GET', '/api/v1/processes/plain');
    expect(plain.json.events.map((e) => e.message ?? '').join('\n')).toContain(
      `no .env file at ${join(data, 'plain.env')}`,
    );
    // One that declares source: local does not start, and says which file to create.
    await waitFor(async () => {
      const strict = await daemon.api<Detail>('GET', '/api/v1/processes/strict');
      const messages = strict.json.events.map((e) => e.message ?? '').join('\n');
      return messages.includes(`${join(data, 'strict.env')} does not exist`)
        ? true
        : `no secrets_missing event yet: ${messages}`;
    });
    const strict = await daemon.api<Detail>('GET', '/api/v1/processes/strict');
    expect(
      strict.json.instances.every((i) => i.status !== 'running' && i.status !== 'healthy'),
    ).toBe(true);

    // Edited secrets apply on the next restart, and the event names the changed keys only.
    writeFileSync(join(data, 'api.env'), "DB_PASSWORD='rotated'\nSHARED=from-dotenv\nNEW_KEY=1\n");
    expect((await daemon.cli(['restart', 'api'])).code).toBe(0);
    const restarted = await childEnv(
      daemon,
      'api',
      undefined,
      (e) => e['DB_PASSWORD'] === 'rotated',
    );
    expect(restarted['NEW_KEY']).toBe('1');
    expect(restarted['MULTI']).toBeUndefined();
    const after = await daemon.api<Detail>('GET', '/api/v1/processes/api');
    const secretsEvent = after.json.events.filter((e) => e.type === 'instance.secrets').at(-1)!;
    expect(secretsEvent).toMatchObject({ changed: ['DB_PASSWORD'], added: ['NEW_KEY'] });
    expect(JSON.stringify(after.json)).not.toContain('rotated');
  });
});

describe('server.tls.auto', () => {
  it('serves the API over HTTPS with a generated certificate a client can trust', async () => {
    const dir = tempDir();
    const daemon = await startDaemon(
      dir,
      writeConfig(dir, 'server: { port: 0, grpc_port: 0, tls: { auto: true } }\nprocesses: []\n'),
    );
    expect(daemon.url).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
    const ca = readFileSync(join(dir, 'certs', 'daemon', 'api.crt'));
    const { get } = await import('node:https');
    const answer = (trust: boolean) =>
      new Promise<string>((resolve, reject) => {
        get(`${daemon.url}/health`, { ...(trust ? { ca } : {}), agent: false }, (res) => {
          let body = '';
          res.on('data', (c: Buffer) => (body += c.toString()));
          res.on('end', () => resolve(body));
        }).on('error', reject);
      });
    expect(JSON.parse(await answer(true))).toEqual({ status: 'healthy' });
    await expect(answer(false)).rejects.toThrow(/self-signed|self signed/);
  });
});
