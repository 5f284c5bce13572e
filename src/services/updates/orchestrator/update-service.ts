/**
 * Updates and rollbacks of one process at a time: find the release, download, verify and install
 * it, make it current, and have the DeployPort replace the instances with the chosen strategy.
 * Anything failing before the deploy leaves the store as it was (a verified install may stay
 * recorded, to be reused or pruned); a deploy that fails puts current/previous back and deploys
 * again, so the old version serves (`rolled_back`), or says `failed` with both reasons.
 *
 * `force` of a version that is already installed installs it afresh into `<tag>+<n>/` beside the
 * old directory (which may be running), and the old directory is deleted once the deploy has
 * replaced its instances; a failed deploy brings the old record back and deletes the new one.
 * A directory under binaries/<process>/ that the store does not know (left by a crash) is
 * deleted and reused. Tags that are not safe as a directory name (`release/1.0`) get their
 * unsafe characters replaced by `_` in the directory name only.
 */
import { randomUUID } from 'node:crypto';
import { lstat, rm } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import type { ProcessConfig } from '../../../config/index.js';
import { DaemonError, errnoCode } from '../../../shared/index.js';
import type { Release } from '../types.js';
import type { ProcessVersions, VersionRecord } from '../versions/index.js';
import { installRelease } from './install-release.js';
import { StatusBoard, isTerminal, type StatusListener } from './status-board.js';
import type {
  DeployOptions,
  DeployPhaseName,
  DeployTimings,
  GithubLookup,
  RollbackOptions,
  UpdateOptions,
  UpdateServiceDeps,
  UpdateStatus,
  UpdateStrategy,
} from './types.js';

export const UPDATE_STRATEGIES: readonly UpdateStrategy[] = ['rolling', 'blue-green', 'immediate'];

/** Progress (0-100) at each step; the download fills 0-60 by bytes. */
const PROGRESS = {
  downloaded: 60,
  extracting: 65,
  installed: 75,
  starting: 80,
  health_check: 85,
  draining: 90,
  stopping: 95,
  done: 100,
} as const;
const MAX_DIR_SUFFIX = 100;

/** One running update's status, changed only through here; silent once it has ended. */
class Tracker {
  constructor(
    private current: UpdateStatus,
    private readonly board: StatusBoard,
    private readonly now: () => number,
    private readonly release: () => void,
  ) {}

  get status(): UpdateStatus {
    return this.current;
  }

  set(patch: Partial<Omit<UpdateStatus, 'id' | 'process' | 'kind' | 'startedAt'>>): void {
    if (isTerminal(this.current.phase)) return;
    const next: UpdateStatus = { ...this.current, ...patch, updatedAt: this.now() };
    if (isTerminal(next.phase)) {
      next.endedAt = next.updatedAt;
      // Free the process first: a listener reacting to the end may start the next update.
      this.release();
    }
    this.current = next;
    this.board.set(next);
  }

  fail(error: unknown, message?: string): void {
    const failure = DaemonError.from(error);
    this.set({
      phase: 'failed',
      message: message ?? failure.message,
      error: { code: failure.code, message: message ?? failure.message },
    });
  }
}

export class UpdateService {
  private readonly board: StatusBoard;
  /** process → id of its running update or rollback. */
  private readonly running = new Map<string, string>();
  private readonly warn: (message: string) => void;
  private readonly newId: () => string;
  /** update id → its background work, and whether it has changed the current version yet. */
  private readonly works = new Map<string, { done: Promise<void>; committed: boolean }>();
  private closing = false;

  constructor(private readonly deps: UpdateServiceDeps) {
    this.warn = deps.warn ?? (() => undefined);
    this.newId = deps.newId ?? randomUUID;
    const sink = deps.onStatus ?? (() => undefined);
    this.board = new StatusBoard(sink, this.warn);
  }

  /**
   * Finds the release (so an unknown tag, a rate-limited or unreachable GitHub is the caller's
   * error at once, not a failed status), then starts the update and returns its status as started
   * (`pending`); the rest runs in the background (watch / waitFor / status follow it). Refuses at
   * once a process without a repository (invalid_argument) or one already updating
   * (update_in_progress).
   */
  async update(process: string, options: UpdateOptions = {}): Promise<UpdateStatus> {
    const config = this.deps.deploy.config(process);
    const repository = config.repository;
    if (repository === undefined) {
      throw new DaemonError(
        'invalid_argument',
        `${process} has no repository: set processes[].repository to update it from GitHub releases`,
        { details: { process } },
      );
    }
    if (options.version === '') throw new DaemonError('invalid_argument', 'version is empty');
    const strategy = checkStrategy(options.strategy ?? config.github.strategy);
    this.checkFree(process);
    const github = this.github(config);
    const release =
      options.version === undefined
        ? await github.latestRelease(repository, {
            allowPrerelease: config.github.allow_prerelease,
          })
        : await github.releaseByTag(repository, options.version);
    const tracker = this.begin(process, 'update', release.tag, strategy, options.trigger);
    this.background(tracker, () => this.runUpdate(tracker, config, release, strategy, options));
    return tracker.status;
  }

