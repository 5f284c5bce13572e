/**
 * proto.ProcessManager over the app facade, mirroring the REST process routes call for call so
 * both edges behave the same: the same use cases, the same checks on the input (process names of
 * 1 to 200 characters, instance counts 0 to 1000), the same DaemonErrors (mapped by the error
 * interceptor). The update RPCs run over app.updates (UNIMPLEMENTED from the app when the daemon
 * has no update machinery).
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
import {
  availableUpdatesMessage,
  rollbackStartedMessage,
  updateAllMessage,
  updateStartedMessage,
  updateStatusMessages,
  versionInfoMessage,
} from './update-views.js';
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
    async updateAllProcesses(request) {
      return updateAllMessage(
        await app.updates.updateAll({
          strategy: strategy(request.strategy),
          force: request.force || undefined,
          timeout: seconds(request.timeout, 'timeout'),
          healthCheckDelay: seconds(request.healthCheckDelay, 'health_check_delay'),
        }),
      );
    },
    async updateProcess(request) {
      const name = processName(request.processName);
      return updateStartedMessage(
        await app.updates.update(name, {
          version: version(request.version),
          force: request.force || undefined,
          strategy: strategy(request.strategy),
          instances: instanceIndexes(request.instances),
        }),
      );
    },
    async getProcessVersion(request) {
      return versionInfoMessage(await app.updates.version(processName(request.processName)));
    },
    async listAvailableUpdates() {
      return availableUpdatesMessage((await app.updates.available()).updates);
    },
    async rollbackProcess(request) {
      const name = processName(request.processName);
      return rollbackStartedMessage(
        await app.updates.rollback(name, { version: version(request.version) }),
      );
    },
    async *watchUpdate(request, context) {
      const id = updateId(request.updateId);
      yield* updateStatusMessages(app.updates.follow(id, context.signal), context.signal);
    },
  };
}

/** The REST schemas' bounds (pending-schemas.ts), with the proto's field names. */
const MAX_VERSION_LENGTH = 200;
const MAX_STRATEGY_LENGTH = 50;
const MAX_UPDATE_ID_LENGTH = 200;

function invalid(field: string, message: string): DaemonError {
  return new DaemonError('invalid_argument', `invalid request: ${field} ${message}`, {
    details: { fields: [field] },
  });
}

/** Empty: the latest release (UpdateProcess) or the previous version (RollbackProcess). */
function version(value: string): string | undefined {
  if (value.length > MAX_VERSION_LENGTH)
    throw invalid('version', `is longer than ${MAX_VERSION_LENGTH} characters`);
  return optional(value);
}

/** Empty: the process's github.strategy; the app refuses a name it does not know. */
function strategy(value: string): string | undefined {
  if (value.length > MAX_STRATEGY_LENGTH)
    throw invalid('strategy', `is longer than ${MAX_STRATEGY_LENGTH} characters`);
  return optional(value);
}

function updateId(value: string): string {
  if (value === '') throw invalid('update_id', 'is required');
  if (value.length > MAX_UPDATE_ID_LENGTH)
    throw invalid('update_id', `is longer than ${MAX_UPDATE_ID_LENGTH} characters`);
  return value;
}

/** int32 seconds; proto3 cannot tell 0 from unset, so 0 means "the process's default". */
function seconds(value: number, field: string): number | undefined {
  if (value < 0) throw invalid(field, `must not be negative, got ${value}`);
  return value === 0 ? undefined : value;
}

/** Instance indexes; none given means all (the app refuses a partial set). */
function instanceIndexes(values: number[]): number[] | undefined {
  const negative = values.find((v) => v < 0);
  if (negative !== undefined)
    throw invalid('instances', `must be instance indexes (0 or more), got ${negative}`);
  return values.length === 0 ? undefined : values;
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
