/**
 * Hot deploys as every edge sees them (REST, gRPC, webhooks, the poller, the CLI): start an
 * update or a rollback, follow it, and read versions — the running one, the latest release, the
 * install history. Views keep the field names of rest.md and grpc.md (snake_case, and the
 * original's camelCase where it had them); new fields sit beside them.
 */
import type { ProcessConfig } from '../config/index.js';
import type { Supervisor } from '../core/index.js';
import {
  UPDATE_STRATEGIES,
  type Release,
  type UpdateService,
  type UpdateStatus,
  type UpdateStrategy,
  type VersionStore,
} from '../services/updates/index.js';
import { DaemonError, type Clock, type ErrorCode } from '../shared/index.js';
import { followUpdate } from './update-follow.js';
import { instanceView } from './views.js';

/** What the app needs from the daemon's update machinery. */
export interface UpdatesSource {
  service: Pick<UpdateService, 'update' | 'rollback' | 'status' | 'watch' | 'current'>;
  versions: Pick<VersionStore, 'get'>;
  /** The latest release of a process's repository (its own token; ETag-cached). */
  latestRelease(config: ProcessConfig): Promise<Release>;
}

export interface UpdateStatusView {
  update_id: string;
  process_name: string;
  /** grpc.md's values, plus `pending` for the instant before the first step. */
  status: UpdateStatus['phase'];
  progress: number;
  message: string;
  /** Unix ms of the latest change. */
  timestamp: number;
  kind: 'update' | 'rollback';
  from_version: string;
  to_version: string;
  strategy: UpdateStrategy;
  trigger?: string | undefined;
  started_at: number;
  ended_at?: number | undefined;
  download?: { bytes: number; total: number | null; rate: number } | undefined;
  error?: { code: ErrorCode; message: string } | undefined;
}

export interface UpdateStartedView {
  message: string;
  process: string;
  update_id: string;
  current_version: string;
  target_version: string;
  /** A rough estimate in seconds (instances × time to become ready). */
  estimated_duration: number;
}

export interface RollbackStartedView {
  message: string;
  process: string;
  rollback_id: string;
  from_version: string;
  to_version: string;
}

export interface VersionHistoryEntry {
  version: string;
  installed_at: string;
  active: boolean;
  previous: boolean;
  /** false once pruned from disk (the entry stays for the record). */
  installed: boolean;
  asset: string;
  sha256: string;
  verified: boolean;
  published_at?: string | undefined;
  release_url?: string | undefined;
}

export interface ProcessVersionView {
  process: string;
  /** The installed release running, or "" when the process runs its configured binary_path. */
  current_version: string;
  previous_version: string;
  /** The newest release on GitHub, or "" when it could not be asked (see latest_error). */
  latest_version: string;
  update_available: boolean;
  latest_error?: { code: ErrorCode; message: string } | undefined;
  repository: string | null;
  instances: Array<{ id: string; version: string; uptime: number }>;
  history: VersionHistoryEntry[];
  update_status?: UpdateStatusView | undefined;
}

export interface AvailableUpdateView {
  processName: string;
  currentVersion: string;
  latestVersion: string;
  releaseDate: string;
  releaseNotes: string;
  upToDate: boolean;
  repository: string;
  releaseUrl?: string | undefined;
  error?: { code: ErrorCode; message: string } | undefined;
}

export interface UpdateAllEntry {
  name: string;
  current_version: string;
  target_version: string;
  /** started, up_to_date, skipped (already updating, not published) or failed. */
  status: 'started' | 'up_to_date' | 'skipped' | 'failed';
  /** A rough estimate in seconds (instances × time to become ready). */
  estimated_duration: number;
  update_id?: string | undefined;
  message?: string | undefined;
}

export interface UpdateAllView {
  success: boolean;
  message: string;
  processes: UpdateAllEntry[];
  /** The first started update's id ("" when none started); each entry has its own. */
  updateId: string;
}

