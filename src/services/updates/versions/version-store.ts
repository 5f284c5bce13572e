/**
 * Which releases of each process are installed, which one runs (current) and which one a
 * rollback returns to (previous), in `<data>/versions.json`. Survives restarts; every change is
 * written atomically before it becomes visible, so memory never runs ahead of the disk.
 *
 * History: each install keeps its release metadata for `gowinproc versions`. Prune deletes an
 * install's directory and keeps its history entry with `removedAt` set (it is then no longer
 * "installed": activate and rollback refuse it, and `force` reinstalls it). The history is
 * bounded by dropping the oldest removed entries; an installed entry is never dropped from it,
 * since its directory could then never be pruned.
 */
import { readFile, rename, rm } from 'node:fs/promises';
import { isAbsolute, relative, resolve, sep } from 'node:path';
import { DaemonError, errnoCode, writeFileAtomic, type Clock } from '../../../shared/index.js';
import type { InstalledVersion } from '../types.js';
import { planPrune } from './prune-plan.js';
import {
  parseVersionsFile,
  serializeVersionsFile,
  type StoredProcessVersions,
  type VersionRecord,
} from './version-file.js';

export interface VersionStoreOptions {
  /** `<data>/versions.json`. */
  file: string;
  /** `binaries/`: every install directory lies inside it, and prune deletes nothing outside it. */
  binariesDir: string;
  clock: Clock;
  /** History entries kept per process (removed installs are dropped beyond it). Default 50. */
  historyLimit?: number;
  /** Where warnings go (a corrupt file moved aside, a directory prune could not delete). */
  warn?: (message: string, fields?: Record<string, unknown>) => void;
}

/** One process's versions, with current/previous resolved to their records. */
export interface ProcessVersions {
  current?: VersionRecord | undefined;
  previous?: VersionRecord | undefined;
  history: VersionRecord[];
}

export type VersionStoreLoadResult =
  { kind: 'ok' } | { kind: 'missing' } | { kind: 'corrupt'; movedTo: string; reason: string };

export const DEFAULT_HISTORY_LIMIT = 50;

export class VersionStore {
  readonly file: string;
  private readonly binariesDir: string;
  private readonly clock: Clock;
  private readonly historyLimit: number;
  private readonly warn: (message: string, fields?: Record<string, unknown>) => void;
  private processes: Map<string, StoredProcessVersions> | undefined;
  /** Changes run one at a time, each computing from the state the previous one committed. */
  private queue: Promise<unknown> = Promise.resolve();

  constructor(options: VersionStoreOptions) {
    this.file = options.file;
    this.binariesDir = resolve(options.binariesDir);
    this.clock = options.clock;
    this.historyLimit = options.historyLimit ?? DEFAULT_HISTORY_LIMIT;
    this.warn = options.warn ?? (() => undefined);
  }

  /** Reads the file; a missing one starts empty, a corrupt one is moved aside and starts empty. */
  async load(): Promise<VersionStoreLoadResult> {
    let text: string;
    try {
      text = await readFile(this.file, 'utf8');
    } catch (error) {
      if (errnoCode(error) !== 'ENOENT')
        throw new DaemonError('internal', `cannot read ${this.file}: ${(error as Error).message}`, {
          cause: error,
        });
      this.processes = new Map();
      return { kind: 'missing' };
    }
    try {
      this.processes = parseVersionsFile(text);
      return { kind: 'ok' };
    } catch (error) {
      const reason = (error as Error).message;
      const movedTo = `${this.file}.corrupt-${this.clock.now()}`;
      await rename(this.file, movedTo).catch(() => undefined);
      this.warn(`${this.file} is corrupt (${reason}); moved to ${movedTo}, starting empty`, {
        movedTo,
        reason,
      });
      this.processes = new Map();
      return { kind: 'corrupt', movedTo, reason };
    }
  }

  /** The process's versions (empty history when nothing was ever installed). A copy. */
  get(process: string): ProcessVersions {
    const entry = this.loaded().get(process);
    if (!entry) return { history: [] };
    const find = (version: string | undefined) =>
      version === undefined ? undefined : copy(entry.history.find((r) => r.version === version));
    return {
      current: find(entry.current),
      previous: find(entry.previous),
      history: entry.history.map(copy),
    };
  }

