/**
 * Brings a release's asset for this machine into binaries/<process>/<dir>/: choose the asset,
 * download it into binaries/.downloads/ (temp names, always removed), verify its SHA-256 under
 * the process's checksum policy, and unpack it atomically. Nothing here touches the version
 * store: the caller records the install.
 */
import { randomUUID } from 'node:crypto';
import { mkdir, readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { ProcessConfig } from '../../../config/index.js';
import { DaemonError, type Clock } from '../../../shared/index.js';
import type { GithubClient } from '../github/index.js';
import {
  downloadAsset,
  expectedChecksum,
  installArchive,
  selectAsset,
  verifyChecksum,
} from '../install/index.js';
import type { DownloadProgress, Release, ReleaseAsset } from '../types.js';

/** Checksum files are small; a "checksums" asset bigger than this is not one. */
const MAX_CHECKSUM_FILE_BYTES = 1024 * 1024;

export interface InstallReleaseRequest {
  github: Pick<GithubClient, 'assetDownload'>;
  config: ProcessConfig;
  release: Release;
  /** binaries/<process>/<dir>/: must not exist. */
  destDir: string;
  downloadsDir: string;
  clock: Clock;
  platform: NodeJS.Platform;
  arch: string;
  warn: (message: string) => void;
  onDownloading: (asset: ReleaseAsset) => void;
  onProgress: (progress: DownloadProgress) => void;
  onVerifying: () => void;
  onExtracting: () => void;
}

export interface InstalledRelease {
  asset: string;
  executable: string;
  sha256: string;
  verified: boolean;
}

export async function installRelease(request: InstallReleaseRequest): Promise<InstalledRelease> {
  const { config, release, github } = request;
  const asset = selectAsset(release.assets, {
    ...(config.github.asset === undefined ? {} : { glob: config.github.asset }),
    platform: request.platform,
    arch: request.arch,
  });
  await mkdir(request.downloadsDir, { recursive: true });
  const temp = (what: string) =>
    join(request.downloadsDir, `${config.name}-${randomUUID()}-${what.replace(/[^\w.-]/g, '_')}`);
  const file = temp(asset.name);
  const sideFiles: string[] = [];
  try {
    request.onDownloading(asset);
    const { sha256 } = await downloadAsset({
      ...github.assetDownload(asset),
      dest: file,
      expectedSize: asset.size,
      onProgress: request.onProgress,
      clock: request.clock,
    });

    request.onVerifying();
    const expected = await expectedChecksum(release, asset, async (side) => {
      if (side.size > MAX_CHECKSUM_FILE_BYTES) {
        throw new DaemonError(
          'checksum_missing',
          `checksum asset ${side.name} is ${side.size} bytes; a checksums file is at most ${MAX_CHECKSUM_FILE_BYTES}`,
          { details: { asset: side.name } },
        );
      }
      const sideFile = temp(side.name);
      sideFiles.push(sideFile);
      await downloadAsset({
        ...github.assetDownload(side),
        dest: sideFile,
        expectedSize: side.size,
        clock: request.clock,
      });
      return readFile(sideFile, 'utf8');
    });
    const { verified } = verifyChecksum(
      sha256,
      expected,
      config.github.checksum,
      request.warn,
      asset.name,
    );

    request.onExtracting();
    const repoName = config.repository?.split('/')[1];
    const { executable } = await installArchive({
      file,
      assetName: asset.name,
      destDir: request.destDir,
      platform: request.platform,
      executableNames:
        repoName && repoName !== config.name ? [config.name, repoName] : [config.name],
    });
    return { asset: asset.name, executable, sha256, verified };
  } finally {
    await Promise.all(
      [file, ...sideFiles].map((path) => rm(path, { force: true }).catch(() => undefined)),
    );
  }
}
