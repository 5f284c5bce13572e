import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { tempDir } from '../../../test/helpers/temp-dir.js';
import { currentPlatform, DaemonError } from '../../shared/index.js';
import { readIdentity } from '../driver/identity.js';
import type { ProcessIdentity } from '../driver/index.js';
import { acquireDaemonLock } from './daemon-lock.js';

const identify = (pid: number): Promise<ProcessIdentity | undefined> =>
  readIdentity(pid, currentPlatform());

const children: ChildProcess[] = [];
afterEach(async () => {
  for (const child of children.splice(0)) {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGKILL');
      await once(child, 'exit');
    }
  }
});

/** A real, live process that is not this one (the "other daemon"). */
async function otherProcess(): Promise<ProcessIdentity> {
  const child = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1e6)'], { stdio: 'ignore' });
  children.push(child);
  await once(child, 'spawn');
  const identity = await identify(child.pid!);
  if (!identity) throw new Error(`cannot identify child ${child.pid}`);
  return identity;
}

/** The pid of a process that has exited. */
async function deadPid(): Promise<number> {
  const child = spawn(process.execPath, ['-e', ''], { stdio: 'ignore' });
  await once(child, 'exit');
  return child.pid!;
}

function writeLock(dir: string, content: unknown): string {
  const path = join(dir, 'gowinproc.lock');
  writeFileSync(path, typeof content === 'string' ? content : JSON.stringify(content));
  return path;
}

async function lockError(promise: Promise<unknown>): Promise<DaemonError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(DaemonError);
  return error as DaemonError;
}

describe.runIf(process.platform === 'linux')('acquireDaemonLock', () => {
  it('creates <data>/gowinproc.lock holding this pid and start time (creating the data dir)', async () => {
    const dir = join(tempDir(), 'nested', 'data');
    const lock = await acquireDaemonLock(dir, identify);
    expect(lock.path).toBe(join(dir, 'gowinproc.lock'));
    const self = await identify(process.pid);
    expect(JSON.parse(readFileSync(lock.path, 'utf8'))).toEqual({
      pid: process.pid,
      startTime: self!.startTime,
    });
    lock.release();
  });

  it('fails with daemon_locked, naming the pid, while another live daemon holds it', async () => {
    const dir = tempDir();
    const other = await otherProcess();
    const path = writeLock(dir, { pid: other.pid, startTime: other.startTime });
    const error = await lockError(acquireDaemonLock(dir, identify));
    expect(error.code).toBe('daemon_locked');
    expect(error.message).toContain(`pid ${other.pid}`);
    expect(error.details).toEqual({ pid: other.pid, lock: path });
    // the holder's lock is left alone
    expect(JSON.parse(readFileSync(path, 'utf8'))).toEqual({
      pid: other.pid,
      startTime: other.startTime,
    });
  });

  it('treats a lock without a start time as held while its pid lives', async () => {
    const dir = tempDir();
    const other = await otherProcess();
    writeLock(dir, { pid: other.pid });
    expect((await lockError(acquireDaemonLock(dir, identify))).code).toBe('daemon_locked');
  });

  it('takes over a lock whose pid is dead', async () => {
    const dir = tempDir();
    const pid = await deadPid();
    const path = writeLock(dir, { pid, startTime: 'boot:1' });
    const lock = await acquireDaemonLock(dir, identify);
    expect(JSON.parse(readFileSync(path, 'utf8'))).toMatchObject({ pid: process.pid });
    lock.release();
  });

  it('lets exactly one of two daemons starting together take over a stale lock', async () => {
    const dir = tempDir();
    writeLock(dir, { pid: await deadPid(), startTime: 'boot:1' });
    // Each contender sees the stale lock before either has replaced it.
    const slowIdentify = async (pid: number) => {
      await new Promise((resolve) => setTimeout(resolve, 20));
      return identify(pid);
    };
    const results = await Promise.allSettled([
      acquireDaemonLock(dir, slowIdentify),
      acquireDaemonLock(dir, slowIdentify),
    ]);
    const won = results.filter((r) => r.status === 'fulfilled');
    expect(won).toHaveLength(1);
    expect(results.find((r) => r.status === 'rejected')).toMatchObject({
      reason: { code: 'daemon_locked' },
    });
    (won[0] as PromiseFulfilledResult<{ release(): void }>).value.release();
  });

  it('takes over a lock whose pid now belongs to another process (start time differs)', async () => {
    const dir = tempDir();
    const other = await otherProcess();
    const path = writeLock(dir, { pid: other.pid, startTime: `${other.startTime}0` });
    const lock = await acquireDaemonLock(dir, identify);
    expect(JSON.parse(readFileSync(path, 'utf8'))).toMatchObject({ pid: process.pid });
    lock.release();
  });

  it.each([
    ['garbage', 'not json'],
    ['an empty file', ''],
    ['no pid', '{"startTime":"x"}'],
  ])('takes over a lock file holding %s', async (_what, content) => {
    const dir = tempDir();
    writeLock(dir, content);
    const lock = await acquireDaemonLock(dir, identify);
    expect(JSON.parse(readFileSync(lock.path, 'utf8'))).toMatchObject({ pid: process.pid });
    lock.release();
  });

  it('takes the lock once the daemon holding it has exited', async () => {
    const dir = tempDir();
    const other = await otherProcess();
    writeLock(dir, { pid: other.pid, startTime: other.startTime });
    await lockError(acquireDaemonLock(dir, identify));
    const child = children.find((c) => c.pid === other.pid)!;
    child.kill('SIGKILL');
    await once(child, 'exit');
    const lock = await acquireDaemonLock(dir, identify);
    expect(JSON.parse(readFileSync(lock.path, 'utf8'))).toMatchObject({ pid: process.pid });
    lock.release();
  });

  it('release removes the lock file, and may be called twice', async () => {
    const dir = tempDir();
    const lock = await acquireDaemonLock(dir, identify);
    expect(existsSync(lock.path)).toBe(true);
    lock.release();
    expect(existsSync(lock.path)).toBe(false);
    expect(() => lock.release()).not.toThrow();
  });

  it('release leaves alone a lock that another daemon has taken since', async () => {
    const dir = tempDir();
    const lock = await acquireDaemonLock(dir, identify);
    const other = await otherProcess();
    writeLock(dir, { pid: other.pid, startTime: other.startTime });
    lock.release();
    expect(JSON.parse(readFileSync(lock.path, 'utf8'))).toEqual({
      pid: other.pid,
      startTime: other.startTime,
    });
  });

  it('the lock can be taken again after release', async () => {
    const dir = tempDir();
    (await acquireDaemonLock(dir, identify)).release();
    const again = await acquireDaemonLock(dir, identify);
    expect(existsSync(again.path)).toBe(true);
    again.release();
  });

  it('names the data directory when it cannot be created', async () => {
    const dir = tempDir();
    const blocker = join(dir, 'not-a-dir');
    writeFileSync(blocker, 'a file where the data directory should be');
    const error = await lockError(acquireDaemonLock(join(blocker, 'data'), identify));
    expect(error.code).toBe('permission_denied');
    expect(error.message).toContain(`cannot create the data directory ${join(blocker, 'data')}`);
  });
});
