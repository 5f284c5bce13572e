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
 * WatchUpdate's messages from the app's follow stream (the current status first, each change,
 * the end after a terminal status); when the client cancels or the server closes, the stream ends
 * with CANCELED or the server's reason instead of ending cleanly.
 */
export async function* updateStatusMessages(
  statuses: AsyncIterable<UpdateStatusView>,
  signal: AbortSignal,
): AsyncGenerator<UpdateStatusInit> {
  for await (const status of statuses) yield updateStatusMessage(status);
  if (signal.aborted) throw endedBy(signal.reason);
}

function endedBy(reason: unknown): ConnectError {
  return reason instanceof ConnectError
    ? reason
    : new ConnectError('the update stream was cancelled', Code.Canceled);
}
