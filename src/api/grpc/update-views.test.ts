import { Code, ConnectError } from '@connectrpc/connect';
import { describe, expect, it } from 'vitest';
import type { UpdateStatusView } from '../../app/index.js';
import { DaemonError } from '../../shared/index.js';
import {
  availableUpdatesMessage,
  rollbackStartedMessage,
  updateAllMessage,
  updateStartedMessage,
  updateStatusMessage,
  updateStatusStream,
  versionInfoMessage,
} from './update-views.js';

function status(
  phase: UpdateStatusView['status'],
  progress: number,
  message: string = phase,
): UpdateStatusView {
  return {
    update_id: 'u1',
    process_name: 'web',
    status: phase,
    progress,
    message,
    timestamp: 1_700_000_000_123 + progress,
    kind: 'update',
    from_version: 'v1',
    to_version: 'v2',
    strategy: 'rolling',
    started_at: 1_700_000_000_000,
  };
}

/** A watch the test drives: `emit` is the update service telling its listeners. */
function fakeWatch(initial: UpdateStatusView) {
  const listeners = new Set<(s: UpdateStatusView) => void>();
  return {
    listeners,
    emit: (s: UpdateStatusView) => listeners.forEach((l) => l(s)),
    watch: (listener: (s: UpdateStatusView) => void) => {
      listener(initial);
      listeners.add(listener);
      return () => void listeners.delete(listener);
    },
  };
}

describe('update views', () => {
  it('maps the started, rollback, version and available views field by field', () => {
    expect(
      updateStartedMessage({
        message: 'update started',
        process: 'web',
        update_id: 'u1',
        current_version: 'v1',
        target_version: 'v2',
        estimated_duration: 4,
      }),
    ).toEqual({
      success: true,
      message: 'update started',
      updateId: 'u1',
      processes: [
        {
          name: 'web',
          currentVersion: 'v1',
          targetVersion: 'v2',
          status: 'started',
          estimatedDuration: 4,
        },
      ],
    });
    expect(
      rollbackStartedMessage({
        message: 'rollback started',
        process: 'web',
        rollback_id: 'r1',
        from_version: 'v2',
        to_version: 'v1',
      }),
    ).toEqual({
      success: true,
      processName: 'web',
      fromVersion: 'v2',
      toVersion: 'v1',
      rollbackId: 'r1',
    });
    expect(
      versionInfoMessage({
        process: 'web',
        current_version: 'v1',
        previous_version: '',
        latest_version: 'v2',
        update_available: true,
        repository: 'acme/web',
        instances: [{ id: 'web-0-a', version: 'v1', uptime: 12.7 }],
        history: [],
      }),
    ).toEqual({
      processName: 'web',
      currentVersion: 'v1',
      latestVersion: 'v2',
      updateAvailable: true,
      instances: [{ id: 'web-0-a', version: 'v1', uptime: 12n }],
    });
    expect(
      availableUpdatesMessage([
        {
          processName: 'web',
          currentVersion: 'v1',
          latestVersion: 'v2',
          releaseDate: '2026-01-02T03:04:05Z',
          releaseNotes: 'notes',
          upToDate: false,
          repository: 'acme/web',
          releaseUrl: 'https://github.com/acme/web/releases/v2',
        },
      ]),
    ).toEqual({
      updates: [
        {
          processName: 'web',
          currentVersion: 'v1',
          latestVersion: 'v2',
          releaseDate: '2026-01-02T03:04:05Z',
          releaseNotes: 'notes',
          upToDate: false,
        },
      ],
    });
  });

  it('keeps each UpdateAllProcesses entry with its own status', () => {
    const message = updateAllMessage({
      success: false,
      message: '1 update(s) started, 1 up to date, 1 failed',
      updateId: 'u1',
      processes: [
        {
          name: 'a',
          current_version: 'v1',
          target_version: 'v2',
          status: 'started',
          estimated_duration: 6,
          update_id: 'u1',
        },
        {
          name: 'b',
          current_version: 'v2',
          target_version: 'v2',
          status: 'up_to_date',
          estimated_duration: 3,
        },
        {
          name: 'c',
          current_version: '',
          target_version: '',
          status: 'failed',
          estimated_duration: 3,
          message: 'no release',
        },
      ],
    });
    expect(message.success).toBe(false);
    expect(message.updateId).toBe('u1');
    expect(message.processes?.map((p) => [p.name, p.status, p.estimatedDuration])).toEqual([
      ['a', 'started', 6],
      ['b', 'up_to_date', 3],
      ['c', 'failed', 3],
    ]);
  });

  it('writes a status with unix ms as int64 and progress within 0-100', () => {
    expect(updateStatusMessage(status('downloading', 42.6))).toEqual({
      updateId: 'u1',
      processName: 'web',
      status: 'downloading',
      progress: 43,
      message: 'downloading',
      timestamp: 1_700_000_000_165n,
    });
    expect(updateStatusMessage(status('completed', 100.4)).progress).toBe(100);
  });
});

