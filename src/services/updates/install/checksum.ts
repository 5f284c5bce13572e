/**
 * The SHA-256 a release promises for an asset, and the verdict on a download. Sources, first
 * found wins: GitHub's own `digest` field (computed by GitHub at upload, so the strongest), a
 * `<asset>.sha256` file, then a checksums file (`SHA256SUMS`, `checksums.txt`, goreleaser's
 * `<project>_<version>_checksums.txt`) in sha256sum's format.
 */
import { DaemonError } from '../../../shared/index.js';
import type { Release, ReleaseAsset } from '../types.js';

export interface ExpectedChecksum {
  /** Lower-case hex. */
  sha256: string;
  /** Where it came from: `digest`, or the name of the checksum asset. */
  source: string;
}

export type ChecksumPolicy = 'required' | 'optional';

/** Downloads a (small) checksum asset as text; the caller decides how (API URL, token). */
export type FetchText = (asset: ReleaseAsset) => Promise<string>;

const HEX_SHA256 = /^[0-9a-f]{64}$/i;

export async function expectedChecksum(
  release: Release,
  asset: ReleaseAsset,
  fetchText: FetchText,
): Promise<ExpectedChecksum | undefined> {
  const digest = asset.digest?.trim();
  if (digest !== undefined && digest.toLowerCase().startsWith('sha256:')) {
    const hex = digest.slice('sha256:'.length);
    if (HEX_SHA256.test(hex)) return { sha256: hex.toLowerCase(), source: 'digest' };
  }

  const lowerName = asset.name.toLowerCase();
  const sidecar = release.assets.find((a) => {
    const lower = a.name.toLowerCase();
    return lower === `${lowerName}.sha256` || lower === `${lowerName}.sha256sum`;
  });
  if (sidecar !== undefined) {
    const found = findInSums(await fetchText(sidecar), asset.name, true);
    if (found !== undefined) return { sha256: found, source: sidecar.name };
  }

  for (const sums of release.assets.filter((a) => isChecksumsFile(a.name))) {
    const found = findInSums(await fetchText(sums), asset.name, false);
    if (found !== undefined) return { sha256: found, source: sums.name };
  }
  return undefined;
}

function isChecksumsFile(name: string): boolean {
  const lower = name.toLowerCase();
  return (
    lower === 'sha256sums' ||
    lower === 'sha256sums.txt' ||
    lower === 'checksums.txt' ||
    /checksums.*\.txt$/.test(lower)
  );
}

/**
 * The hex for `name` in sha256sum output (`<hex>  <name>` or `<hex> *<name>`), or the BSD form
 * `SHA256 (<name>) = <hex>`. A sidecar file may hold the bare hex alone.
 */
export function findInSums(text: string, name: string, isSidecar: boolean): string | undefined {
  const lines = text
    .split(/\r?\n/)
    .map((line) => line.trim())
    .filter((line) => line.length > 0);
  if (isSidecar && lines.length === 1 && HEX_SHA256.test(lines[0] as string)) {
    return (lines[0] as string).toLowerCase();
  }
  for (const line of lines) {
    const gnu = /^([0-9a-fA-F]{64})\s+\*?(.+)$/.exec(line);
    const bsd = /^SHA256 \((.+)\) = ([0-9a-fA-F]{64})$/.exec(line);
    const [hex, listed] = gnu ? [gnu[1], gnu[2]] : bsd ? [bsd[2], bsd[1]] : [undefined, undefined];
    if (hex === undefined || listed === undefined) continue;
    if (baseName(listed.trim()) === name) return hex.toLowerCase();
  }
  return undefined;
}

function baseName(path: string): string {
  const slash = Math.max(path.lastIndexOf('/'), path.lastIndexOf('\\'));
  return slash === -1 ? path : path.slice(slash + 1);
}

export interface ChecksumVerdict {
  /** True when a release checksum confirmed the download. */
  verified: boolean;
}

/**
 * Judges a download: a mismatch always refuses; a missing checksum refuses under `required` and
 * only warns under `optional`.
 */
export function verifyChecksum(
  actual: string,
  expected: ExpectedChecksum | undefined,
  policy: ChecksumPolicy,
  warn: (message: string) => void,
  assetName = 'the asset',
): ChecksumVerdict {
  if (expected === undefined) {
    if (policy === 'required') {
      throw new DaemonError(
        'checksum_missing',
        `the release has no SHA-256 for ${assetName} (no digest, no ${assetName}.sha256, no checksums file listing it) and checksum is required`,
        { details: { asset: assetName } },
      );
    }
    warn(
      `installing ${assetName} unverified: the release has no SHA-256 for it (checksum: optional)`,
    );
    return { verified: false };
  }
  if (actual.toLowerCase() !== expected.sha256.toLowerCase()) {
    throw new DaemonError(
      'checksum_mismatch',
      `${assetName} has SHA-256 ${actual.toLowerCase()} but ${expected.source} says ${expected.sha256}`,
      {
        details: {
          asset: assetName,
          actual: actual.toLowerCase(),
          expected: expected.sha256,
          source: expected.source,
        },
      },
    );
  }
  return { verified: true };
}
