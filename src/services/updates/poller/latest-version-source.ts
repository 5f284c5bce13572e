import { DaemonError } from '../../../shared/index.js';
import type { GithubClient } from '../github/index.js';
import type { VersionWorkerClient } from '../worker/index.js';
import type { PollTarget } from './types.js';

export interface LatestVersionSourceOptions {
  /** `github.mode`. */
  mode: 'standalone' | 'cloudflare';
  /** Needed in standalone mode. */
  github?: Pick<GithubClient, 'latestRelease'> | undefined;
  /** Needed in cloudflare mode. */
  worker?: Pick<VersionWorkerClient, 'repository'> | undefined;
}

/**
 * The poller's `latestVersion`: standalone asks GitHub for the latest release's tag (the client
 * answers an unchanged release from its ETag cache at the cost of a 304); cloudflare asks the
 * webhook worker, which knows one version per repository, so `allowPrerelease` cannot apply
 * there (the worker records whatever its webhook saw). Assets still come from GitHub.
 */
export function latestVersionSource(
  options: LatestVersionSourceOptions,
): (target: PollTarget) => Promise<string> {
  if (options.mode === 'standalone') {
    const github = options.github;
    if (github === undefined) {
      throw new DaemonError('internal', 'github.mode standalone needs a GitHub client');
    }
    return async (target) =>
      (await github.latestRelease(target.repository, { allowPrerelease: target.allowPrerelease }))
        .tag;
  }
  const worker = options.worker;
  if (worker === undefined) {
    throw new DaemonError(
      'config_invalid',
      'github.mode cloudflare needs github.cloudflare.worker_url',
    );
  }
  return async (target) => {
    const { version } = await worker.repository(target.repository);
    if (version === '') {
      throw new DaemonError(
        'release_not_found',
        `the webhook worker records no version for ${target.repository} yet`,
        { details: { repository: target.repository } },
      );
    }
    return version;
  };
}