  /**
   * Starts a rollback to the previous version (or the given installed one) and returns its status
   * as started; it activates that version and deploys it, so its own binary runs.
   */
  async rollback(process: string, options: RollbackOptions = {}): Promise<UpdateStatus> {
    const config = this.deps.deploy.config(process);
    const strategy = checkStrategy(options.strategy ?? config.github.strategy);
    this.checkFree(process);
    const target = this.deps.store.rollbackTarget(process, options.version);
    const tracker = this.begin(process, 'rollback', target.version, strategy, options.trigger);
    this.background(tracker, () => this.runRollback(tracker, target, strategy, options));
    return tracker.status;
  }

  /**
   * For daemon shutdown: refuses new updates and rollbacks (shutting_down), stops those that have
   * not changed the current version yet before they do, and resolves once those that have are
   * over — their deploy fails while the supervisor shuts down and they put the previous version
   * back, so the daemon never exits with a version current that was not proven ready.
   */
  close(): Promise<void> {
    this.closing = true;
    const committed = [...this.works.values()].filter((w) => w.committed).map((w) => w.done);
    return Promise.all(committed).then(() => undefined);
  }

  /** An update's status by id (running, or one of the last 100 ended); not_found otherwise. */
  status(id: string): UpdateStatus {
    return this.board.get(id);
  }

  /** Calls listener with the current status at once, then with every change until the end. */
  watch(id: string, listener: StatusListener): () => void {
    return this.board.watch(id, listener);
  }

  /** The running update or rollback of a process. */
  current(process: string): UpdateStatus | undefined {
    const id = this.running.get(process);
    return id === undefined ? undefined : this.board.get(id);
  }

  /** Resolves with the final status (completed, failed or rolled_back). */
  waitFor(id: string): Promise<UpdateStatus> {
    return this.board.waitFor(id);
  }

  private github(config: ProcessConfig): GithubLookup {
    const { github } = this.deps;
    return typeof github === 'function' ? github(config) : github;
  }

  private checkFree(process: string): void {
    this.refuseWhenClosing();
    const running = this.running.get(process);
    if (running === undefined) return;
    const status = this.board.get(running);
    throw new DaemonError(
      'update_in_progress',
      `${process} is already ${status.kind === 'rollback' ? 'rolling back' : 'updating'} to ${status.to} (update ${running})`,
      { details: { process, updateId: running } },
    );
  }

  private begin(
    process: string,
    kind: UpdateStatus['kind'],
    to: string,
    strategy: UpdateStrategy,
    trigger: string | undefined,
  ): Tracker {
    this.checkFree(process);
    const now = this.deps.clock.now();
    const from = this.deps.store.get(process).current?.version;
    const id = this.newId();
    const status: UpdateStatus = {
      id,
      process,
      kind,
      ...(from === undefined ? {} : { from }),
      to,
      strategy,
      ...(trigger === undefined ? {} : { trigger }),
      phase: 'pending',
      progress: 0,
      message: `${kind === 'update' ? 'update' : 'rollback'} of ${process} to ${to} queued`,
      startedAt: now,
      updatedAt: now,
    };
    this.running.set(process, id);
    this.board.add(status);
    return new Tracker(
      status,
      this.board,
      () => this.deps.clock.now(),
      () => {
        if (this.running.get(process) === id) this.running.delete(process);
      },
    );
  }

  private refuseWhenClosing(): void {
    if (this.closing)
      throw new DaemonError('shutting_down', 'the daemon is shutting down: no update starts now');
  }

  /** Just before the current version changes: refused once closing, else close() waits for it. */
  private commit(tracker: Tracker): void {
    this.refuseWhenClosing();
    const work = this.works.get(tracker.status.id);
    if (work) work.committed = true;
  }

  /** Runs the work detached; whatever escapes it still ends the status, never an unhandled rejection. */
  private background(tracker: Tracker, work: () => Promise<void>): void {
    const id = tracker.status.id;
    const entry = { done: Promise.resolve(), committed: false };
    this.works.set(id, entry);
    entry.done = work()
      .catch((error: unknown) => {
        this.warn(`${tracker.status.kind} ${id} crashed: ${(error as Error).message}`);
        tracker.fail(error);
      })
      .finally(() => this.works.delete(id));
  }