  /**
   * Records a finished install (not yet running: see activate). Installing a version again
   * (`force`) replaces its entry.
   */
  async recordInstalled(process: string, installed: InstalledVersion): Promise<void> {
    this.checkInstall(installed);
    return this.change((processes) => {
      const entry = processes.get(process) ?? { history: [] };
      const record: VersionRecord = { ...installed };
      delete record.removedAt;
      const history = [record, ...entry.history.filter((r) => r.version !== installed.version)];
      // Stable: among equal installedAt the one just recorded stays first.
      history.sort((a, b) => b.installedAt - a.installedAt);
      return withEntry(processes, process, { ...entry, history: this.bound(history) });
    });
  }

  /** Makes an installed version current; the old current becomes previous. */
  activate(process: string, version: string): Promise<VersionRecord> {
    return this.change((processes) => {
      const entry = processes.get(process) ?? { history: [] };
      const record = installedRecord(process, entry, version);
      if (entry.current === version) return { processes, result: copy(record) };
      const next: StoredProcessVersions = { ...entry, current: version };
      if (entry.current === undefined) delete next.previous;
      else next.previous = entry.current;
      return { processes: withEntry(processes, process, next), result: copy(record) };
    });
  }

  /**
   * Puts current/previous back as a snapshot from `get` had them (an update that failed after
   * activate, including a first install over binary_path: then no version is current).
   */
  restore(process: string, snapshot: Pick<ProcessVersions, 'current' | 'previous'>): Promise<void> {
    return this.change((processes) => {
      const entry = processes.get(process) ?? { history: [] };
      const next: StoredProcessVersions = { history: entry.history };
      if (snapshot.current)
        next.current = installedRecord(process, entry, snapshot.current.version).version;
      if (snapshot.previous)
        next.previous = installedRecord(process, entry, snapshot.previous.version).version;
      return withEntry(processes, process, next);
    });
  }

  /** What a rollback runs: the given installed version, else the previous one. */
  rollbackTarget(process: string, version?: string): VersionRecord {
    const entry = this.loaded().get(process) ?? { history: [] };
    const target = version ?? entry.previous;
    if (target === undefined)
      throw new DaemonError(
        'invalid_argument',
        `${process} has no previous version to roll back to`,
        { details: { process } },
      );
    if (target === entry.current)
      throw new DaemonError('invalid_argument', `${process} already runs ${target}`, {
        details: { process, version: target },
      });
    return copy(installedRecord(process, entry, target));
  }

  /**
   * Deletes the installs beyond the `keep` newest, never the current or previous one. The store
   * marks them removed first, then deletes: a crash in between leaves an orphan directory, never
   * a version that claims to be installed without its files. A directory that cannot be deleted
   * (a file still in use on Windows) stays installed, so a later prune retries it.
   * Returns the directories deleted.
   */
  async prune(process: string, keep: number): Promise<string[]> {
    if (!Number.isInteger(keep) || keep < 0)
      throw new DaemonError('invalid_argument', `keep must be a whole number ≥ 0 (got ${keep})`);
    const doomed = await this.change((processes) => {
      const entry = processes.get(process);
      if (!entry) return { processes, result: [] as VersionRecord[] };
      const planned = planPrune(entry, keep).filter((record) => {
        if (this.isInsideBinaries(record.dir)) return true;
        this.warn(
          `not pruning ${process} ${record.version}: ${record.dir} is outside ${this.binariesDir}`,
        );
        return false;
      });
      if (planned.length === 0) return { processes, result: planned };
      const now = this.clock.now();
      const versions = new Set(planned.map((r) => r.version));
      const history = entry.history.map((r) =>
        versions.has(r.version) ? { ...r, removedAt: now } : r,
      );
      return {
        processes: withEntry(processes, process, { ...entry, history: this.bound(history) }),
        result: planned,
      };
    });
    const removed: string[] = [];
    const failed: VersionRecord[] = [];
    for (const record of doomed) {
      try {
        await rm(record.dir, { recursive: true, force: true });
        removed.push(record.dir);
      } catch (error) {
        this.warn(
          `cannot delete ${record.dir} (${process} ${record.version}): ${(error as Error).message}`,
        );
        failed.push(record);
      }
    }
    if (failed.length > 0) await this.unmarkRemoved(process, failed);
    return removed;
  }

