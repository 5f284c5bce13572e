/**
 * The daemon's hot-deploy machinery: one GitHub client per (api_url, token) so each process's
 * own token and the ETag cache are kept, the update orchestrator deploying through the
 * supervisor, and its statuses turned into `process.update` events (one per phase, not per
 * download tick).
 */
import type { UpdatesSource } from '../app/index.js';
import type { Config, ProcessConfig } from '../config/index.js';
import type { ServiceEventBody, Supervisor } from '../core/index.js';
import {
  GithubClient,
  isTerminal,
  latestVersionSource,
  supervisorDeployPort,
  UpdatePoller,
  UpdateService,
  VersionWorkerClient,
  type PollOutcome,
  type PollTarget,
  type UpdateStatus,
  type VersionStore,
} from '../services/updates/index.js';
import { DaemonError, type Clock } from '../shared/index.js';
import { VERSION } from './version.js';

export interface DaemonUpdates {
  /** The orchestrator itself. */
  service: UpdateService;
  /** What the app calls: the orchestrator (the worker's token refreshed before an update). */
  source: UpdatesSource;
  start(): void;
  /**
   * Stops the poller and closes the update service (no update starts from now on); resolves once
   * the updates that had changed the current version are over (they fail and restore the
   * previous version while the supervisor shuts down).
   */
  stop(): Promise<void>;
}

export interface DaemonUpdatesOptions {
  config: Config;
  clock: Clock;
  versions: VersionStore;
  supervisor: () => Supervisor | undefined;
  report: (process: string, body: ServiceEventBody) => void;
  /** GITHUB_TOKEN from the Cloudflare auth worker's secrets, when the config sets none. */
  workerToken?: () => Promise<string | undefined>;
}

export function buildUpdates(options: DaemonUpdatesOptions): DaemonUpdates {
  const { clock, versions, report } = options;
  const supervisor = (): Supervisor => {
    const running = options.supervisor();
    if (!running)
      throw new DaemonError('internal', 'updates were asked for before the supervisor started');
    return running;
  };
  const settings = () => options.supervisor()?.currentConfig().github ?? options.config.github;

  // The auth worker's GITHUB_TOKEN, refreshed before each lookup and update (its cache decides
  // how often the worker is asked).
  let workerGithubToken: string | undefined;
  const refreshToken = async (): Promise<void> => {
    if (options.workerToken)
      workerGithubToken = await options.workerToken().catch(() => workerGithubToken);
  };

  const clients = new Map<string, GithubClient>();
  const githubFor = (process: ProcessConfig): GithubClient => {
    const { api_url: apiUrl, token: daemonToken } = settings();
    const token = process.github.token ?? daemonToken ?? workerGithubToken;
    const key = `${apiUrl}\n${token ?? ''}`;
    let client = clients.get(key);
    if (!client) {
      client = new GithubClient({ apiUrl, token, clock, userAgent: `gowinproc/${VERSION}` });
      clients.set(key, client);
    }
    return client;
  };

  const lastPhase = new Map<string, string>();
  const onStatus = (status: UpdateStatus): void => {
    if (lastPhase.get(status.id) === status.phase) return;
    if (isTerminal(status.phase)) lastPhase.delete(status.id);
    else lastPhase.set(status.id, status.phase);
    report(status.process, {
      type: 'process.update',
      updateId: status.id,
      kind: status.kind,
      phase: status.phase,
      from: status.from,
      to: status.to,
      strategy: status.strategy,
      trigger: status.trigger,
      progress: status.progress,
      message: status.message,
      error: status.error,
    });
  };

  let port: ReturnType<typeof supervisorDeployPort> | undefined;
  const deployPort = () => (port ??= supervisorDeployPort(supervisor(), { clock }));
  const service = new UpdateService({
    github: githubFor,
    store: versions,
    deploy: {
      deploy: (process, strategy, onPhase, timings) =>
        deployPort().deploy(process, strategy, onPhase, timings),
      config: (process) => supervisor().program(process).config,
    },
    binariesDir: options.config.paths.binaries,
    clock,
    platform: process.platform,
    arch: process.arch,
    onStatus,
    warn: (message) => report('', { type: 'daemon.warning', message }),
  });

  const latestRelease = async (config: ProcessConfig) => {
    if (config.repository === undefined)
      throw new DaemonError('invalid_argument', `${config.name} has no repository`);
    await refreshToken();
    return githubFor(config).latestRelease(config.repository, {
      allowPrerelease: config.github.allow_prerelease,
    });
  };

  // auto_update: the poller asks GitHub (standalone) or the webhook worker (cloudflare) for the
  // latest version of each process that has it on, and starts an update when it differs.
  const { mode, cloudflare } = options.config.github;
  const fromWorker =
    mode !== 'cloudflare'
      ? undefined
      : cloudflare.worker_url === undefined
        ? () =>
            Promise.reject(
              new DaemonError(
                'config_invalid',
                'github.mode is cloudflare but github.cloudflare.worker_url is not set',
              ),
            )
        : latestVersionSource({
            mode,
            worker: new VersionWorkerClient({ url: cloudflare.worker_url, clock }),
          });
  const poller = new UpdatePoller({
    clock,
    targets: () => (settings().update_mode.polling.enabled ? pollTargets(supervisor()) : []),
    latestVersion: (target) =>
      fromWorker
        ? fromWorker(target)
        : latestRelease(supervisor().program(target.process).config).then((r) => r.tag),
    currentVersion: (process) => versions.get(process).current?.version,
    trigger: async (process, version) => {
      await refreshToken();
      await service.update(process, { version, trigger: 'poller' });
    },
    report: (process, outcome) => report(process, checkEvent(outcome)),
  });

  return {
    service,
    source: {
      service: {
        update: async (process, updateOptions) => {
          await refreshToken();
          return service.update(process, updateOptions);
        },
        rollback: (process, rollbackOptions) => service.rollback(process, rollbackOptions),
        status: (id) => service.status(id),
        watch: (id, listener) => service.watch(id, listener),
        current: (process) => service.current(process),
      },
      versions,
      latestRelease,
    },
    start: () => poller.start(),
    stop: () => {
      poller.stop();
      return service.close();
    },
  };
}

function pollTargets(supervisor: Supervisor): PollTarget[] {
  return supervisor
    .list()
    .map((p) => p.config)
    .filter((c) => c.github.auto_update && c.repository !== undefined)
    .map((c) => ({
      process: c.name,
      repository: c.repository!,
      intervalMs: c.github.update_check_interval,
      allowPrerelease: c.github.allow_prerelease,
    }));
}

function checkEvent(outcome: PollOutcome): ServiceEventBody {
  switch (outcome.outcome) {
    case 'error':
      return {
        type: 'process.update_check',
        outcome: 'error',
        code: outcome.code,
        message: `${outcome.message}; next check at ${new Date(outcome.retryAt).toISOString()}`,
      };
    case 'skipped':
      return {
        type: 'process.update_check',
        outcome: 'skipped',
        current: outcome.current,
        latest: outcome.latest,
        message: `${outcome.latest} not started: ${outcome.reason}`,
      };
    case 'triggered':
      return {
        type: 'process.update_check',
        outcome: 'triggered',
        current: outcome.current,
        latest: outcome.latest,
        message: `${outcome.latest} is out (running ${outcome.current ?? 'binary_path'}): update started`,
      };
    case 'up_to_date':
      return {
        type: 'process.update_check',
        outcome: 'up_to_date',
        current: outcome.current,
        latest: outcome.latest,
        message: `up to date (${outcome.latest})`,
      };
  }
}
