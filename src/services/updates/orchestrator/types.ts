/**
 * The update orchestrator's vocabulary: an update's (or rollback's) status as the API reports it
 * (the phases are grpc.md's UpdateStatus values, plus `pending` before the first step), and the
 * port through which it replaces a process's instances (the lead implements it over the
 * supervisor and the balancer's drain).
 */
import type { ProcessConfig } from '../../../config/index.js';
import type { Clock, ErrorCode } from '../../../shared/index.js';
import type { GithubClient } from '../github/index.js';
import type { DownloadProgress } from '../types.js';
import type { VersionStore } from '../versions/index.js';

export type UpdateStrategy = 'rolling' | 'blue-green' | 'immediate';

export type UpdatePhase =
  | 'pending'
  | 'downloading'
  | 'verifying'
  | 'extracting'
  | 'starting'
  | 'health_check'
  | 'draining'
  | 'stopping'
  | 'completed'
  | 'failed'
  | 'rolled_back';

/** The phases a deploy reports while it replaces instances. */
export type DeployPhaseName = 'starting' | 'health_check' | 'draining' | 'stopping';

export interface UpdateStatus {
  id: string;
  process: string;
  kind: 'update' | 'rollback';
  /** The version running when it started; absent over binary_path. */
  from?: string | undefined;
  /** The target tag; `latest` (or the requested tag) until the release is known. */
  to: string;
  strategy: UpdateStrategy;
  phase: UpdatePhase;
  /** 0-100. */
  progress: number;
  message: string;
  startedAt: number;
  updatedAt: number;
  endedAt?: number | undefined;
  download?: DownloadProgress | undefined;
  error?: { code: ErrorCode; message: string } | undefined;
}

export interface DeployPort {
  /**
   * Replaces the process's instances so new ones run the now-current release; rejects (not_ready
   * ...) when a new instance does not become healthy. Reports phases through onPhase.
   */
  deploy(
    process: string,
    strategy: UpdateStrategy,
    onPhase: (phase: DeployPhaseName, message: string) => void,
  ): Promise<void>;
  /** The process config (repository, github.asset, github.checksum, github.allow_prerelease, name). */
  config(process: string): ProcessConfig;
}

export interface UpdateServiceDeps {
  github: Pick<GithubClient, 'latestRelease' | 'releaseByTag' | 'listReleases' | 'assetDownload'>;
  store: VersionStore;
  deploy: DeployPort;
  /** binaries/: installs go to <binariesDir>/<process>/<tag>/, downloads to <binariesDir>/.downloads/. */
  binariesDir: string;
  clock: Clock;
  platform: NodeJS.Platform;
  arch: string;
  /** Installs kept per process after a completed update (never current or previous). Default 5. */
  keepInstalls?: number | undefined;
  /** Every status change (the lead turns them into events). */
  onStatus?: ((status: UpdateStatus) => void) | undefined;
  warn?: ((message: string) => void) | undefined;
  /** Update ids; default random UUIDs. */
  newId?: (() => string) | undefined;
}

export interface UpdateOptions {
  /** A release tag; default the latest release. */
  version?: string | undefined;
  strategy?: UpdateStrategy | undefined;
  /** Reinstall (and redeploy) even when the version is already current. */
  force?: boolean | undefined;
}

export interface RollbackOptions {
  /** An installed version; default the previous one. */
  version?: string | undefined;
  strategy?: UpdateStrategy | undefined;
}
