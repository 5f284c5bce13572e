/**
 * proto.ProcessManager over the app facade, mirroring the REST process routes call for call so
 * both edges behave the same: the same use cases, the same checks on the input (process names of
 * 1 to 200 characters, instance counts 0 to 1000), the same DaemonErrors (mapped by the error
 * interceptor). The update RPCs answer UNIMPLEMENTED until their feature exists.
 */
import type { ServiceImpl } from '@connectrpc/connect';
import type { App } from '../../app/index.js';
import type { Config } from '../../config/index.js';
import type { ProcessManager } from '../../gen/proto/process_manager_pb.js';
import { DaemonError } from '../../shared/index.js';
import {
  aggregatedMetricsMessage,
  eventMessage,
  processInfoMessage,
  processMetricsMessage,
  type SupervisorEvent,
} from './proto-views.js';
import { bufferedEvents } from './watch-events.js';

export interface ProcessManagerOptions {
  app: App;
  /** The daemon's current config (certificate paths, secrets sources). */
  config: () => Config;
  /** WatchEvents queue bound per client (default 1000). */
  maxQueuedEvents?: number;
}

const MAX_NAME_LENGTH = 200;
const MAX_INSTANCES = 1000;

export function processManagerService(
  options: ProcessManagerOptions,
): ServiceImpl<typeof ProcessManager> {
  const { app } = options;
  const info = (name: string) => processInfoMessage(app.processes.get(name), options.config());
  return {
    listProcesses() {
      const { processes, count } = app.processes.list();
      return { processNames: processes, count };
    },
    getProcess(request) {
      return info(processName(request.processName));
    },
    async startProcess(request) {
      const name = processName(request.processName);
      await app.processes.start(name);
      return info(name);
    },
    async stopProcess(request) {
      const name = processName(request.processName);
      await app.processes.stop(name, {
        instanceId: optional(request.instanceId),
        all: request.all || undefined,
      });
      return {};
    },
    async restartProcess(request) {
      const name = processName(request.processName);
      await app.processes.restart(name, { instanceId: optional(request.instanceId) });
      return info(name);
    },
    async scaleProcess(request) {
      const name = processName(request.processName);
      const target = request.targetInstances;
      if (target < 0 || target > MAX_INSTANCES) {
        throw new DaemonError(
          'invalid_argument',
          `invalid request: target_instances must be between 0 and ${MAX_INSTANCES}, got ${target}`,
          { details: { fields: ['target_instances'] } },
        );
      }
      await app.processes.scale(name, target);
      return info(name);
    },
    async listRepositories() {
      const repositories = await app.repositories.list();
      return { repositories, count: repositories.length };
    },
    async *watchEvents(request, context) {
      const only = request.processName;
      if (only !== '') app.processes.status(processName(only));
      const events = bufferedEvents<SupervisorEvent>(
        (listener) =>
          app.subscribe((event) => {
            if (only === '' || event.process === only) listener(event);
          }),
        context.signal,
        options.maxQueuedEvents,
      );
      for await (const event of events) yield eventMessage(event);
    },
    getMetrics(request) {
      const name = request.processName === '' ? undefined : processName(request.processName);
      const { instances, aggregated } = app.metrics.current(name, optional(request.instanceId));
      return {
        processName: request.processName,
        instances: instances.map(processMetricsMessage),
        aggregated: aggregatedMetricsMessage(aggregated),
      };
    },
    updateAllProcesses: () => notYet('UpdateAllProcesses', UPDATES),
    updateProcess: () => notYet('UpdateProcess', UPDATES),
    getProcessVersion: () => notYet('GetProcessVersion', UPDATES),
    listAvailableUpdates: () => notYet('ListAvailableUpdates', UPDATES),
    rollbackProcess: () => notYet('RollbackProcess', UPDATES),
    // eslint-disable-next-line require-yield -- refuses before the first message
    async *watchUpdate() {
      notYet('WatchUpdate', UPDATES);
    },
  };
}

const UPDATES = 'updates arrive with the GitHub hot-deploy feature';

function notYet(rpc: string, why: string): never {
  throw new DaemonError(
    'not_implemented',
    `${rpc} is not available in this version of gowinproc: ${why}; nothing was done`,
  );
}

/** The REST routes' rule for `:name` (schemas.ts processName), with the proto's field name. */
function processName(value: string): string {
  if (value === '') {
    throw new DaemonError('invalid_argument', 'invalid request: process_name is required', {
      details: { fields: ['process_name'] },
    });
  }
  if (value.length > MAX_NAME_LENGTH) {
    throw new DaemonError(
      'invalid_argument',
      `invalid request: process_name is longer than ${MAX_NAME_LENGTH} characters`,
      { details: { fields: ['process_name'] } },
    );
  }
  return value;
}

/** proto3 strings have no "unset": empty means not given, as an absent JSON field in REST. */
function optional(value: string): string | undefined {
  return value === '' ? undefined : value;
}
