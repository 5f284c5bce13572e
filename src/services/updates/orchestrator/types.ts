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
  /** What started it (api, webhook, poller, cli...), when the caller said. */
  trigger?: string | undefined;
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
    timings: DeployTimings,
  ): Promise<void>;
  /** The process config (repository and github.*: asset, checksum, allow_prerelease, strategy, keep_versions). */
  config(process: string): ProcessConfig;
}

/** What an update needs of GitHub. */
export type GithubLookup = Pick<
  GithubClient,
  'latestRelease' | 'releaseByTag' | 'listReleases' | 'assetDownload'
>;

/** A deploy's timings when the caller overrides the process's defaults. */
export interface DeployTimings {
  /** Rolling: how long a new instance must stay ready before an old one stops. */
  minHealthyMs?: number | undefined;
  /** How long a new instance may take to become ready (default: from its health check). */
  readyTimeoutMs?: number | undefined;
}

export interface DeployOptions extends DeployTimings {
  /** What started it (api, webhook, poller, cli...), kept in the status and its events. */
  trigger?: string | undefined;
}

export interface UpdateServiceDeps {
  /** One client, or one per process (a process's own github.token). */
  github: GithubLookup | ((config: ProcessConfig) => GithubLookup);
  store: VersionStore;
  deploy: DeployPort;
  /** binaries/: installs go to <binariesDir>/<process>/<tag>/, downloads to <binariesDir>/.downloads/. */
  binariesDir: string;
  clock: Clock;
  platform: NodeJS.Platform;
  arch: string;
  /** Installs kept per process after a completed update (never current or previous); default each process's github.keep_versions. */
  keepInstalls?: number | undefined;
  /** Every status change (the lead turns them into events). */
  onStatus?: ((status: UpdateStatus) => void) | undefined;
  warn?: ((message: string) => void) | undefined;
  /** Update ids; default random UUIDs. */
  newId?: (() => string) | undefined;
}

export interface UpdateOptions extends DeployOptions {
  /** A release tag; default the latest release. */
  version?: string | undefined;
  /** Default the process's github.strategy. */
  strategy?: UpdateStrategy | undefined;
  /** Reinstall (and redeploy) even when the version is already current. */
  force?: boolean | undefined;
}

export interface RollbackOptions extends DeployOptions {
  /** An installed version; default the previous one. */
  version?: string | undefined;
  strategy?: UpdateStrategy | undefined;
}