/** A release a webhook or the poller reported, applied to every process of its repository. */
export interface ReleaseNotice {
  repository: string;
  tag: string;
  prerelease: boolean;
  source: string;
}

export interface TriggeredUpdate {
  process: string;
  version: string;
  update_id?: string | undefined;
  /** Why no update started for this process. */
  skipped?: string | undefined;
}

export interface UpdateInput {
  version?: string | undefined;
  force?: boolean | undefined;
  strategy?: string | undefined;
  /** Instance indexes; a process runs one version, so only the whole set is accepted. */
  instances?: number[] | undefined;
  /** Seconds a new instance may take to become ready (default: from its health check). */
  timeout?: number | undefined;
  /** Seconds a new instance must stay ready before an old one stops (rolling). */
  healthCheckDelay?: number | undefined;
  trigger?: string | undefined;
}

export interface RollbackInput {
  version?: string | undefined;
  strategy?: string | undefined;
  trigger?: string | undefined;
}

export interface WebhookSettings {
  enabled: boolean;
  secret: string | undefined;
  path: string;
}

export class UpdateUseCases {
  constructor(
    private readonly supervisor: Supervisor,
    private readonly clock: Clock,
    private readonly source: UpdatesSource | undefined,
  ) {}

  private get updates(): UpdatesSource {
    if (this.source === undefined)
      throw new DaemonError('not_implemented', 'updates are not available in this daemon');
    return this.source;
  }

  webhookSettings(): WebhookSettings {
    const { webhook } = this.supervisor.currentConfig().github.update_mode;
    return { enabled: webhook.enabled, secret: webhook.secret, path: webhook.path };
  }

  async update(name: string, input: UpdateInput = {}): Promise<UpdateStartedView> {
    const program = this.supervisor.program(name);
    checkInstances(
      name,
      input.instances,
      program.active().map((i) => i.index),
    );
    const status = await this.updates.service.update(name, {
      version: input.version,
      force: input.force,
      strategy: strategyOf(input.strategy),
      ...timings(input),
      trigger: input.trigger ?? 'api',
    });
    return {
      message: 'update started',
      process: name,
      update_id: status.id,
      current_version: status.from ?? '',
      target_version: status.to,
      estimated_duration: estimateSeconds(program.config, program.desired, status.strategy),
    };
  }

  async rollback(name: string, input: RollbackInput = {}): Promise<RollbackStartedView> {
    this.supervisor.program(name);
    const status = await this.updates.service.rollback(name, {
      version: input.version,
      strategy: strategyOf(input.strategy),
      trigger: input.trigger ?? 'api',
    });
    return {
      message: 'rollback started',
      process: name,
      rollback_id: status.id,
      from_version: status.from ?? '',
      to_version: status.to,
    };
  }

  /** Updates every process with a repository whose latest release is not the one it runs. */
  async updateAll(input: Omit<UpdateInput, 'version' | 'instances'> = {}): Promise<UpdateAllView> {
    const strategy = strategyOf(input.strategy);
    const updates = this.updates;
    const entries = await Promise.all(
      this.withRepository().map(async (config): Promise<UpdateAllEntry> => {
        const current = this.currentVersion(config.name);
        const estimated = estimateSeconds(
          config,
          this.supervisor.program(config.name).desired,
          strategy ?? config.github.strategy,
        );
        const base = { name: config.name, current_version: current, estimated_duration: estimated };
        let latest: Release;
        try {
          latest = await updates.latestRelease(config);
        } catch (error) {
          return { ...base, target_version: '', status: 'failed', message: messageOf(error) };
        }
        if (latest.tag === current && input.force !== true)
          return { ...base, target_version: latest.tag, status: 'up_to_date' };
        try {
          const status = await updates.service.update(config.name, {
            version: latest.tag,
            force: input.force,
            strategy,
            ...timings(input),
            trigger: input.trigger ?? 'api',
          });
          return { ...base, target_version: latest.tag, status: 'started', update_id: status.id };
        } catch (error) {
          const busy = DaemonError.from(error).code === 'update_in_progress';
          return {
            ...base,
            target_version: latest.tag,
            status: busy ? 'skipped' : 'failed',
            message: messageOf(error),
          };
        }
      }),
    );
    const started = entries.filter((e) => e.status === 'started');
    const failed = entries.filter((e) => e.status === 'failed');
    return {
      success: failed.length === 0,
      message:
        entries.length === 0
          ? 'no process has a repository to update from'
          : `${started.length} update(s) started, ${entries.filter((e) => e.status === 'up_to_date').length} up to date${failed.length ? `, ${failed.length} failed` : ''}`,
      processes: entries,
      updateId: started[0]?.update_id ?? '',
    };
  }