  private unmarkRemoved(process: string, records: VersionRecord[]): Promise<void> {
    return this.change((processes) => {
      const entry = processes.get(process) ?? { history: [] };
      const versions = new Set(records.map((r) => r.version));
      const present = new Set(entry.history.map((r) => r.version));
      const history = entry.history.map((r) => {
        if (!versions.has(r.version)) return r;
        const back = { ...r };
        delete back.removedAt;
        return back;
      });
      // An entry the history bound dropped meanwhile comes back: its directory still exists.
      for (const record of records) if (!present.has(record.version)) history.push(copy(record));
      history.sort((a, b) => b.installedAt - a.installedAt);
      return withEntry(processes, process, { ...entry, history });
    });
  }

  /** Drops the oldest removed entries beyond the limit; installed ones always stay. */
  private bound(history: VersionRecord[]): VersionRecord[] {
    let excess = history.length - this.historyLimit;
    if (excess <= 0) return history;
    const result = [...history];
    for (let i = result.length - 1; i >= 0 && excess > 0; i--) {
      if (result[i]?.removedAt === undefined) continue;
      result.splice(i, 1);
      excess--;
    }
    return result;
  }

  private checkInstall(installed: InstalledVersion): void {
    const bad = (message: string) =>
      new DaemonError('invalid_argument', `${installed.version}: ${message}`, {
        details: { version: installed.version },
      });
    if (installed.version === '') throw bad('the version is empty');
    if (!isAbsolute(installed.dir) || !this.isInsideBinaries(installed.dir))
      throw bad(`install dir ${installed.dir} is not inside ${this.binariesDir}`);
    if (!isAbsolute(installed.executable) || !isInside(installed.dir, installed.executable))
      throw bad(`executable ${installed.executable} is not inside ${installed.dir}`);
  }

  private isInsideBinaries(dir: string): boolean {
    return isInside(this.binariesDir, dir);
  }

  private loaded(): Map<string, StoredProcessVersions> {
    if (!this.processes) throw new DaemonError('internal', 'VersionStore used before load()');
    return this.processes;
  }

  /**
   * Runs a change after the previous one: compute the next state, write it, and only then make it
   * the store's state. A failed write leaves both the file and memory as they were.
   */
  private change<T = void>(
    apply: (
      processes: Map<string, StoredProcessVersions>,
    ) =>
      | Map<string, StoredProcessVersions>
      | { processes: Map<string, StoredProcessVersions>; result: T },
  ): Promise<T> {
    const run = async (): Promise<T> => {
      const before = this.loaded();
      const outcome = apply(before);
      const [next, result] =
        outcome instanceof Map ? [outcome, undefined as T] : [outcome.processes, outcome.result];
      if (next === before) return result;
      try {
        await writeFileAtomic(this.file, serializeVersionsFile(next, this.clock.now()), 0o600);
      } catch (error) {
        throw new DaemonError(
          'internal',
          `cannot write ${this.file}: ${(error as Error).message}`,
          {
            cause: error,
          },
        );
      }
      this.processes = next;
      return result;
    };
    const done = this.queue.then(run, run);
    this.queue = done.catch(() => undefined);
    return done;
  }
}

function installedRecord(
  process: string,
  entry: StoredProcessVersions,
  version: string,
): VersionRecord {
  const record = entry.history.find((r) => r.version === version);
  if (!record || record.removedAt !== undefined) {
    const installed = entry.history.filter((r) => r.removedAt === undefined).map((r) => r.version);
    throw new DaemonError(
      'invalid_argument',
      `${process} ${version} is not installed (installed: ${installed.join(', ') || 'none'})`,
      { details: { process, version, installed } },
    );
  }
  return record;
}

function withEntry(
  processes: Map<string, StoredProcessVersions>,
  process: string,
  entry: StoredProcessVersions,
): Map<string, StoredProcessVersions> {
  return new Map(processes).set(process, entry);
}

function isInside(parent: string, child: string): boolean {
  const rel = relative(resolve(parent), resolve(child));
  return rel !== '' && !rel.startsWith(`..${sep}`) && rel !== '..' && !isAbsolute(rel);
}

function copy<T extends VersionRecord | undefined>(record: T): T {
  if (record === undefined) return record;
  return { ...record, ...(record.release ? { release: { ...record.release } } : {}) };
}
