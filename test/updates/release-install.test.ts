/**
 * The install pipeline of hot deploys, end to end against the fake GitHub, before it is wired
 * into the supervisor: a release published with a tar.gz of a real executable and a SHA256SUMS
 * asset is found, its asset chosen for this machine, downloaded (resuming after a dropped
 * connection), verified, unpacked, recorded and activated, and the executable it resolves to
 * runs. A release whose checksum is wrong, or whose archive escapes its directory, installs
 * nothing.
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { execa } from 'execa';
import { describe, expect, it, onTestFinished } from 'vitest';
import {
  expectedChecksum,
  GithubClient,
  installArchive,
  resolveBinary,
  selectAsset,
  verifyChecksum,
  VersionStore,
  downloadAsset,
  type Release,
  type ReleaseAsset,
} from '../../src/services/updates/index.js';
import { DaemonError, systemClock } from '../../src/shared/index.js';
import { startFakeGithub, type FakeGithub } from '../fakes/github.js';
import { buildTarGz } from '../helpers/archives.js';
import { tempDir } from '../helpers/temp-dir.js';

const REPO = 'acme/api';
const ARCH = process.arch === 'x64' ? 'amd64' : process.arch;
const ASSET = `api_${'${tag}'}_linux_${ARCH}.tar.gz`;

/** A tiny "service" for each version: a shell script printing its version. */
async function releaseArchive(version: string): Promise<Buffer> {
  return buildTarGz([
    { name: 'api', data: `#!/bin/sh\necho "api ${version}"\n`, mode: 0o755 },
    { name: 'README.md', data: `# api ${version}\n` },
  ]);
}

const sha256 = (data: Buffer): string => createHash('sha256').update(data).digest('hex');

async function publish(
  github: FakeGithub,
  tag: string,
  archive: Buffer,
  sums: string = `${sha256(archive)}  ${ASSET.replace('${tag}', tag)}\n`,
): Promise<void> {
  github.publish(REPO, {
    tag,
    body: `Release ${tag}`,
    assets: [
      { name: ASSET.replace('${tag}', tag), data: archive },
      { name: `api_${tag}_windows_${ARCH}.zip`, data: Buffer.from('not for this machine') },
      { name: 'SHA256SUMS', data: Buffer.from(sums) },
    ],
  });
}

/** Downloads, verifies and installs one release the way the update service will. */
async function install(
  client: GithubClient,
  release: Release,
  binaries: string,
  store: VersionStore,
): Promise<string> {
  const asset = selectAsset(release.assets, { platform: 'linux', arch: process.arch });
  const download = client.assetDownload(asset);
  const file = join(binaries, `.${release.tag}.download`);
  const { sha256: actual } = await downloadAsset({ ...download, dest: file, maxResumes: 2 });
  const expected = await expectedChecksum(release, asset, async (side: ReleaseAsset) => {
    const sideFile = join(binaries, `.${side.name}`);
    await downloadAsset({ ...client.assetDownload(side), dest: sideFile });
    return (await import('node:fs/promises')).readFile(sideFile, 'utf8');
  });
  const { verified } = verifyChecksum(actual, expected, 'required', () => undefined, asset.name);
  const dir = join(binaries, 'api', release.tag);
  const { executable } = await installArchive({
    file,
    assetName: asset.name,
    destDir: dir,
    platform: 'linux',
    executableNames: ['api'],
  });
  await store.recordInstalled('api', {
    version: release.tag,
    dir,
    executable,
    installedAt: Date.now(),
    asset: asset.name,
    sha256: actual,
    verified,
  });
  await store.activate('api', release.tag);
  return executable;
}

/** A fake GitHub, an empty binaries/ and version store, and a client of the fake. */
async function setup() {
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
  const client = new GithubClient({ apiUrl: github.apiUrl, clock: systemClock });
  return { dir, github, binaries, store, client };
}

describe.runIf(process.platform === 'linux')('installing a release from the fake GitHub', () => {
  it('finds, downloads with a resume, verifies, unpacks, activates and runs it', async () => {
    const { github, binaries, store, client } = await setup();

    await publish(github, 'v1.0.0', await releaseArchive('1.0.0'));
    const v2 = await releaseArchive('2.0.0');
    await publish(github, 'v2.0.0', v2);
    github.dropOnce(ASSET.replace('${tag}', 'v2.0.0'), Math.floor(v2.length / 2));

    const latest = await client.latestRelease(REPO, {});
    expect(latest.tag).toBe('v2.0.0');
    const executable = await install(client, latest, binaries, store);
    expect((await execa(executable)).stdout).toBe('api 2.0.0');

    // The installed release wins over binary_path, and carries its version.
    const resolved = resolveBinary(
      { name: 'api', binary_path: '/usr/bin/false', repository: REPO },
      store.get('api'),
    );
    expect(resolved).toEqual({ command: executable, version: 'v2.0.0' });

    // A rollback target is the previous install once there is one.
    const v1 = await client.releaseByTag(REPO, 'v1.0.0');
    await install(client, v1, binaries, store);
    expect(store.rollbackTarget('api').version).toBe('v2.0.0');
  });

  it('installs nothing from a release with a wrong checksum or an escaping archive', async () => {
    const { dir, github, binaries, store, client } = await setup();

    const v5 = await releaseArchive('5.0.0');
    await publish(
      github,
      'v5.0.0',
      v5,
      `${'0'.repeat(64)}  ${ASSET.replace('${tag}', 'v5.0.0')}\n`,
    );
    const wrong = await install(
      client,
      await client.latestRelease(REPO, {}),
      binaries,
      store,
    ).catch((error: unknown) => error);
    expect(wrong).toBeInstanceOf(DaemonError);
    expect((wrong as DaemonError).code).toBe('checksum_mismatch');

    const v6 = await buildTarGz([
      { name: 'api', data: '#!/bin/sh\necho pwned\n', mode: 0o755 },
      { name: '../../outside', data: 'escaped' },
    ]);
    await publish(github, 'v6.0.0', v6);
    const escaping = await install(
      client,
      await client.latestRelease(REPO, {}),
      binaries,
      store,
    ).catch((error: unknown) => error);
    expect((escaping as DaemonError).code).toBe('archive_unsafe');

    expect(existsSync(join(dir, 'outside'))).toBe(false);
    // No version directory, not even a partial one (only the process's empty parent).
    const processDir = join(binaries, 'api');
    expect(existsSync(processDir) ? readdirSync(processDir) : []).toEqual([]);
    expect(store.get('api').current).toBeUndefined();
  });
});
