/**
 * Which asset of a release to install on this machine. With a configured glob the glob decides
 * alone; without one, names are read for their OS and CPU words (goreleaser, cargo-dist, Rust
 * target triples, hand-made names) and the best-scoring installable asset wins. A tie is an error
 * that lists the candidates, never a guess.
 */
import picomatch from 'picomatch';
import { DaemonError, type Platform } from '../../../shared/index.js';
import type { ReleaseAsset } from '../types.js';

export interface AssetSelection {
  /** `processes[].github.asset`: a picomatch glob matched case-insensitively on the asset name. */
  glob?: string | undefined;
  platform: NodeJS.Platform | Platform;
  /** `process.arch` values: x64, arm64, ia32, arm, ... */
  arch: string;
}

type OsName = 'windows' | 'linux' | 'darwin' | 'other';
export type AssetFormat = 'zip' | 'tar.gz' | 'exe' | 'bare';

const OS_WORDS: Record<string, OsName> = {
  windows: 'windows',
  win: 'windows',
  win64: 'windows',
  win32: 'windows',
  linux: 'linux',
  darwin: 'darwin',
  macos: 'darwin',
  macosx: 'darwin',
  mac: 'darwin',
  osx: 'darwin',
  apple: 'darwin',
  freebsd: 'other',
  openbsd: 'other',
  netbsd: 'other',
  dragonfly: 'other',
  android: 'other',
  ios: 'other',
  solaris: 'other',
  illumos: 'other',
  aix: 'other',
  plan9: 'other',
  wasm: 'other',
  wasip1: 'other',
};

const ARCH_WORDS: Record<string, string> = {
  amd64: 'x64',
  x64: 'x64',
  win64: 'x64',
  arm64: 'arm64',
  aarch64: 'arm64',
  '386': 'ia32',
  i386: 'ia32',
  i686: 'ia32',
  x86: 'ia32',
  ia32: 'ia32',
  arm: 'arm',
  armv6: 'arm',
  armv6l: 'arm',
  armv7: 'arm',
  armv7l: 'arm',
  armhf: 'arm',
  armel: 'arm',
  ppc64: 'ppc64',
  ppc64le: 'ppc64',
  s390x: 's390x',
  riscv64: 'riscv64',
  loong64: 'loong64',
  mips: 'mips',
  mipsle: 'mips',
  mips64: 'mips',
  mips64le: 'mips',
};

/** Words for a macOS build that runs on every CPU (goreleaser's `_all`, lipo's universal). */
const UNIVERSAL_WORDS = new Set(['universal', 'universal2', 'all']);

/** Checksums, signatures, certificates and SBOMs travel beside the binaries; never install them. */
const SIDE_FILE = [
  /^(sha(1|256|512)sums|md5sums|checksums?)(\.txt)?$/,
  /checksums?.*\.txt$/,
  /\.(sha1|sha256|sha256sum|sha512|sha512sum|md5|sig|asc|pem|crt|cert|pub|minisig|bundle|sbom|spdx|intoto\.jsonl)$/,
  /\.(sbom|spdx|cdx)\.json$/,
];

/** Formats the installer cannot unpack or run as is (packages, other compressions, text). */
const NOT_INSTALLABLE =
  /\.(deb|rpm|apk|msi|msix|dmg|pkg|snap|flatpak|tar\.xz|txz|tar\.bz2|tbz2?|tar\.zst|tzst|7z|rar|gz|xz|bz2|zst|txt|md|json|jsonl|ya?ml|xml|html|sh|ps1|bat|cmd|jar|whl|nupkg|vsix)$/;

export function isSideFile(name: string): boolean {
  const lower = name.toLowerCase();
  return SIDE_FILE.some((pattern) => pattern.test(lower));
}

/** How the installer treats an asset, from its name; undefined when it cannot install it. */
export function assetFormat(name: string): AssetFormat | undefined {
  const lower = name.toLowerCase();
  if (lower.endsWith('.tar.gz') || lower.endsWith('.tgz')) return 'tar.gz';
  if (lower.endsWith('.zip')) return 'zip';
  if (lower.endsWith('.exe')) return 'exe';
  if (NOT_INSTALLABLE.test(lower)) return undefined;
  return 'bare';
}

