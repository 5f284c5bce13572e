import { existsSync, lstatSync, readdirSync, readFileSync, readlinkSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { tempDir } from '../../../../test/helpers/temp-dir.js';
import { DaemonError } from '../../../shared/index.js';
import {
  buildTarGz,
  buildZip,
  writeArchive,
  type TarEntrySpec,
} from '../../../../test/helpers/archives.js';
import { installArchive, type InstallArchiveRequest } from './extract.js';

const BINARY = '#!/bin/sh\necho hello\n';

/** A scratch layout: downloads/ holds the asset, binaries/app/<version> is the target. */
function layout(): { base: string; downloads: string; destDir: string; binaries: string } {
  const base = tempDir();
  return {
    base,
    downloads: base,
    binaries: join(base, 'binaries', 'app'),
    destDir: join(base, 'binaries', 'app', 'v1.0.0'),
  };
}

async function failure(request: InstallArchiveRequest): Promise<DaemonError> {
  try {
    await installArchive(request);
  } catch (error) {
    if (error instanceof DaemonError) return error;
    throw error;
  }
  throw new Error('expected the install to fail');
}

/** Nothing but what was there before: no version dir, no partial temp dir, nothing outside. */
function expectNothingInstalled(dirs: ReturnType<typeof layout>): void {
  expect(existsSync(dirs.destDir)).toBe(false);
  expect(existsSync(dirs.binaries) ? readdirSync(dirs.binaries) : []).toEqual([]);
  expect(readdirSync(dirs.base).sort()).toEqual(
    ['asset', 'binaries'].filter((n) => existsSync(join(dirs.base, n))),
  );
}

const mode = (path: string): number => statSync(path).mode & 0o777;

describe('installArchive with a tar.gz', () => {
  it('unpacks a goreleaser-style archive and picks the executable by its exec bit', async () => {
    const dirs = layout();
    const file = writeArchive(
      join(dirs.downloads, 'asset'),
      await buildTarGz([
        { name: 'README.md', data: '# app' },
        { name: 'LICENSE', data: 'MIT' },
        { name: 'app', data: BINARY, mode: 0o755 },
      ]),
    );
    const result = await installArchive({
      file,
      assetName: 'app_1.0.0_Linux_x86_64.tar.gz',
      destDir: dirs.destDir,
      platform: 'linux',
    });
    expect(result.executable).toBe(join(dirs.destDir, 'app'));
    expect(readFileSync(result.executable, 'utf8')).toBe(BINARY);
    expect(mode(result.executable)).toBe(0o755);
    expect(mode(join(dirs.destDir, 'README.md'))).toBe(0o644);
    expect(readdirSync(dirs.binaries)).toEqual(['v1.0.0']);
  });

  it('finds a nested single binary and makes it executable', async () => {
    const dirs = layout();
    const file = writeArchive(
      join(dirs.downloads, 'asset'),
      await buildTarGz([
        { name: 'app-1.0.0/', type: 'directory' },
        { name: 'app-1.0.0/bin/', type: 'directory' },
        { name: 'app-1.0.0/bin/app', data: BINARY, mode: 0o644 },
      ]),
    );
    const result = await installArchive({
      file,
      assetName: 'app.tgz',
      destDir: dirs.destDir,
      platform: 'linux',
    });
    expect(result.executable).toBe(join(dirs.destDir, 'app-1.0.0', 'bin', 'app'));
    expect(mode(result.executable)).toBe(0o755);
  });

  it('picks the file named like the process among several executables', async () => {
    const dirs = layout();
    const file = writeArchive(
      join(dirs.downloads, 'asset'),
      await buildTarGz([
        { name: 'bin/helper', data: 'x', mode: 0o755 },
        { name: 'bin/myservice', data: BINARY, mode: 0o755 },
      ]),
    );
    const result = await installArchive({
      file,
      assetName: 'app.tar.gz',
      destDir: dirs.destDir,
      platform: 'linux',
      executableNames: ['myservice', 'app'],
    });
    expect(result.executable).toBe(join(dirs.destDir, 'bin', 'myservice'));
  });

  it('lists the candidates when it cannot tell which file is the executable', async () => {
    const dirs = layout();
    const file = writeArchive(
      join(dirs.downloads, 'asset'),
      await buildTarGz([
        { name: 'one', data: 'x', mode: 0o755 },
        { name: 'two', data: 'y', mode: 0o755 },
        { name: 'notes.txt', data: 'z' },
      ]),
    );
    const error = await failure({
      file,
      assetName: 'app.tar.gz',
      destDir: dirs.destDir,
      platform: 'linux',
      executableNames: ['app'],
    });
    expect(error.code).toBe('asset_not_found');
    expect(error.message).toContain('one, two');
    expect(error.message).toContain('none is named app');
    expectNothingInstalled(dirs);
  });

  it('refuses a path-escaping entry (release v6) and writes nothing', async () => {
    const dirs = layout();
    const file = writeArchive(
      join(dirs.downloads, 'asset'),
      await buildTarGz([
        { name: 'app', data: BINARY, mode: 0o755 },
        { name: '../../evil.sh', data: 'rm -rf ~', mode: 0o755 },
      ]),
    );
    const error = await failure({
      file,
      assetName: 'app.tar.gz',
      destDir: dirs.destDir,
      platform: 'linux',
    });
    expect(error.code).toBe('archive_unsafe');
    expect(error.message).toContain('"../../evil.sh"');
    expect(existsSync(join(dirs.base, 'evil.sh'))).toBe(false);
    expect(existsSync(join(dirs.base, 'binaries', 'evil.sh'))).toBe(false);
    expectNothingInstalled(dirs);
  });

  it.each([['/tmp/evil'], ['C:/evil.exe'], ['..\\..\\evil.exe'], ['ok/../../evil']])(
    'refuses the entry %j',
    async (name) => {
      const dirs = layout();
      const file = writeArchive(
        join(dirs.downloads, 'asset'),
        await buildTarGz([{ name, data: 'x' }]),
      );
      const error = await failure({
        file,
        assetName: 'a.tar.gz',
        destDir: dirs.destDir,
        platform: 'linux',
      });
      expect(error.code).toBe('archive_unsafe');
      expect(error.details['entry']).toBe(name);
      expectNothingInstalled(dirs);
    },
  );

  const linkCases: Array<[string, TarEntrySpec[]]> = [
    ['a symlink out', [{ name: 'app/link', type: 'symlink', linkname: '../../outside' }]],
    ['an absolute symlink', [{ name: 'link', type: 'symlink', linkname: '/etc/passwd' }]],
    [
      'a file written through a symlink',
      [
        { name: 'dir', type: 'symlink', linkname: '.' },
        { name: 'dir/app', data: 'x' },
      ],
    ],
    [
      'a symlink chain that leaves through another link',
      [
        { name: 'd/up', type: 'symlink', linkname: '..' },
        { name: 'x', type: 'symlink', linkname: 'd/up/../..' },
      ],
    ],
    ['a hard link out', [{ name: 'passwd', type: 'link', linkname: '../../etc/passwd' }]],
    ['a hard link to a missing file', [{ name: 'alias', type: 'link', linkname: 'nothing' }]],
    ['a fifo', [{ name: 'pipe', type: 'fifo' }]],
    ['a device', [{ name: 'dev', type: 'character-device' }]],
  ];
  it.each(linkCases)('refuses %s', async (_label, entries) => {
    const dirs = layout();
    const file = writeArchive(
      join(dirs.downloads, 'asset'),
      await buildTarGz([{ name: 'app', data: BINARY, mode: 0o755 }, ...entries]),
    );
    const error = await failure({
      file,
      assetName: 'a.tar.gz',
      destDir: dirs.destDir,
      platform: 'linux',
    });
    expect(error.code).toBe('archive_unsafe');
    expectNothingInstalled(dirs);
  });

  it('recreates a symlink that stays inside', async () => {
    const dirs = layout();
    const file = writeArchive(
      join(dirs.downloads, 'asset'),
      await buildTarGz([
        { name: 'lib/v1/app', data: BINARY, mode: 0o755 },
        { name: 'lib/current', type: 'symlink', linkname: 'v1' },
      ]),
    );
    const result = await installArchive({
      file,
      assetName: 'a.tar.gz',
      destDir: dirs.destDir,
      platform: 'linux',
    });
    expect(result.executable).toBe(join(dirs.destDir, 'lib', 'v1', 'app'));
    expect(readlinkSync(join(dirs.destDir, 'lib', 'current'))).toBe('v1');
  });

  it('copies a hard link as a regular file', async () => {
    const dirs = layout();
    const file = writeArchive(
      join(dirs.downloads, 'asset'),
      await buildTarGz([
        { name: 'real', data: BINARY, mode: 0o755 },
        { name: 'alias', type: 'link', linkname: 'real' },
      ]),
    );
    const result = await installArchive({
      file,
      assetName: 'a.tar.gz',
      destDir: dirs.destDir,
      platform: 'linux',
      executableNames: ['alias'],
    });
    expect(result.executable).toBe(join(dirs.destDir, 'alias'));
    expect(lstatSync(result.executable).isFile()).toBe(true);
    expect(lstatSync(result.executable).nlink).toBe(1);
    expect(readFileSync(result.executable, 'utf8')).toBe(BINARY);
  });

  it('skips symlinks on Windows', async () => {
    const dirs = layout();
    const file = writeArchive(
      join(dirs.downloads, 'asset'),
      await buildTarGz([
        { name: 'app.exe', data: 'MZ' },
        { name: 'latest.exe', type: 'symlink', linkname: 'app.exe' },
      ]),
    );
    const result = await installArchive({
      file,
      assetName: 'a.tar.gz',
      destDir: dirs.destDir,
      platform: 'win32',
    });
    expect(result.executable).toBe(join(dirs.destDir, 'app.exe'));
    expect(readdirSync(dirs.destDir)).toEqual(['app.exe']);
  });

  it('caps the unpacked size and the entry count', async () => {
    const dirs = layout();
    const file = writeArchive(
      join(dirs.downloads, 'asset'),
      await buildTarGz([
        { name: 'app', data: Buffer.alloc(600_000), mode: 0o755 },
        { name: 'data', data: Buffer.alloc(600_000) },
      ]),
    );
    const big = await failure({
      file,
      assetName: 'a.tar.gz',
      destDir: dirs.destDir,
      platform: 'linux',
      maxBytes: 1_000_000,
    });
    expect(big.code).toBe('archive_unsafe');
    expect(big.message).toContain('more than 1000000 bytes');
    expectNothingInstalled(dirs);

    const many = await failure({
      file,
      assetName: 'a.tar.gz',
      destDir: dirs.destDir,
      platform: 'linux',
      maxEntries: 1,
    });
    expect(many.code).toBe('archive_unsafe');
    expect(many.message).toContain('more than 1 entries');
  });

  it('calls a damaged archive unsafe', async () => {
    const dirs = layout();
    const whole = await buildTarGz([{ name: 'app', data: Buffer.alloc(100_000, 7), mode: 0o755 }]);
    const file = writeArchive(join(dirs.downloads, 'asset'), whole.subarray(0, whole.length - 40));
    const error = await failure({
      file,
      assetName: 'a.tar.gz',
      destDir: dirs.destDir,
      platform: 'linux',
    });
    expect(error.code).toBe('archive_unsafe');
    expect(error.message).toContain('a.tar.gz');
    expectNothingInstalled(dirs);
  });
});

describe('installArchive with a zip', () => {
  it('installs a Windows-made zip and picks the .exe', async () => {
    const dirs = layout();
    const file = writeArchive(
      join(dirs.downloads, 'asset'),
      await buildZip(
        [
          { name: 'app_windows/README.txt', data: 'read me' },
          { name: 'app_windows/app.exe', data: 'MZ...' },
        ],
        { madeOnWindows: true },
      ),
    );
    const result = await installArchive({
      file,
      assetName: 'app_Windows_x86_64.zip',
      destDir: dirs.destDir,
      platform: 'win32',
    });
    expect(result.executable).toBe(join(dirs.destDir, 'app_windows', 'app.exe'));
    expect(readFileSync(result.executable, 'utf8')).toBe('MZ...');
  });

  it('reads Unix modes from a Unix-made zip', async () => {
    const dirs = layout();
    const file = writeArchive(
      join(dirs.downloads, 'asset'),
      await buildZip([
        { name: 'docs/', directory: true },
        { name: 'docs/manual.txt', data: 'm', mode: 0o100644 },
        { name: 'tool', data: BINARY, mode: 0o100755 },
      ]),
    );
    const result = await installArchive({
      file,
      assetName: 'tool.zip',
      destDir: dirs.destDir,
      platform: 'linux',
    });
    expect(result.executable).toBe(join(dirs.destDir, 'tool'));
    expect(mode(result.executable)).toBe(0o755);
    expect(mode(join(dirs.destDir, 'docs', 'manual.txt'))).toBe(0o644);
  });

  it.each([
    ['XX/XX/evil.sh', '../../evil.sh'],
    ['XXXbin/evil.exe', '..\\bin/evil.exe'],
  ])('refuses a path-escaping entry %j patched to %j', async (built, patched) => {
    const dirs = layout();
    const file = writeArchive(
      join(dirs.downloads, 'asset'),
      await buildZip(
        [
          { name: 'app', data: BINARY, mode: 0o100755 },
          { name: built, data: 'evil' },
        ],
        { rename: { [built]: patched } },
      ),
    );
    const error = await failure({
      file,
      assetName: 'app.zip',
      destDir: dirs.destDir,
      platform: 'linux',
    });
    expect(error.code).toBe('archive_unsafe');
    expect(error.message).toContain(`${patched.replace(/\\/g, '/')}`);
    expect(existsSync(join(dirs.base, 'evil.sh'))).toBe(false);
    expect(existsSync(join(dirs.base, 'bin'))).toBe(false);
    expectNothingInstalled(dirs);
  });

  it('refuses a symlink out of the directory', async () => {
    const dirs = layout();
    const file = writeArchive(
      join(dirs.downloads, 'asset'),
      await buildZip([
        { name: 'app', data: BINARY, mode: 0o100755 },
        { name: 'link', data: '../../../etc/passwd', mode: 0o120777 },
      ]),
    );
    const error = await failure({
      file,
      assetName: 'app.zip',
      destDir: dirs.destDir,
      platform: 'linux',
    });
    expect(error.code).toBe('archive_unsafe');
    expect(error.message).toContain('"link"');
    expectNothingInstalled(dirs);
  });

  it('recreates a symlink inside the directory', async () => {
    const dirs = layout();
    const file = writeArchive(
      join(dirs.downloads, 'asset'),
      await buildZip([
        { name: 'bin/app', data: BINARY, mode: 0o100755 },
        { name: 'app', data: 'bin/app', mode: 0o120777 },
      ]),
    );
    const result = await installArchive({
      file,
      assetName: 'app.zip',
      destDir: dirs.destDir,
      platform: 'linux',
    });
    expect(result.executable).toBe(join(dirs.destDir, 'bin', 'app'));
    expect(readlinkSync(join(dirs.destDir, 'app'))).toBe('bin/app');
  });
});

describe('installArchive with a bare executable', () => {
  it('copies it under its asset name with the exec bit', async () => {
    const dirs = layout();
    const file = writeArchive(join(dirs.downloads, 'asset'), Buffer.from(BINARY));
    const result = await installArchive({
      file,
      assetName: 'app-linux-amd64',
      destDir: dirs.destDir,
      platform: 'linux',
    });
    expect(result.executable).toBe(join(dirs.destDir, 'app-linux-amd64'));
    expect(mode(result.executable)).toBe(0o755);
    expect(readFileSync(result.executable, 'utf8')).toBe(BINARY);
    expect(existsSync(file)).toBe(true);
  });

  it('refuses to install over an existing version directory', async () => {
    const dirs = layout();
    const file = writeArchive(join(dirs.downloads, 'asset'), Buffer.from(BINARY));
    await installArchive({ file, assetName: 'app.exe', destDir: dirs.destDir, platform: 'win32' });
    const error = await failure({
      file,
      assetName: 'app.exe',
      destDir: dirs.destDir,
      platform: 'win32',
    });
    expect(error.code).toBe('invalid_argument');
    expect(error.message).toContain('already installed');
    expect(readdirSync(dirs.binaries)).toEqual(['v1.0.0']);
  });
});