  /** Starts an update of every process of the release's repository that should take it. */
  async triggerRelease(notice: ReleaseNotice): Promise<TriggeredUpdate[]> {
    const repository = notice.repository.toLowerCase();
    const targets = this.withRepository().filter((c) => c.repository!.toLowerCase() === repository);
    return Promise.all(
      targets.map(async (config): Promise<TriggeredUpdate> => {
        const entry = { process: config.name, version: notice.tag };
        if (notice.prerelease && !config.github.allow_prerelease)
          return { ...entry, skipped: 'a pre-release, and allow_prerelease is off' };
        if (this.currentVersion(config.name) === notice.tag)
          return { ...entry, skipped: `already at ${notice.tag}` };
        try {
          const status = await this.updates.service.update(config.name, {
            version: notice.tag,
            trigger: notice.source,
          });
          return { ...entry, update_id: status.id };
        } catch (error) {
          return { ...entry, skipped: messageOf(error) };
        }
      }),
    );
  }

  status(id: string): UpdateStatusView {
    return statusView(this.updates.service.status(id));
  }

  /** The current status at once, then each change until it ends. */
  watch(id: string, listener: (status: UpdateStatusView) => void): () => void {
    return this.updates.service.watch(id, (status) => listener(statusView(status)));
  }

  /** The statuses of one update until its final one or until `signal` aborts (update-follow.ts). */
  follow(id: string, signal: AbortSignal): AsyncGenerator<UpdateStatusView> {
    return followUpdate((listener) => this.watch(id, listener), signal);
  }

  async version(name: string): Promise<ProcessVersionView> {
    const program = this.supervisor.program(name);
    const config = program.config;
    const stored = this.updates.versions.get(name);
    const current = stored.current?.version ?? '';
    let latest = '';
    let latestError: ProcessVersionView['latest_error'];
    if (config.repository !== undefined) {
      try {
        latest = (await this.updates.latestRelease(config)).tag;
      } catch (error) {
        const failure = DaemonError.from(error);
        latestError = { code: failure.code, message: failure.message };
      }
    }
    const running = this.updates.service.current(name);
    return {
      process: name,
      current_version: current,
      previous_version: stored.previous?.version ?? '',
      latest_version: latest,
      update_available: latest !== '' && latest !== current,
      ...(latestError === undefined ? {} : { latest_error: latestError }),
      repository: config.repository ?? null,
      instances: program.active().map((i) => {
        const view = instanceView(i, this.clock.now());
        return { id: view.id, version: view.version ?? '', uptime: view.uptime_seconds ?? 0 };
      }),
      history: stored.history.map((r) => ({
        version: r.version,
        installed_at: new Date(r.installedAt).toISOString(),
        active: r.version === stored.current?.version,
        previous: r.version === stored.previous?.version,
        installed: r.removedAt === undefined,
        asset: r.asset,
        sha256: r.sha256,
        verified: r.verified,
        ...(r.release
          ? { published_at: r.release.publishedAt, release_url: r.release.htmlUrl }
          : {}),
      })),
      ...(running === undefined ? {} : { update_status: statusView(running) }),
    };
  }

