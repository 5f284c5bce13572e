/**
 * Daemon shutdown while an update runs: closing the update service refuses new updates, stops
 * one that has not changed the current version yet, and waits for one that has until it has put
 * the previous version back (its deploy fails as the supervisor shuts down) — so the daemon never
 * exits with a version current that was never proven ready.
 */
import { createHash } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it, onTestFinished } from 'vitest';
import type { ProcessConfig } from '../../../config/index.js';
import { DaemonError, systemClock } from '../../../shared/index.js';
import { startFakeGithub, type FakeGithub } from '../../../../test/fakes/github.js';
import { buildTarGz } from '../../../../test/helpers/archives.js';
import { configFromYaml } from '../../../../test/helpers/config.js';
import { tempDir } from '../../../../test/helpers/temp-dir.js';
import { waitFor } from '../../../../test/helpers/wait-for.js';
import { GithubClient } from '../github/index.js';
import { VersionStore } from '../versions/index.js';
import {
  UpdateService,
  type DeployPhaseName,
  type DeployPort,
  type UpdateStatus,
} from './index.js';

const REPO = 'acme/api';
const ARCH = process.arch === 'x64' ? 'amd64' : process.arch;
const assetName = (tag: string) => `api_${tag}_linux_${ARCH}.tar.gz`;

async function publish(github: FakeGithub, tag: string): Promise<void> {
  const archive = await buildTarGz([
    { name: 'api', data: `#!/bin/sh\necho "api ${tag}"\n`, mode: 0o755 },
  ]);
  const sum = createHash('sha256').update(archive).digest('hex');
  github.publish(REPO, {
    tag,
    assets: [
      { name: assetName(tag), data: archive },
      { name: 'SHA256SUMS', data: Buffer.from(`${sum}  ${assetName(tag)}\n`) },
    ],
  });
}

/** A deploy that, once `holding`, waits until the test lets it go on or fail (a shutdown). */
class HeldDeploy implements DeployPort {
  holding = false;
  /** Deploys waiting: call with an error to fail them (the supervisor shutting down). */
  readonly waiting: Array<(error?: Error) => void> = [];

  constructor(private readonly processConfig: ProcessConfig) {}

  config(): ProcessConfig {
    return this.processConfig;
  }

  async deploy(
    _process: string,
    _strategy: unknown,
    onPhase: (phase: DeployPhaseName, message: string) => void,
  ): Promise<void> {
    onPhase('starting', 'starting a new instance');
    if (!this.holding) return;
    onPhase('health_check', 'waiting for health');
    await new Promise<void>((resolve, reject) =>
      this.waiting.push((error) => (error ? reject(error) : resolve())),
    );
  }
}

async function setup() {
  const dir = tempDir();
  const github = await startFakeGithub();
  onTestFinished(() => github.close());
  const binaries = join(dir, 'binaries');
  mkdirSync(binaries);
  const file = join(dir, 'data', 'versions.json');
  const store = new VersionStore({ file, binariesDir: binaries, clock: systemClock });
  await store.load();
  const config = configFromYaml(
    dir,
    `processes:\n  - name: api\n    repository: ${REPO}\n    github:\n      checksum: required\n`,
  ).processes[0] as ProcessConfig;
  const deploy = new HeldDeploy(config);
  const service = new UpdateService({
    github: new GithubClient({ apiUrl: github.apiUrl, clock: systemClock }),
    store,
    deploy,
    binariesDir: binaries,
    clock: systemClock,
    platform: 'linux',
    arch: process.arch,
  });
  await publish(github, 'v1');
  const first = await service.update('api');
  expect((await service.waitFor(first.id)).phase).toBe('completed');
  await publish(github, 'v2');
  /** What a daemon started after the shutdown would read. */
  const currentOnDisk = async (): Promise<string | undefined> => {
    const reread = new VersionStore({ file, binariesDir: binaries, clock: systemClock });
    await reread.load();
    return reread.get('api').current?.version;
  };
  return { service, deploy, store, currentOnDisk };
}

describe.runIf(process.platform === 'linux')('update service close (daemon shutdown)', () => {
  it('waits for an update caught mid-deploy until the previous version is current again', async () => {
    const env = await setup();
    env.deploy.holding = true;
    const started = await env.service.update('api');
    await waitFor(() => env.deploy.waiting.length === 1 || 'the deploy has not started');
    expect(await env.currentOnDisk()).toBe('v2');

    let closed = false;
    const closing = env.service.close().then(() => (closed = true));
    // The supervisor shuts down: the deploy's new instance stops before it is ready, and the
    // restoring deploy fails too (nothing spawns any more).
    env.deploy.holding = false;
    env.deploy.waiting.shift()!(new DaemonError('not_ready', 'instance stopped: shutting down'));
    await closing;

    expect(closed).toBe(true);
    const done: UpdateStatus = env.service.status(started.id);
    expect(['rolled_back', 'failed']).toContain(done.phase);
    expect(env.store.get('api').current?.version).toBe('v1');
    expect(await env.currentOnDisk()).toBe('v1');
  });

  it('stops an update that has not changed the current version yet, and refuses new ones', async () => {
    const env = await setup();
    const started = await env.service.update('api');
    await env.service.close();

    const done = await env.service.waitFor(started.id);
    expect(done.phase).toBe('failed');
    expect(done.error?.code).toBe('shutting_down');
    expect(env.deploy.waiting).toEqual([]);
    expect(await env.currentOnDisk()).toBe('v1');
    await expect(env.service.update('api', { version: 'v2' })).rejects.toMatchObject({
      code: 'shutting_down',
    });
    await expect(env.service.rollback('api')).rejects.toMatchObject({ code: 'shutting_down' });
  });
});