describe('updateStatusStream', () => {
  it('sends the current status, each change, and ends after a terminal one, unsubscribed', async () => {
    const source = fakeWatch(status('pending', 0));
    const stream = updateStatusStream(source.watch, new AbortController().signal);
    expect((await stream.next()).value).toMatchObject({ status: 'pending' });
    expect(source.listeners.size).toBe(1);
    const next = stream.next();
    source.emit(status('downloading', 10));
    expect((await next).value).toMatchObject({ status: 'downloading', progress: 10 });
    source.emit(status('extracting', 65));
    source.emit(status('completed', 100));
    source.emit(status('failed', 100)); // nothing after the end
    expect((await stream.next()).value).toMatchObject({ status: 'extracting' });
    expect((await stream.next()).value).toMatchObject({ status: 'completed' });
    expect(await stream.next()).toEqual({ done: true, value: undefined });
    expect(source.listeners.size).toBe(0);
  });

  it('gives a slow reader the newest status of each phase, never dropping a phase', async () => {
    const source = fakeWatch(status('downloading', 0));
    const stream = updateStatusStream(source.watch, new AbortController().signal);
    expect((await stream.next()).value).toMatchObject({ status: 'downloading', progress: 0 });
    // The reader reads nothing while these arrive.
    for (let progress = 1; progress <= 60; progress++) source.emit(status('downloading', progress));
    source.emit(status('starting', 80, 'instance 0'));
    source.emit(status('starting', 80, 'instance 1'));
    source.emit(status('health_check', 85));
    source.emit(status('starting', 80, 'instance 2'));
    source.emit(status('rolled_back', 100));
    const got: string[] = [];
    for await (const s of stream) got.push(`${s.status} ${s.progress} ${s.message}`);
    expect(got).toEqual([
      'downloading 60 downloading',
      'starting 80 instance 1',
      'health_check 85 health_check',
      'starting 80 instance 2',
      'rolled_back 100 rolled_back',
    ]);
  });

  it('ends at once when the status is already terminal (a late watcher)', async () => {
    const source = fakeWatch(status('failed', 100));
    const got: string[] = [];
    for await (const s of updateStatusStream(source.watch, new AbortController().signal))
      got.push(s.status);
    expect(got).toEqual(['failed']);
    expect(source.listeners.size).toBe(0);
  });

  it('lets the not_found of an unknown id through', async () => {
    const stream = updateStatusStream(() => {
      throw new DaemonError('not_found', 'no update with id "x"');
    }, new AbortController().signal);
    await expect(stream.next()).rejects.toMatchObject({ code: 'not_found' });
  });

  it('ends with CANCELED when the client cancels, or with the server shutdown reason', async () => {
    const source = fakeWatch(status('starting', 80));
    const abort = new AbortController();
    const stream = updateStatusStream(source.watch, abort.signal);
    await stream.next();
    const waiting = stream.next();
    abort.abort();
    const cancelled = await waiting.then(
      () => undefined,
      (error: unknown) => error,
    );
    expect(cancelled).toBeInstanceOf(ConnectError);
    expect((cancelled as ConnectError).code).toBe(Code.Canceled);
    expect(source.listeners.size).toBe(0);

    const shutdown = new AbortController();
    const second = fakeWatch(status('starting', 80));
    const serverStream = updateStatusStream(second.watch, shutdown.signal);
    await serverStream.next();
    shutdown.abort(new ConnectError('the daemon is shutting down', Code.Unavailable));
    await expect(serverStream.next()).rejects.toMatchObject({ code: Code.Unavailable });
    expect(second.listeners.size).toBe(0);
  });
});
