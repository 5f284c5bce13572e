/**
 * The update orchestrator against the fake GitHub, with real downloads, checksums and archives,
 * and a fake DeployPort that records each deploy (the strategy, the version current at that
 * moment, and the output of the executable it would start) and can fail on given versions.
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { execa } from 'execa';
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
  dirName,
  type DeployPhaseName,
  type DeployPort,
  type UpdateStatus,
  type UpdateStrategy,
} from './index.js';

const REPO = 'acme/api';
const ARCH = process.arch === 'x64' ? 'amd64' : process.arch;
const assetName = (tag: string) => `api_${tag}_linux_${ARCH}.tar.gz`;
const sha256 = (data: Buffer): string => createHash('sha256').update(data).digest('hex');

async function releaseArchive(output: string): Promise<Buffer> {
  return buildTarGz([
    { name: 'api', data: `#!/bin/sh\necho "${output}"\n`, mode: 0o755 },
    { name: 'README.md', data: `# ${output}\n` },
  ]);
}

async function publish(
  github: FakeGithub,
  tag: string,
  options: { archive?: Buffer; sums?: string } = {},
): Promise<void> {
  const archive = options.archive ?? (await releaseArchive(`api ${tag}`));
  github.publish(REPO, {
    tag,
    body: `Release ${tag}`,
    assets: [
      { name: assetName(tag), data: archive },
      { name: `api_${tag}_windows_${ARCH}.zip`, data: Buffer.from('not for this machine') },
      {
        name: 'SHA256SUMS',
        data: Buffer.from(options.sums ?? `${sha256(archive)}  ${assetName(tag)}\n`),
      },
    ],
  });
}

interface DeployCall {
  strategy: UpdateStrategy;
  /** The version current in the store when deploy was called. */
  current: string | undefined;
  /** What the executable new instances would start printed. */
  ran: string | undefined;
}

/** Records deploys; fails on versions in `failOn`; waits on `hold` when set. */
class FakeDeploy implements DeployPort {
  calls: DeployCall[] = [];
  failOn = new Set<string>();
  hold: Promise<void> | undefined;

  constructor(
    private readonly store: VersionStore,
    private readonly processConfig: ProcessConfig,
  ) {}

  config(process: string): ProcessConfig {
    if (process !== this.processConfig.name)
      throw new DaemonError('process_not_found', `no process ${process}`);
    return this.processConfig;
  }

  async deploy(
    process: string,
    strategy: UpdateStrategy,
    onPhase: (phase: DeployPhaseName, message: string) => void,
  ): Promise<void> {
    const current = this.store.get(process).current;
    const ran = current ? (await execa(current.executable)).stdout : undefined;
    this.calls.push({ strategy, current: current?.version, ran });
    onPhase('starting', 'starting a new instance');
    if (this.hold) await this.hold;
    onPhase('health_check', 'waiting for health');
    if (current && this.failOn.has(current.version)) {
      throw new DaemonError('not_ready', `instance of ${current.version} never became healthy`);
    }
    onPhase('draining', 'draining an old instance');
    onPhase('stopping', 'stopping an old instance');
  }
}

async function setup(
  options: { checksum?: 'required' | 'optional'; keep?: number; token?: string } = {},
) {
  const dir = tempDir();
  const github = await startFakeGithub();
  onTestFinished(() => github.close());
  const binaries = join(dir, 'binaries');
  mkdirSync(binaries);
  const store = new VersionStore({
    file: join(dir, 'data', 'versions.json'),
    binariesDir: binaries,
    clock: systemClock,
  });
  await store.load();
  const config = configFromYaml(
    dir,
    `processes:\n  - name: api\n    repository: ${REPO}\n    github:\n      checksum: ${options.checksum ?? 'required'}\n`,
  ).processes[0] as ProcessConfig;
  const deploy = new FakeDeploy(store, config);
  const statuses: UpdateStatus[] = [];
  const warnings: string[] = [];
  const service = new UpdateService({
    github: new GithubClient({ apiUrl: github.apiUrl, clock: systemClock, token: options.token }),
    store,
    deploy,
    binariesDir: binaries,
    clock: systemClock,
    platform: 'linux',
    arch: process.arch,
    ...(options.keep === undefined ? {} : { keepInstalls: options.keep }),
    onStatus: (status) => statuses.push(status),
    warn: (message) => warnings.push(message),
  });
  return { dir, github, binaries, store, deploy, service, statuses, warnings };
}

