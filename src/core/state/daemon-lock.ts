/**
 * One daemon per data directory. The lock file holds the owner's pid and OS start time; a lock
 * whose owner is gone (or whose pid now belongs to another process) is stale and taken over.
 */
import { mkdirSync, openSync, readFileSync, rmSync, writeSync, closeSync } from 'node:fs';
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
  mkdirSync(dataDir, { recursive: true });
  const path = join(dataDir, 'gowinproc.lock');
  const self = await identify(process.pid);
  const content: LockContent = { pid: process.pid, startTime: self?.startTime ?? '' };
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const fd = openSync(path, 'wx', 0o600);
      writeSync(fd, JSON.stringify(content));
      closeSync(fd);
      return {
        path,
        release: () => {
          try {
            const held = JSON.parse(readFileSync(path, 'utf8')) as LockContent;
            if (held.pid === process.pid) rmSync(path, { force: true });
          } catch {
            // already gone
          }
        },
      };
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
    const alive = holder !== undefined && (await isSameProcess(holder, identify));
    if (alive) {
      throw new DaemonError(
        'daemon_locked',
        `another gowinproc daemon (pid ${holder.pid}) is already running on the data directory ${dataDir}; stop it first, or use another --data directory`,
        { details: { pid: holder.pid, lock: path } },
      );
    }
    rmSync(path, { force: true }); // stale: its owner is gone
  }
  throw new DaemonError('daemon_locked', `could not take the lock ${path}`);
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

async function isSameProcess(
  holder: LockContent,
  identify: (pid: number) => Promise<ProcessIdentity | undefined>,
): Promise<boolean> {
  if (holder.pid === process.pid) return false;
  const now = await identify(holder.pid);
  if (!now) return false;
  return holder.startTime === '' || now.startTime === holder.startTime;
}
