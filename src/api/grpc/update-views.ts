/**
 * The update RPCs' side of the gRPC edge: the app's update views as grpc.md's messages, and the
 * stream of statuses WatchUpdate sends. What the messages have no field for stays in REST only:
 * an entry's message in UpdateAllProcesses, why the latest version could not be read in
 * GetProcessVersion (latest_version is then ""), the install history. The status `pending` (the
 * instant between the start and the first step) goes out as it is, beside grpc.md's values.
 */
import type { MessageInitShape } from '@bufbuild/protobuf';
import { Code, ConnectError } from '@connectrpc/connect';
import type {
  AvailableUpdateView,
  ProcessVersionView,
  RollbackStartedView,
  UpdateAllView,
  UpdateStartedView,
  UpdateStatusView,
} from '../../app/index.js';
import type {
  ListUpdatesResponseSchema,
  RollbackResponseSchema,
  UpdateResponseSchema,
  UpdateStatusSchema,
  VersionInfoSchema,
} from '../../gen/proto/process_manager_pb.js';

type UpdateResponseInit = MessageInitShape<typeof UpdateResponseSchema>;
type VersionInfoInit = MessageInitShape<typeof VersionInfoSchema>;
type ListUpdatesResponseInit = MessageInitShape<typeof ListUpdatesResponseSchema>;
type RollbackResponseInit = MessageInitShape<typeof RollbackResponseSchema>;
type UpdateStatusInit = MessageInitShape<typeof UpdateStatusSchema>;

/** The statuses after which an update changes no more: WatchUpdate ends with them. */
const TERMINAL: ReadonlySet<UpdateStatusView['status']> = new Set([
  'completed',
  'failed',
  'rolled_back',
]);

/** UpdateProcess's answer: one entry, `started`, with the app's rough estimate. */
export function updateStartedMessage(view: UpdateStartedView): UpdateResponseInit {
  return {
    success: true,
    message: view.message,
    updateId: view.update_id,
    processes: [
      {
        name: view.process,
        currentVersion: view.current_version,
        targetVersion: view.target_version,
        status: 'started',
        estimatedDuration: view.estimated_duration,
      },
    ],
  };
}

/** UpdateAllProcesses's answer: an entry per process with a repository; each status as the app's. */
export function updateAllMessage(view: UpdateAllView): UpdateResponseInit {
  return {
    success: view.success,
    message: view.message,
    updateId: view.updateId,
    processes: view.processes.map((entry) => ({
      name: entry.name,
      currentVersion: entry.current_version,
      targetVersion: entry.target_version,
      status: entry.status,
      estimatedDuration: entry.estimated_duration,
    })),
  };
}

export function versionInfoMessage(view: ProcessVersionView): VersionInfoInit {
  return {
    processName: view.process,
    currentVersion: view.current_version,
    latestVersion: view.latest_version,
    updateAvailable: view.update_available,
    instances: view.instances.map((instance) => ({
      id: instance.id,
      version: instance.version,
      uptime: BigInt(Math.max(0, Math.floor(instance.uptime))),
    })),
  };
}

export function availableUpdatesMessage(updates: AvailableUpdateView[]): ListUpdatesResponseInit {
  return {
    updates: updates.map((update) => ({
      processName: update.processName,
      currentVersion: update.currentVersion,
      latestVersion: update.latestVersion,
      releaseDate: update.releaseDate,
      releaseNotes: update.releaseNotes,
      upToDate: update.upToDate,
    })),
  };
}

export function rollbackStartedMessage(view: RollbackStartedView): RollbackResponseInit {
  return {
    success: true,
    processName: view.process,
    fromVersion: view.from_version,
    toVersion: view.to_version,
    rollbackId: view.rollback_id,
  };
}

export function updateStatusMessage(view: UpdateStatusView): UpdateStatusInit {
  return {
    updateId: view.update_id,
    processName: view.process_name,
    status: view.status,
    progress: Math.min(100, Math.max(0, Math.round(view.progress))),
    message: view.message,
    timestamp: BigInt(Math.floor(view.timestamp)),
  };
}

/**
 * WatchUpdate's statuses: the current one first (`watch` calls its listener at once; it throws
 * not_found for an unknown id), then each change, ending after a terminal status. The stream
 * ends early when `signal` aborts (the client cancelled, or the server closes with its reason);
 * either way the watch is unsubscribed.
 *
 * A client that reads slower than the statuses arrive gets, within a phase, only the newest
 * status (a download reports progress many times a second): every phase change and the final
 * status still arrive, and the queue stays as short as the update's list of phases, so a stalled
 * client cannot grow the daemon's memory.
 */
export async function* updateStatusStream(
  watch: (listener: (status: UpdateStatusView) => void) => () => void,
  signal: AbortSignal,
): AsyncGenerator<UpdateStatusView> {
  const queue: UpdateStatusView[] = [];
  let wake: (() => void) | undefined;
  const unsubscribe = watch((status) => {
    const last = queue.at(-1);
    if (last !== undefined && last.status === status.status) queue[queue.length - 1] = status;
    else queue.push(status);
    wake?.();
  });
  const onAbort = (): void => wake?.();
  signal.addEventListener('abort', onAbort);
  try {
    for (;;) {
      if (signal.aborted) throw endedBy(signal.reason);
      const next = queue.shift();
      if (next !== undefined) {
        yield next;
        if (TERMINAL.has(next.status)) return;
        continue;
      }
      await new Promise<void>((resolve) => (wake = resolve));
      wake = undefined;
    }
  } finally {
    unsubscribe();
    signal.removeEventListener('abort', onAbort);
  }
}

function endedBy(reason: unknown): ConnectError {
  return reason instanceof ConnectError
    ? reason
    : new ConnectError('the update stream was cancelled', Code.Canceled);
}