  private async runUpdate(
    tracker: Tracker,
    config: ProcessConfig,
    release: Release,
    strategy: UpdateStrategy,
    options: UpdateOptions,
  ): Promise<void> {
    const { store } = this.deps;
    const process = config.name;
    const force = options.force === true;
    let before: ProcessVersions;
    let record: VersionRecord;
    /** The record a forced reinstall replaced (its directory is deleted after the deploy). */
    let replaced: VersionRecord | undefined;
    try {
      const tag = release.tag;
      before = store.get(process);
      if (before.current?.version === tag && !force) {
        tracker.set({ phase: 'completed', progress: PROGRESS.done, message: `already at ${tag}` });
        return;
      }
      const installed = before.history.find((r) => r.version === tag && r.removedAt === undefined);
      if (installed && !force) {
        record = installed;
        tracker.set({
          progress: PROGRESS.installed,
          message: `${tag} is already installed; using ${installed.dir}`,
        });
      } else {
        replaced = installed;
        record = await this.install(tracker, config, release, before);
      }
      this.commit(tracker);
      await store.activate(process, tag);
    } catch (error) {
      tracker.fail(error);
      return;
    }

    try {
      await this.deploy(tracker, process, strategy, '', options);
    } catch (error) {
      await this.restore(tracker, process, strategy, options, before, error, replaced, record);
      return;
    }
    if (replaced && resolve(replaced.dir) !== resolve(record.dir)) {
      await this.removeDir(replaced.dir, `${process} ${replaced.version} (replaced by force)`);
    }
    await this.prune(process);
    tracker.set({
      phase: 'completed',
      progress: PROGRESS.done,
      message: `${process} runs ${release.tag}`,
    });
  }

  /** Downloads, verifies, unpacks and records the release; on failure nothing stays behind. */
  private async install(
    tracker: Tracker,
    config: ProcessConfig,
    release: Release,
    before: ProcessVersions,
  ): Promise<VersionRecord> {
    const process = config.name;
    const destDir = await this.freshInstallDir(process, release.tag, before);
    const result = await installRelease({
      github: this.github(config),
      config,
      release,
      destDir,
      downloadsDir: join(this.deps.binariesDir, '.downloads'),
      clock: this.deps.clock,
      platform: this.deps.platform,
      arch: this.deps.arch,
      warn: this.warn,
      onDownloading: (asset) =>
        tracker.set({
          phase: 'downloading',
          progress: 0,
          message: `downloading ${asset.name}`,
          download: { bytes: 0, total: asset.size, rate: 0 },
        }),
      onProgress: (download) =>
        tracker.set({
          download,
          progress:
            download.total === undefined || download.total === 0
              ? 0
              : Math.min(
                  PROGRESS.downloaded,
                  Math.floor((PROGRESS.downloaded * download.bytes) / download.total),
                ),
        }),
      onVerifying: () =>
        tracker.set({
          phase: 'verifying',
          progress: PROGRESS.downloaded,
          message: `verifying the SHA-256 (checksum: ${config.github.checksum})`,
        }),
      onExtracting: () =>
        tracker.set({
          phase: 'extracting',
          progress: PROGRESS.extracting,
          message: `installing into ${destDir}`,
        }),
    });
    const record: VersionRecord = {
      version: release.tag,
      dir: destDir,
      executable: result.executable,
      installedAt: this.deps.clock.now(),
      asset: result.asset,
      sha256: result.sha256,
      verified: result.verified,
      release: { name: release.name, publishedAt: release.publishedAt, htmlUrl: release.htmlUrl },
    };
    try {
      await this.deps.store.recordInstalled(process, record);
    } catch (error) {
      await this.removeDir(destDir, `${process} ${release.tag} (not recorded)`);
      throw error;
    }
    tracker.set({ progress: PROGRESS.installed, message: `installed ${release.tag}` });
    return record;
  }

  private async runRollback(
    tracker: Tracker,
    target: VersionRecord,
    strategy: UpdateStrategy,
    options: DeployOptions,
  ): Promise<void> {
    const process = tracker.status.process;
    const before = this.deps.store.get(process);
    try {
      this.commit(tracker);
      await this.deps.store.activate(process, target.version);
    } catch (error) {
      tracker.fail(error);
      return;
    }
    tracker.set({ progress: PROGRESS.installed, message: `${target.version} is current again` });
    try {
      await this.deploy(tracker, process, strategy, '', options);
    } catch (error) {
      await this.restore(tracker, process, strategy, options, before, error, undefined, target);
      return;
    }
    tracker.set({
      phase: 'completed',
      progress: PROGRESS.done,
      message: `${process} runs ${target.version} again`,
    });
  }

