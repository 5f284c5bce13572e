import type { Clock, ErrorCode } from '../../../shared/index.js';

/** One process the poller watches (the lead keeps only auto_update processes with a repository). */
export interface PollTarget {
  process: string;
  /** `owner/repo`. */
  repository: string;
  /** `processes[].github.update_check_interval` (or the polling interval). */
  intervalMs: number;
  allowPrerelease: boolean;
}

export type PollOutcome =
  | { outcome: 'up_to_date'; current: string | undefined; latest: string }
  | { outcome: 'triggered'; current: string | undefined; latest: string }
  /** Nothing started: the process is busy (update_in_progress), or this version already failed. */
  | { outcome: 'skipped'; current: string | undefined; latest: string; reason: string }
  /** `retryAt`: when the target is checked again (epoch ms). */
  | { outcome: 'error'; code: ErrorCode; message: string; retryAt: number };

export interface UpdatePollerOptions {
  clock: Clock;
  /** Re-read at every tick, so config reloads apply. */
  targets(): PollTarget[];
  /** Standalone: GitHub's latest tag; cloudflare: the worker's version (latestVersionSource). */
  latestVersion(target: PollTarget): Promise<string>;
  currentVersion(process: string): string | undefined;
  /** Starts an update; may reject (update_in_progress...). */
  trigger(process: string, version: string): Promise<void>;
  /**
   * Called with every outcome except an 'up_to_date' equal to the previous outcome of that
   * process (an idle check is no news).
   */
  report(process: string, outcome: PollOutcome): void;
  /** How often due targets are looked at; default 1000 ms. */
  tickMs?: number;
}