function osOf(platform: NodeJS.Platform | Platform): OsName {
  if (platform === 'win32') return 'windows';
  if (platform === 'linux' || platform === 'darwin') return platform;
  return 'other';
}

/** Words of a name, with `x86_64`/`x86-64` read as one word before splitting on separators. */
function nameWords(name: string): string[] {
  return name
    .toLowerCase()
    .replace(/x86[-_]64/g, 'amd64')
    .split(/[^a-z0-9]+/)
    .filter((word) => word.length > 0);
}

/**
 * The score of one asset for this machine, or undefined when it is for another OS or CPU or not
 * installable here. OS match 100, CPU match 10 (universal 5), then the format this OS usually
 * ships (zip/exe on Windows, tar.gz on the others) as the tie-breaker.
 */
export function scoreAsset(
  name: string,
  platform: NodeJS.Platform | Platform,
  arch: string,
): number | undefined {
  if (isSideFile(name)) return undefined;
  const format = assetFormat(name);
  if (format === undefined) return undefined;
  const os = osOf(platform);
  const words = nameWords(name);

  const named = new Set(words.flatMap((word) => (OS_WORDS[word] ? [OS_WORDS[word]] : [])));
  if (format === 'exe') named.add('windows');
  if ([...named].some((n) => n !== os)) return undefined;
  // A bare file without .exe cannot run on Windows.
  if (os === 'windows' && format === 'bare') return undefined;
  let score = named.has(os) ? 100 : 0;

  const arches = new Set(words.flatMap((word) => (ARCH_WORDS[word] ? [ARCH_WORDS[word]] : [])));
  if ([...arches].some((a) => a !== arch)) return undefined;
  if (arches.has(arch)) score += 10;
  else if (words.some((word) => UNIVERSAL_WORDS.has(word))) score += 5;

  const formatRank: Record<AssetFormat, number> =
    os === 'windows'
      ? { zip: 3, exe: 2, 'tar.gz': 1, bare: 0 }
      : { 'tar.gz': 3, bare: 2, zip: 1, exe: 0 };
  return score + formatRank[format];
}

export function selectAsset(
  assets: readonly ReleaseAsset[],
  selection: AssetSelection,
): ReleaseAsset {
  const names = assets.map((asset) => asset.name);
  if (selection.glob !== undefined) {
    const matches = picomatch(selection.glob, { nocase: true, dot: true });
    const found = assets.filter((asset) => matches(asset.name));
    if (found.length === 1) return found[0] as ReleaseAsset;
    if (found.length === 0) {
      throw new DaemonError(
        'asset_not_found',
        `no asset matches github.asset "${selection.glob}"; the release has: ${list(names)}`,
        { details: { glob: selection.glob, assets: names } },
      );
    }
    const candidates = found.map((asset) => asset.name);
    throw new DaemonError(
      'asset_ambiguous',
      `github.asset "${selection.glob}" matches ${candidates.length} assets: ${list(candidates)}; make the glob match one`,
      { details: { glob: selection.glob, candidates } },
    );
  }

  const scored = assets.flatMap((asset) => {
    const score = scoreAsset(asset.name, selection.platform, selection.arch);
    return score === undefined ? [] : [{ asset, score }];
  });
  const machine = `${selection.platform}/${selection.arch}`;
  if (scored.length === 0) {
    throw new DaemonError(
      'asset_not_found',
      `no asset of the release fits ${machine}; the release has: ${list(names)}; set github.asset to choose one`,
      { details: { platform: selection.platform, arch: selection.arch, assets: names } },
    );
  }
  const best = Math.max(...scored.map((entry) => entry.score));
  const top = scored.filter((entry) => entry.score === best);
  if (top.length > 1) {
    const candidates = top.map((entry) => entry.asset.name);
    throw new DaemonError(
      'asset_ambiguous',
      `several assets fit ${machine} equally well: ${list(candidates)}; set github.asset to choose one`,
      { details: { platform: selection.platform, arch: selection.arch, candidates } },
    );
  }
  return (top[0] as { asset: ReleaseAsset }).asset;
}

function list(names: readonly string[]): string {
  return names.length === 0 ? '(no assets)' : names.join(', ');
}