type Setup = Awaited<ReturnType<typeof setup>>;

async function updateAndWait(
  env: Setup,
  options: Parameters<UpdateService['update']>[1] = {},
): Promise<UpdateStatus> {
  const started = await env.service.update('api', options);
  return env.service.waitFor(started.id);
}

const phasesOf = (statuses: UpdateStatus[], id: string): string[] =>
  statuses
    .filter((s) => s.id === id)
    .map((s) => s.phase)
    .filter((p, i, all) => p !== all[i - 1]);

describe.runIf(process.platform === 'linux')('UpdateService', () => {
  it('updates v1 → v2 through every phase, and the deploy runs the new binary', async () => {
    const env = await setup();
    await publish(env.github, 'v1');
    const first = await updateAndWait(env);
    expect(first).toMatchObject({ phase: 'completed', to: 'v1', progress: 100 });
    expect(first.from).toBeUndefined();

    await publish(env.github, 'v2');
    const started = await env.service.update('api', { strategy: 'blue-green' });
    expect(started).toMatchObject({ phase: 'pending', from: 'v1', to: 'v2', progress: 0 });
    expect(env.service.current('api')?.id).toBe(started.id);
    const done = await env.service.waitFor(started.id);

    expect(done).toMatchObject({ phase: 'completed', from: 'v1', to: 'v2', progress: 100 });
    expect(done.endedAt).toBeGreaterThanOrEqual(done.startedAt);
    expect(phasesOf(env.statuses, started.id)).toEqual([
      'pending',
      'downloading',
      'verifying',
      'extracting',
      'starting',
      'health_check',
      'draining',
      'stopping',
      'completed',
    ]);
    const progress = env.statuses.filter((s) => s.id === started.id).map((s) => s.progress);
    expect(progress).toEqual([...progress].sort((a, b) => a - b));
    expect(env.deploy.calls.at(-1)).toEqual({
      strategy: 'blue-green',
      current: 'v2',
      ran: 'api v2',
    });
    const versions = env.store.get('api');
    expect(versions.current?.version).toBe('v2');
    expect(versions.previous?.version).toBe('v1');
    expect(versions.current).toMatchObject({ verified: true, asset: assetName('v2') });
    expect(versions.current?.dir).toBe(join(env.binaries, 'api', 'v2'));
    expect(env.service.current('api')).toBeUndefined();
    expect(env.service.status(started.id)).toEqual(done);
    // No download left behind.
    expect(readdirSync(join(env.binaries, '.downloads'))).toEqual([]);
  });

  it('is a no-op when the latest release is already current, unless forced', async () => {
    const env = await setup();
    await publish(env.github, 'v1');
    await updateAndWait(env);
    const again = await updateAndWait(env);
    expect(again).toMatchObject({ phase: 'completed', message: 'already at v1' });
    expect(env.deploy.calls).toHaveLength(1);

    const firstDir = env.store.get('api').current?.dir as string;
    const forced = await updateAndWait(env, { force: true });
    expect(forced.phase).toBe('completed');
    expect(phasesOf(env.statuses, forced.id)).toContain('downloading');
    expect(env.deploy.calls).toHaveLength(2);
    const current = env.store.get('api').current;
    expect(current?.version).toBe('v1');
    expect(current?.dir).toBe(join(env.binaries, 'api', 'v1+1'));
    expect(existsSync(firstDir)).toBe(false);
    expect(env.deploy.calls[1]?.ran).toBe('api v1');
  });

  it('installs a given tag, not the latest', async () => {
    const env = await setup();
    await publish(env.github, 'v1');
    await publish(env.github, 'v2');
    const done = await updateAndWait(env, { version: 'v1' });
    expect(done).toMatchObject({ phase: 'completed', to: 'v1' });
    expect(env.store.get('api').current?.version).toBe('v1');
    expect(env.deploy.calls[0]?.ran).toBe('api v1');
  });

  it('fails on a wrong checksum (v5) and leaves the current version alone', async () => {
    const env = await setup();
    await publish(env.github, 'v2');
    await updateAndWait(env);
    await publish(env.github, 'v5', { sums: `${'0'.repeat(64)}  ${assetName('v5')}\n` });
    const done = await updateAndWait(env);
    expect(done.phase).toBe('failed');
    expect(done.error?.code).toBe('checksum_mismatch');
    expect(env.store.get('api').current?.version).toBe('v2');
    expect(env.store.get('api').history.map((r) => r.version)).toEqual(['v2']);
    expect(env.deploy.calls).toHaveLength(1);
    expect(readdirSync(join(env.binaries, 'api'))).toEqual(['v2']);
    expect(readdirSync(join(env.binaries, '.downloads'))).toEqual([]);
  });

  it('fails on a path-escaping archive (v6) and writes nothing outside', async () => {
    const env = await setup();
    await publish(env.github, 'v2');
    await updateAndWait(env);
    const archive = await buildTarGz([
      { name: 'api', data: '#!/bin/sh\necho pwned\n', mode: 0o755 },
      { name: '../../outside', data: 'escaped' },
    ]);
    await publish(env.github, 'v6', { archive });
    const done = await updateAndWait(env);
    expect(done).toMatchObject({ phase: 'failed', to: 'v6' });
    expect(done.error?.code).toBe('archive_unsafe');
    expect(existsSync(join(env.dir, 'outside'))).toBe(false);
    expect(existsSync(join(env.binaries, 'outside'))).toBe(false);
    expect(readdirSync(join(env.binaries, 'api'))).toEqual(['v2']);
    expect(env.store.get('api').current?.version).toBe('v2');
  });

  it('restores v2 when v3 fails health: rolled_back, deployed twice', async () => {
    const env = await setup();
    await publish(env.github, 'v2');
    await updateAndWait(env);
    await publish(env.github, 'v3');
    env.deploy.failOn.add('v3');
    const done = await updateAndWait(env, { strategy: 'immediate' });

    expect(done.phase).toBe('rolled_back');
    expect(done.error?.code).toBe('not_ready');
    expect(done.message).toContain('never became healthy');
    expect(env.deploy.calls.slice(1)).toEqual([
      { strategy: 'immediate', current: 'v3', ran: 'api v3' },
      { strategy: 'immediate', current: 'v2', ran: 'api v2' },
    ]);
    const versions = env.store.get('api');
    expect(versions.current?.version).toBe('v2');
    expect(versions.previous).toBeUndefined();
  });

  it('says failed with both reasons when restoring fails too', async () => {
    const env = await setup();
    await publish(env.github, 'v2');
    await updateAndWait(env);
    await publish(env.github, 'v3');
    env.deploy.failOn.add('v3');
    env.deploy.failOn.add('v2');
    const done = await updateAndWait(env);
    expect(done.phase).toBe('failed');
    expect(done.error?.code).toBe('not_ready');
    expect(done.message).toMatch(/v3 never became healthy.*restoring v2 failed too.*v2 never/);
    expect(env.store.get('api').current?.version).toBe('v2');
  });

  it('runs one update per process at a time', async () => {
    const env = await setup();
    await publish(env.github, 'v1');
    let release!: () => void;
    env.deploy.hold = new Promise((resolve) => (release = resolve));
    const first = await env.service.update('api');
    const second = await env.service.update('api').catch((error: unknown) => error);
    expect((second as DaemonError).code).toBe('update_in_progress');
    const rollback = await env.service.rollback('api').catch((error: unknown) => error);
    expect((rollback as DaemonError).code).toBe('update_in_progress');
    await waitFor(() => env.deploy.calls.length === 1 || 'deploy not called yet');
    release();
    expect((await env.service.waitFor(first.id)).phase).toBe('completed');
    // Free again once it ended.
    expect((await updateAndWait(env)).message).toBe('already at v1');
  });

  it('gives a late watcher the current state first, then every change', async () => {
    const env = await setup();
    await publish(env.github, 'v1');
    let release!: () => void;
    env.deploy.hold = new Promise((resolve) => (release = resolve));
    const started = await env.service.update('api');
    await waitFor(() => env.service.status(started.id).phase === 'starting' || 'not starting yet');

    const seen: UpdateStatus[] = [];
    const stop = env.service.watch(started.id, (status) => seen.push(status));
    expect(seen.map((s) => s.phase)).toEqual(['starting']);
    release();
    await env.service.waitFor(started.id);
    expect(seen.map((s) => s.phase)).toEqual([
      'starting',
      'health_check',
      'draining',
      'stopping',
      'completed',
    ]);
    stop();

    const late: UpdateStatus[] = [];
    env.service.watch(started.id, (status) => late.push(status));
    expect(late.map((s) => s.phase)).toEqual(['completed']);
  });

  it('rolls back to the previous version and to a given one, running its binary', async () => {
    const env = await setup();
    for (const tag of ['v1', 'v2', 'v3']) {
      await publish(env.github, tag);
      await updateAndWait(env);
    }
    const back = await env.service.rollback('api', { strategy: 'blue-green' });
    expect(back).toMatchObject({ kind: 'rollback', phase: 'pending', from: 'v3', to: 'v2' });
    expect((await env.service.waitFor(back.id)).phase).toBe('completed');
    expect(env.deploy.calls.at(-1)).toEqual({
      strategy: 'blue-green',
      current: 'v2',
      ran: 'api v2',
    });
    expect(env.store.get('api').previous?.version).toBe('v3');

    const toV1 = await env.service.rollback('api', { version: 'v1' });
    expect((await env.service.waitFor(toV1.id)).phase).toBe('completed');
    expect(env.deploy.calls.at(-1)?.ran).toBe('api v1');
    expect(env.store.get('api').current?.version).toBe('v1');

    const missing = await env.service
      .rollback('api', { version: 'v9' })
      .catch((error: unknown) => error);
    expect((missing as DaemonError).code).toBe('invalid_argument');
  });

  it('rolls a failed rollback back to where it was', async () => {
    const env = await setup();
    for (const tag of ['v1', 'v2']) {
      await publish(env.github, tag);
      await updateAndWait(env);
    }
    env.deploy.failOn.add('v1');
    const back = await env.service.rollback('api');
    const done = await env.service.waitFor(back.id);
    expect(done.phase).toBe('rolled_back');
    expect(env.store.get('api').current?.version).toBe('v2');
    expect(env.deploy.calls.at(-1)?.ran).toBe('api v2');
  });

  it('brings the old install back when a forced reinstall fails to deploy', async () => {
    const env = await setup();
    await publish(env.github, 'v1');
    await updateAndWait(env);
    const oldDir = env.store.get('api').current?.dir as string;
    env.deploy.failOn.add('v1');
    let deploys = 0;
    const original = env.deploy.deploy.bind(env.deploy);
    // Only the forced deploy fails; the restoring one succeeds.
    env.deploy.deploy = async (process, strategy, onPhase) => {
      deploys++;
      if (deploys === 2) env.deploy.failOn.delete('v1');
      return original(process, strategy, onPhase);
    };
    const done = await updateAndWait(env, { force: true });
    expect(done.phase).toBe('rolled_back');
    expect(env.store.get('api').current?.dir).toBe(oldDir);
    expect(readdirSync(join(env.binaries, 'api'))).toEqual(['v1']);
    expect(env.deploy.calls.map((c) => c.ran)).toEqual(['api v1', 'api v1', 'api v1']);
  });

  it('updates from a private repository without the token reaching any status or warning', async () => {
    const token = 'ghp_secretTOKEN1234567890';
    const env = await setup({ token });
    env.github.setPrivate(REPO, token);
    await publish(env.github, 'v1');
    const done = await updateAndWait(env);
    expect(done.phase).toBe('completed');
    env.github.failNext(500, 1);
    await publish(env.github, 'v2');
    await expect(env.service.update('api')).rejects.toMatchObject({ code: 'github_unavailable' });
    const said = JSON.stringify(env.statuses) + env.warnings.join('\n');
    expect(said).not.toContain(token);
  });

  it('refuses with github_rate_limited while GitHub is rate limited, and starts nothing', async () => {
    const env = await setup();
    const reset = Math.floor(Date.now() / 1000) + 3600;
    env.github.rateLimit({ kind: 'primary', resetEpochSeconds: reset });
    await expect(env.service.update('api')).rejects.toMatchObject({
      code: 'github_rate_limited',
    });
    expect(env.service.current('api')).toBeUndefined();
    expect(env.statuses).toEqual([]);
    expect(env.deploy.calls).toHaveLength(0);
    expect(env.store.get('api').current).toBeUndefined();
  });

  it('refuses a process without a repository, an unknown process and an unknown id', async () => {
    const env = await setup();
    const noRepo = new UpdateService({
      github: new GithubClient({ apiUrl: env.github.apiUrl, clock: systemClock }),
      store: env.store,
      deploy: {
        config: () => ({ ...env.deploy.config('api'), repository: undefined }),
        deploy: () => Promise.resolve(),
      },
      binariesDir: env.binaries,
      clock: systemClock,
      platform: 'linux',
      arch: process.arch,
    });
    const codeOf = (promise: Promise<unknown>) =>
      promise.then(
        () => 'resolved',
        (error: unknown) => (error as DaemonError).code,
      );
    expect(await codeOf(noRepo.update('api'))).toBe('invalid_argument');
    expect(await codeOf(env.service.update('nope'))).toBe('process_not_found');
    expect(await codeOf(env.service.update('api', { strategy: 'canary' as UpdateStrategy }))).toBe(
      'invalid_argument',
    );
    expect(() => env.service.status('no-such-id')).toThrow(
      expect.objectContaining({ code: 'not_found' }),
    );
    expect(env.service.current('api')).toBeUndefined();
  });

  it('prunes installs beyond keepInstalls after a completed update', async () => {
    const env = await setup({ keep: 2 });
    for (const tag of ['v1', 'v2', 'v3', 'v4']) {
      await publish(env.github, tag);
      expect((await updateAndWait(env)).phase).toBe('completed');
    }
    expect(readdirSync(join(env.binaries, 'api')).sort()).toEqual(['v3', 'v4']);
  });

  it('installs a release without checksum under optional with a warning, unverified', async () => {
    const env = await setup({ checksum: 'optional' });
    env.github.publish(REPO, {
      tag: 'v1',
      assets: [{ name: assetName('v1'), data: await releaseArchive('api v1') }],
    });
    const done = await updateAndWait(env);
    expect(done.phase).toBe('completed');
    expect(env.store.get('api').current?.verified).toBe(false);
    expect(env.warnings.join('\n')).toContain('unverified');
  });
});

describe('dirName', () => {
  it('keeps safe tags and replaces what could walk the path', () => {
    expect(dirName('v1.2.3')).toBe('v1.2.3');
    expect(dirName('release/1.0')).toBe('release_1.0');
    expect(dirName('..')).toBe('_..');
    expect(dirName('.hidden')).toBe('_.hidden');
    expect(dirName('a\\b')).toBe('a_b');
  });
});
