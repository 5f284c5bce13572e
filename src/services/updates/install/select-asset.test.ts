import { describe, expect, it } from 'vitest';
import { DaemonError } from '../../../shared/index.js';
import type { ReleaseAsset } from '../types.js';
import { selectAsset } from './select-asset.js';

function assets(names: string[]): ReleaseAsset[] {
  return names.map((name, index) => ({
    id: index + 1,
    name,
    size: 1000,
    contentType: 'application/octet-stream',
    browserDownloadUrl: `https://github.com/o/r/releases/download/v1/${name}`,
    apiUrl: `https://api.github.com/repos/o/r/releases/assets/${index + 1}`,
  }));
}

function errorOf(fn: () => unknown): DaemonError {
  try {
    fn();
  } catch (error) {
    if (error instanceof DaemonError) return error;
    throw error;
  }
  throw new Error('expected a DaemonError');
}

// goreleaser's default archive names (name_version_Os_Arch, title-cased OS since v1.x).
const GORELEASER = [
  'app_1.2.3_checksums.txt',
  'app_1.2.3_checksums.txt.sig',
  'app_Darwin_all.tar.gz',
  'app_Darwin_arm64.tar.gz',
  'app_Darwin_x86_64.tar.gz',
  'app_Linux_arm64.tar.gz',
  'app_Linux_armv7.tar.gz',
  'app_Linux_i386.tar.gz',
  'app_Linux_x86_64.tar.gz',
  'app_Windows_arm64.zip',
  'app_Windows_i386.zip',
  'app_Windows_x86_64.zip',
  'app_1.2.3_linux_amd64.deb',
  'app_1.2.3_linux_amd64.rpm',
  'app_1.2.3_linux_amd64.sbom.json',
];

// Go projects that upload bare binaries (e.g. `go build` per GOOS/GOARCH).
const BARE = [
  'app-windows-x64.exe',
  'app-windows-arm64.exe',
  'app-linux-amd64',
  'app-linux-arm64',
  'app-darwin-arm64',
  'app-darwin-amd64',
  'SHA256SUMS',
  'SHA256SUMS.asc',
];

// cargo-dist / Rust target triples.
const RUST = [
  'tool-x86_64-pc-windows-msvc.zip',
  'tool-x86_64-pc-windows-msvc.zip.sha256',
  'tool-x86_64-unknown-linux-gnu.tar.gz',
  'tool-x86_64-unknown-linux-gnu.tar.gz.sha256',
  'tool-aarch64-unknown-linux-gnu.tar.gz',
  'tool-aarch64-apple-darwin.tar.gz',
  'tool-x86_64-apple-darwin.tar.gz',
  'tool-installer.sh',
  'tool-installer.ps1',
  'dist-manifest.json',
];