  /** Per process with a repository: what runs, what GitHub has, and its notes. */
  async available(): Promise<{ updates: AvailableUpdateView[] }> {
    const source = this.updates;
    const updates = await Promise.all(
      this.withRepository().map(async (config): Promise<AvailableUpdateView> => {
        const current = this.currentVersion(config.name);
        const base = { processName: config.name, currentVersion: current };
        try {
          const latest = await source.latestRelease(config);
          return {
            ...base,
            latestVersion: latest.tag,
            releaseDate: latest.publishedAt,
            releaseNotes: latest.body,
            upToDate: latest.tag === current,
            repository: config.repository!,
            releaseUrl: latest.htmlUrl,
          };
        } catch (error) {
          const failure = DaemonError.from(error);
          return {
            ...base,
            latestVersion: '',
            releaseDate: '',
            releaseNotes: '',
            upToDate: false,
            repository: config.repository!,
            error: { code: failure.code, message: failure.message },
          };
        }
      }),
    );
    return { updates };
  }

  private withRepository(): ProcessConfig[] {
    return this.supervisor
      .list()
      .map((p) => p.config)
      .filter((c) => c.repository !== undefined);
  }

  private currentVersion(name: string): string {
    return this.updates.versions.get(name).current?.version ?? '';
  }
}

export function statusView(status: UpdateStatus): UpdateStatusView {
  return {
    update_id: status.id,
    process_name: status.process,
    status: status.phase,
    progress: status.progress,
    message: status.message,
    timestamp: status.updatedAt,
    kind: status.kind,
    from_version: status.from ?? '',
    to_version: status.to,
    strategy: status.strategy,
    ...(status.trigger === undefined ? {} : { trigger: status.trigger }),
    started_at: status.startedAt,
    ...(status.endedAt === undefined ? {} : { ended_at: status.endedAt }),
    ...(status.download === undefined
      ? {}
      : {
          download: {
            bytes: status.download.bytes,
            total: status.download.total ?? null,
            rate: Math.round(status.download.rate),
          },
        }),
    ...(status.error === undefined ? {} : { error: status.error }),
  };
}

function strategyOf(strategy: string | undefined): UpdateStrategy | undefined {
  if (strategy === undefined || strategy === '') return undefined;
  if (!(UPDATE_STRATEGIES as readonly string[]).includes(strategy))
    throw new DaemonError(
      'invalid_argument',
      `strategy must be one of ${UPDATE_STRATEGIES.join(', ')} (got "${strategy}")`,
    );
  return strategy as UpdateStrategy;
}

function timings(input: Pick<UpdateInput, 'timeout' | 'healthCheckDelay'>) {
  return {
    ...(input.timeout === undefined || input.timeout === 0
      ? {}
      : { readyTimeoutMs: input.timeout * 1000 }),
    ...(input.healthCheckDelay === undefined
      ? {}
      : { minHealthyMs: input.healthCheckDelay * 1000 }),
  };
}

/** A process runs one version: an update names all of its instances or none. */
function checkInstances(name: string, requested: number[] | undefined, active: number[]): void {
  if (requested === undefined || requested.length === 0) return;
  const all = new Set(active);
  const asked = new Set(requested);
  if (asked.size === all.size && [...asked].every((i) => all.has(i))) return;
  throw new DaemonError(
    'invalid_argument',
    `updating only some instances of ${name} is not supported: a process runs one version at a time, so omit "instances" (or list all of ${[...all].sort((a, b) => a - b).join(', ')})`,
  );
}

/** Instances × (first health probe + min_healthy_time), at least a second each. */
function estimateSeconds(
  config: ProcessConfig,
  instances: number,
  strategy: UpdateStrategy,
): number {
  const ready = config.health_check.enabled
    ? config.health_check.start_period + config.health_check.interval
    : 1000;
  const each = Math.max(1, Math.ceil((ready + config.github.min_healthy_time) / 1000));
  return strategy === 'rolling' ? each * Math.max(1, instances) : each;
}

function messageOf(error: unknown): string {
  return DaemonError.from(error).message;
}
