/**
 * The updates service's shared vocabulary: a GitHub release and its assets as we keep them (a
 * subset of GitHub's REST shapes, renamed to our style), download progress, and an installed
 * version. The GitHub client (`github/`), the installer (`install/`) and the version store
 * (`versions/`) all speak it.
 */

export interface ReleaseAsset {
  /** GitHub's asset id (the API download URL is /repos/{owner}/{repo}/releases/assets/{id}). */
  id: number;
  name: string;
  size: number;
  contentType: string;
  /** The public download URL (browser_download_url); redirects to the download host. */
  browserDownloadUrl: string;
  /** The API URL of the asset (`url`): with `Accept: application/octet-stream` it serves the bytes, also for private repositories. */
  apiUrl: string;
  /** GitHub's `digest` field when present, e.g. `sha256:9f86d0...`. */
  digest?: string | undefined;
}

export interface Release {
  id: number;
  /** The tag, e.g. `v1.4.2`: the version we install and show. */
  tag: string;
  name: string;
  /** Release notes (markdown). */
  body: string;
  draft: boolean;
  prerelease: boolean;
  /** ISO 8601 (published_at, or created_at for a draft). */
  publishedAt: string;
  htmlUrl: string;
  assets: ReleaseAsset[];
}

/** Where a download stands, for update status and the CLI's progress bar. */
export interface DownloadProgress {
  bytes: number;
  /** Content length when known. */
  total: number | undefined;
  /** Bytes per second, averaged over the last seconds. */
  rate: number;
}

/** One installed version of a process's binary. */
export interface InstalledVersion {
  version: string;
  /** Absolute directory: binaries/<process>/<version>/. */
  dir: string;
  /** Absolute path of the executable inside `dir`. */
  executable: string;
  installedAt: number;
  asset: string;
  /** The SHA-256 (hex) of the downloaded asset, and whether a release checksum confirmed it. */
  sha256: string;
  verified: boolean;
  release?: { name: string; publishedAt: string; htmlUrl: string } | undefined;
}
