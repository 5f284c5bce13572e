/**
 * An installed release runs instead of binary_path (hot deploys, issue 7): with a current version
 * in data/versions.json, the daemon starts that version's executable and sets GOWINPROC_VERSION;
 * the config file is not touched. Without one, binary_path runs as before.
 */
import { copyFileSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { VersionStore } from '../../src/services/updates/index.js';
import { systemClock } from '../../src/shared/index.js';
import { portRange, startDaemon, writeConfig, type DaemonProcess } from '../helpers/daemon.js';
import { fixture } from '../helpers/paths.js';
import { tempDir } from '../helpers/temp-dir.js';
import { waitFor } from '../helpers/wait-for.js';

/** The environment the current instance of `api` printed (logs keep earlier runs' lines too). */
async function envOf(daemon: DaemonProcess): Promise<Record<string, string>> {
  let env: Record<string, string> | undefined;
  await waitFor(async () => {
    const { json } = await daemon.api<{ instances: Array<{ id: string }> }>(
      'GET',
      '/api/v1/processes/api',
    );
    const id = json.instances[0]?.id;
    const logs = await daemon.cli(['logs', 'api', '--tail', '100']);
    env = logs.stdout
      .split('\n')
      .filter((l) => l.includes('env {'))
      .map((l) => JSON.parse(l.slice(l.indexOf('env {') + 4)) as Record<string, string>)
      .find((e) => e.INSTANCE_ID === id);
    return env !== undefined || `no env line of instance ${id} yet: ${logs.stdout}`;
  });
  return env!;
}

describe('an installed release', () => {
  it('runs instead of binary_path, with GOWINPROC_VERSION, and binary_path without one', async () => {
    const dir = tempDir();
    const config = `server: { port: 0, grpc_port: 0 }
processes:
  - name: api
    repository: acme/api
    binary_path: ${fixture('print-env.mjs')}
    port_range: ${portRange()}
    secrets: { enabled: false }
    env: { WHICH: configured }
`;
    const configPath = writeConfig(dir, config);

    // No release installed: binary_path runs, without a version.
    let daemon = await startDaemon(dir, configPath);
    const plain = await envOf(daemon);
    expect(plain.WHICH).toBe('configured');
    expect('GOWINPROC_VERSION' in plain).toBe(false);
    daemon.child.kill('SIGTERM');
    expect(await daemon.exitCode).toBe(0);

    // v2.0.0 installed and current (as the update service records it).
    const versionDir = join(dir, 'binaries', 'api', 'v2.0.0');
    mkdirSync(versionDir, { recursive: true });
    const executable = join(versionDir, 'api');
    copyFileSync(fixture('print-env.mjs'), executable);
    const store = new VersionStore({
      file: join(dir, 'data', 'versions.json'),
      binariesDir: join(dir, 'binaries'),
      clock: systemClock,
    });
    await store.load();
    await store.recordInstalled('api', {
      version: 'v2.0.0',
      dir: versionDir,
      executable,
      installedAt: Date.now(),
      asset: 'api_linux_amd64.tar.gz',
      sha256: '0'.repeat(64),
      verified: true,
    });
    await store.activate('api', 'v2.0.0');

    daemon = await startDaemon(dir, configPath);
    const released = await envOf(daemon);
    expect(released.GOWINPROC_VERSION).toBe('v2.0.0');
    expect(released.WHICH).toBe('configured');
    const { json } = await daemon.api<{ instances: Array<{ pid: number }> }>(
      'GET',
      '/api/v1/processes/api',
    );
    const pid = json.instances[0]!.pid;
    expect(readFileSync(`/proc/${pid}/cmdline`, 'utf8')).toContain(executable);
    expect(readFileSync(configPath, 'utf8')).toBe(config);
  });
});