describe('selectAsset without a glob', () => {
  const cases: Array<[string, string[], NodeJS.Platform, string, string]> = [
    ['goreleaser linux x64', GORELEASER, 'linux', 'x64', 'app_Linux_x86_64.tar.gz'],
    ['goreleaser linux arm64', GORELEASER, 'linux', 'arm64', 'app_Linux_arm64.tar.gz'],
    ['goreleaser linux arm', GORELEASER, 'linux', 'arm', 'app_Linux_armv7.tar.gz'],
    ['goreleaser linux ia32', GORELEASER, 'linux', 'ia32', 'app_Linux_i386.tar.gz'],
    ['goreleaser windows x64', GORELEASER, 'win32', 'x64', 'app_Windows_x86_64.zip'],
    ['goreleaser windows ia32', GORELEASER, 'win32', 'ia32', 'app_Windows_i386.zip'],
    ['goreleaser darwin arm64', GORELEASER, 'darwin', 'arm64', 'app_Darwin_arm64.tar.gz'],
    ['bare windows x64', BARE, 'win32', 'x64', 'app-windows-x64.exe'],
    ['bare windows arm64', BARE, 'win32', 'arm64', 'app-windows-arm64.exe'],
    ['bare linux x64', BARE, 'linux', 'x64', 'app-linux-amd64'],
    ['bare darwin arm64', BARE, 'darwin', 'arm64', 'app-darwin-arm64'],
    ['rust windows x64', RUST, 'win32', 'x64', 'tool-x86_64-pc-windows-msvc.zip'],
    ['rust linux x64', RUST, 'linux', 'x64', 'tool-x86_64-unknown-linux-gnu.tar.gz'],
    ['rust linux arm64', RUST, 'linux', 'arm64', 'tool-aarch64-unknown-linux-gnu.tar.gz'],
    ['rust darwin arm64', RUST, 'darwin', 'arm64', 'tool-aarch64-apple-darwin.tar.gz'],
    [
      'macOS universal when no arm64 build exists',
      ['app_Darwin_all.tar.gz', 'app_Linux_x86_64.tar.gz'],
      'darwin',
      'arm64',
      'app_Darwin_all.tar.gz',
    ],
    [
      'win64 names a Windows x64 build',
      ['app-win64.zip', 'app-linux.tar.gz'],
      'win32',
      'x64',
      'app-win64.zip',
    ],
    ['a single OS-less archive', ['app.tar.gz', 'checksums.txt'], 'linux', 'x64', 'app.tar.gz'],
    [
      'tar.gz preferred over zip on Linux',
      ['app-linux-amd64.zip', 'app-linux-amd64.tar.gz'],
      'linux',
      'x64',
      'app-linux-amd64.tar.gz',
    ],
    [
      'zip preferred over tar.gz on Windows',
      ['app-windows-amd64.tar.gz', 'app-windows-amd64.zip'],
      'win32',
      'x64',
      'app-windows-amd64.zip',
    ],
    [
      'macos and osx spellings',
      ['app-macos-arm64.zip', 'app-linux-arm64.zip'],
      'darwin',
      'arm64',
      'app-macos-arm64.zip',
    ],
  ];

  it.each(cases)('%s', (_label, names, platform, arch, expected) => {
    expect(selectAsset(assets(names), { platform, arch }).name).toBe(expected);
  });

  it('never picks checksum or signature files', () => {
    const error = errorOf(() =>
      selectAsset(
        assets(['SHA256SUMS', 'checksums.txt', 'app.tar.gz.sha256', 'app.sig', 'key.pem']),
        {
          platform: 'linux',
          arch: 'x64',
        },
      ),
    );
    expect(error.code).toBe('asset_not_found');
    expect(error.message).toContain('SHA256SUMS');
  });

  it('refuses a bare file without .exe on Windows and a .exe elsewhere', () => {
    expect(
      errorOf(() => selectAsset(assets(['app-amd64']), { platform: 'win32', arch: 'x64' })).code,
    ).toBe('asset_not_found');
    expect(
      errorOf(() => selectAsset(assets(['app-amd64.exe']), { platform: 'linux', arch: 'x64' }))
        .code,
    ).toBe('asset_not_found');
  });

  it('says which assets exist when none fits this machine', () => {
    const error = errorOf(() =>
      selectAsset(assets(['app_Linux_x86_64.tar.gz', 'app_Windows_x86_64.zip']), {
        platform: 'darwin',
        arch: 'arm64',
      }),
    );
    expect(error.code).toBe('asset_not_found');
    expect(error.message).toContain('darwin/arm64');
    expect(error.message).toContain('app_Linux_x86_64.tar.gz, app_Windows_x86_64.zip');
  });

  it('lists the candidates when several fit equally well', () => {
    const error = errorOf(() =>
      selectAsset(
        assets(['app-linux-amd64.tar.gz', 'app-linux-musl-amd64.tar.gz', 'app-darwin.tar.gz']),
        {
          platform: 'linux',
          arch: 'x64',
        },
      ),
    );
    expect(error.code).toBe('asset_ambiguous');
    expect(error.details['candidates']).toEqual([
      'app-linux-amd64.tar.gz',
      'app-linux-musl-amd64.tar.gz',
    ]);
    expect(error.message).toContain('app-linux-amd64.tar.gz, app-linux-musl-amd64.tar.gz');
  });

  it('treats two OS-less archives as ambiguous', () => {
    const error = errorOf(() =>
      selectAsset(assets(['app.tar.gz', 'other.tar.gz']), { platform: 'linux', arch: 'x64' }),
    );
    expect(error.code).toBe('asset_ambiguous');
  });
});

describe('selectAsset with a glob', () => {
  it('matches case-insensitively and exactly one asset', () => {
    const picked = selectAsset(assets(GORELEASER), {
      glob: 'app_linux_x86_64.*',
      platform: 'win32',
      arch: 'arm64',
    });
    expect(picked.name).toBe('app_Linux_x86_64.tar.gz');
  });

  it('may pick what the scoring would refuse, because the operator chose it', () => {
    const picked = selectAsset(assets(GORELEASER), {
      glob: '*.deb',
      platform: 'linux',
      arch: 'x64',
    });
    expect(picked.name).toBe('app_1.2.3_linux_amd64.deb');
  });

  it('fails listing every asset when nothing matches', () => {
    const error = errorOf(() =>
      selectAsset(assets(['a.zip', 'b.zip']), { glob: '*.tar.gz', platform: 'linux', arch: 'x64' }),
    );
    expect(error.code).toBe('asset_not_found');
    expect(error.message).toContain('a.zip, b.zip');
    expect(error.message).toContain('*.tar.gz');
  });

  it('fails listing the candidates when several match', () => {
    const error = errorOf(() =>
      selectAsset(assets(GORELEASER), {
        glob: 'app_Linux_*.tar.gz',
        platform: 'linux',
        arch: 'x64',
      }),
    );
    expect(error.code).toBe('asset_ambiguous');
    expect(error.details['candidates']).toEqual([
      'app_Linux_arm64.tar.gz',
      'app_Linux_armv7.tar.gz',
      'app_Linux_i386.tar.gz',
      'app_Linux_x86_64.tar.gz',
    ]);
  });
});
