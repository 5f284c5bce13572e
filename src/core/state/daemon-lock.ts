/**
 * One daemon per data directory. The lock file holds the owner's pid and OS start time; a lock
 * whose owner is gone (or whose pid now belongs to another process) is stale and taken over.
 * The file is written beside the lock and hard-linked into place, so no reader ever sees it
 * half-written; a stale lock is removed under a takeover token, so two daemons starting together
 * cannot both win.
 */
import { linkSync, mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { DaemonError, errnoCode } from '../../shared/index.js';
import type { ProcessIdentity } from '../driver/index.js';

export interface DaemonLock {
  path: string;
  release(): void;
}

interface LockContent {
  pid: number;
  startTime: string;
}

export async function acquireDaemonLock(
  dataDir: string,
  identify: (pid: number) => Promise<ProcessIdentity | undefined>,
): Promise<DaemonLock> {
  try {
    mkdirSync(dataDir, { recursive: true });
  } catch (error) {
    throw new DaemonError(
      'permission_denied',
      `cannot create the data directory ${dataDir} (${errnoCode(error) ?? (error as Error).message}); set paths.data or --data`,
      { cause: error },
    );
  }
  const path = join(dataDir, 'gowinproc.lock');
  const self = await identify(process.pid);
  const content: LockContent = { pid: process.pid, startTime: self?.startTime ?? '' };
  const staging = `${path}.${process.pid}`;
  writeFileSync(staging, JSON.stringify(content), { mode: 0o600 });
  try {
    for (let attempt = 0; attempt < 40; attempt++) {
      try {
        linkSync(staging, path);
        return { path, release: () => releaseIfOurs(path, content) };
      } catch (error) {
        if (errnoCode(error) !== 'EEXIST') {
          throw new DaemonError(
            'daemon_locked',
            `cannot create the lock file ${path}: ${(error as Error).message}`,
            { cause: error },
          );
        }
      }
      const holder = readLock(path);
      if (holder !== undefined && (await isLive(holder, content, identify))) {
        throw new DaemonError(
          'daemon_locked',
          `another gowinproc daemon (pid ${holder.pid}) is already running on the data directory ${dataDir}; stop it first, or use another --data directory`,
          { details: { pid: holder.pid, lock: path } },
        );
      }
      await removeStaleLock(path, holder);
    }
    throw new DaemonError('daemon_locked', `could not take the lock ${path}`);
  } finally {
    rmSync(staging, { force: true });
  }
}

/**
 * Removes a stale lock, but only the one judged stale: two daemons may judge it at once, and the
 * slower one must not delete the lock the faster one has just taken. A takeover token (created
 * exclusively) lets one contender at a time re-read and remove it.
 */
async function removeStaleLock(path: string, judged: LockContent | undefined): Promise<void> {
  const token = `${path}.takeover`;
  try {
    writeFileSync(token, String(process.pid), { flag: 'wx', mode: 0o600 });
  } catch {
    // Another daemon is taking over: give it a moment, then look again. A token left by a
    // daemon that died in these few lines is removed once it is old.
    if (
      Date.now() - (statSync(token, { throwIfNoEntry: false })?.mtimeMs ?? Date.now()) >
      TAKEOVER_STALE_MS
    )
      rmSync(token, { force: true });
    await new Promise((resolve) => setTimeout(resolve, 50));
    return;
  }
  try {
    const now = readLock(path);
    if (
      now === undefined
        ? judged === undefined
        : judged !== undefined && now.pid === judged.pid && now.startTime === judged.startTime
    ) {
      rmSync(path, { force: true });
    }
  } finally {
    rmSync(token, { force: true });
  }
}

const TAKEOVER_STALE_MS = 10_000;

function releaseIfOurs(path: string, ours: LockContent): void {
  const held = readLock(path);
  if (held && held.pid === ours.pid && held.startTime === ours.startTime)
    rmSync(path, { force: true });
}

function readLock(path: string): LockContent | undefined {
  try {
    const parsed = JSON.parse(readFileSync(path, 'utf8')) as Partial<LockContent>;
    return typeof parsed.pid === 'number'
      ? { pid: parsed.pid, startTime: String(parsed.startTime ?? '') }
      : undefined;
  } catch {
    return undefined;
  }
}

/** The holder still runs: same pid and start time (our own process included: two daemons in one process). */
async function isLive(
  holder: LockContent,
  self: LockContent,
  identify: (pid: number) => Promise<ProcessIdentity | undefined>,
): Promise<boolean> {
  if (holder.pid === self.pid) return holder.startTime === self.startTime;
  const now = await identify(holder.pid);
  if (!now) return false;
  return holder.startTime === '' || now.startTime === holder.startTime;
}