  /**
   * After a failed deploy: current/previous as they were, the replaced record back (force), and a
   * second deploy with the same strategy so the old version serves again.
   */
  private async restore(
    tracker: Tracker,
    process: string,
    strategy: UpdateStrategy,
    options: DeployOptions,
    before: ProcessVersions,
    cause: unknown,
    replaced: VersionRecord | undefined,
    attempted: VersionRecord,
  ): Promise<void> {
    const failure = DaemonError.from(cause);
    const back = before.current?.version ?? 'binary_path';
    const reason = `deploying ${attempted.version} failed: ${failure.message}`;
    tracker.set({ message: `${reason}; restoring ${back}` });
    try {
      if (replaced) await this.deps.store.recordInstalled(process, replaced);
      await this.deps.store.restore(process, before);
      await this.deploy(tracker, process, strategy, `restoring ${back}: `, options);
    } catch (error) {
      const second = DaemonError.from(error);
      tracker.fail(failure, `${reason}; restoring ${back} failed too: ${second.message}`);
      return;
    }
    if (replaced && resolve(replaced.dir) !== resolve(attempted.dir)) {
      await this.removeDir(attempted.dir, `${process} ${attempted.version} (failed reinstall)`);
    }
    tracker.set({
      phase: 'rolled_back',
      progress: PROGRESS.done,
      message: `${reason}; ${process} runs ${back} again`,
      error: { code: failure.code, message: reason },
    });
  }

  /** One deploy; phases it reports after it settled (a late callback) are ignored. */
  private async deploy(
    tracker: Tracker,
    process: string,
    strategy: UpdateStrategy,
    prefix: string,
    options: DeployOptions,
  ): Promise<void> {
    let live = true;
    const onPhase = (phase: DeployPhaseName, message: string): void => {
      if (!live) return;
      // A rolling deploy goes through the phases once per instance: progress never goes back.
      const progress = Math.max(tracker.status.progress, PROGRESS[phase]);
      tracker.set({ phase, progress, message: `${prefix}${message}` });
    };
    onPhase('starting', `deploying (${strategy})`);
    try {
      await this.deps.deploy.deploy(process, strategy, onPhase, deployTimings(options));
    } finally {
      live = false;
    }
  }

  /**
   * binaries/<process>/<tag>/, or <tag>+<n>/ when that is taken by an installed version (force);
   * a directory the store does not know is a crash's leftover and is deleted.
   */
  private async freshInstallDir(
    process: string,
    tag: string,
    before: ProcessVersions,
  ): Promise<string> {
    const base = join(resolve(this.deps.binariesDir), dirName(process), dirName(tag));
    const known = new Set(before.history.map((r) => resolve(r.dir)));
    for (let n = 0; n < MAX_DIR_SUFFIX; n++) {
      const dir = n === 0 ? base : `${base}+${n}`;
      if (!(await exists(dir))) return dir;
      if (!known.has(dir)) {
        await rm(dir, { recursive: true, force: true });
        return dir;
      }
    }
    throw new DaemonError('internal', `no free install directory for ${process} ${tag}`);
  }

  private async prune(process: string): Promise<void> {
    try {
      const keep = this.deps.keepInstalls ?? this.deps.deploy.config(process).github.keep_versions;
      await this.deps.store.prune(process, keep);
    } catch (error) {
      this.warn(`pruning old installs of ${process} failed: ${(error as Error).message}`);
    }
  }

  private async removeDir(dir: string, what: string): Promise<void> {
    try {
      await rm(dir, { recursive: true, force: true });
    } catch (error) {
      this.warn(`cannot delete ${dir} of ${what}: ${(error as Error).message}`);
    }
  }
}

/** The deploy's own timings, only those the caller set. */
function deployTimings(options: DeployOptions): DeployTimings {
  return {
    ...(options.minHealthyMs === undefined ? {} : { minHealthyMs: options.minHealthyMs }),
    ...(options.readyTimeoutMs === undefined ? {} : { readyTimeoutMs: options.readyTimeoutMs }),
  };
}

function checkStrategy(strategy: UpdateStrategy | undefined): UpdateStrategy {
  if (strategy === undefined) return 'rolling';
  if (!UPDATE_STRATEGIES.includes(strategy)) {
    throw new DaemonError(
      'invalid_argument',
      `strategy must be one of ${UPDATE_STRATEGIES.join(', ')} (got "${String(strategy)}")`,
    );
  }
  return strategy;
}

/** A process name or tag as one safe path segment (`release/1.0` → `release_1.0`). */
export function dirName(name: string): string {
  const safe = name.replace(/[^A-Za-z0-9._+-]/g, '_');
  return /^\.*$/.test(safe) ? `_${safe}` : safe.startsWith('.') ? `_${safe}` : safe;
}

async function exists(path: string): Promise<boolean> {
  try {
    await lstat(path);
    return true;
  } catch (error) {
    if (errnoCode(error) === 'ENOENT') return false;
    throw error;
  }
}
