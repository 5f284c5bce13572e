import { Code, ConnectError } from '@connectrpc/connect';
import { describe, expect, it } from 'vitest';
import { updateStatus as status } from '../../../test/helpers/update-status.js';
import type { UpdateStatusView } from '../../app/index.js';
import {
  availableUpdatesMessage,
  rollbackStartedMessage,
  updateAllMessage,
  updateStartedMessage,
  updateStatusMessage,
  updateStatusMessages,
  versionInfoMessage,
} from './update-views.js';

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

describe('updateStatusMessages', () => {
  async function* statuses(...list: UpdateStatusView[]): AsyncGenerator<UpdateStatusView> {
    yield* list;
  }

  it('maps each status of the follow stream to an UpdateStatus message', async () => {
    const got: string[] = [];
    const signal = new AbortController().signal;
    for await (const m of updateStatusMessages(
      statuses(status('starting', 80), status('completed', 100)),
      signal,
    ))
      got.push(`${m.status} ${m.progress}`);
    expect(got).toEqual(['starting 80', 'completed 100']);
  });

  it('ends with CANCELED when the client cancels, or with the server shutdown reason', async () => {
    const cancel = new AbortController();
    cancel.abort();
    const cancelled = updateStatusMessages(statuses(), cancel.signal);
    const error = await cancelled.next().then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(ConnectError);
    expect((error as ConnectError).code).toBe(Code.Canceled);

    const shutdown = new AbortController();
    shutdown.abort(new ConnectError('the daemon is shutting down', Code.Unavailable));
    await expect(updateStatusMessages(statuses(), shutdown.signal).next()).rejects.toMatchObject({
      code: Code.Unavailable,
    });
  });
});
