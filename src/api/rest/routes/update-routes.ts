/**
 * Routes of rest.md whose feature comes later (GitHub hot-deploy): they answer 501 not_implemented naming the
 * feature, never a fake success. Their schemas are complete, so the OpenAPI document already
 * shows the contract. A process route still answers 404 for an unknown name first.
 */
import type { App } from '../../../app/index.js';
import { DaemonError } from '../../../shared/index.js';
import { route } from '../route.js';
import { processName } from '../schemas.js';
import {
  availableUpdatesSchema,
  processUpdateBody,
  processUpdateStarted,
  processVersionSchema,
  rollbackBody,
  rollbackStarted,
  updateAllBody,
  updateAllStarted,
  updateId,
  updateStatusSchema,
} from './pending-schemas.js';

const HOT_DEPLOY = 'the GitHub hot-deploy feature';

function notYet(what: string, feature: string): never {
  throw new DaemonError(
    'not_implemented',
    `${what} is not implemented yet: it comes with ${feature}`,
  );
}

export function pendingRoutes(app: App) {
  /** Answers 404 for an unknown process before saying the feature is missing. */
  const forProcess = (name: string, what: string, feature: string): never => {
    app.processes.status(name);
    return notYet(what, feature);
  };
  return [
    route({
      method: 'post',
      path: '/api/v1/processes/:name/update',
      summary:
        'Update a process to a release (default: the latest) with a zero-downtime replace; answers at once with the update id',
      role: 'operator',
      pending: HOT_DEPLOY,
      status: 202,
      params: processName,
      body: processUpdateBody,
      response: processUpdateStarted,
      handler: ({ params }) => forProcess(params.name, 'updating a process', HOT_DEPLOY),
    }),
    route({
      method: 'get',
      path: '/api/v1/processes/:name/version',
      summary:
        "A process's current and latest version, per-instance versions and the install history",
      role: 'viewer',
      pending: HOT_DEPLOY,
      params: processName,
      response: processVersionSchema,
      handler: ({ params }) => forProcess(params.name, 'process versions', HOT_DEPLOY),
    }),
    route({
      method: 'post',
      path: '/api/v1/processes/:name/rollback',
      summary: 'Roll a process back to a version (default: the previous one)',
      role: 'operator',
      pending: HOT_DEPLOY,
      status: 202,
      params: processName,
      body: rollbackBody,
      response: rollbackStarted,
      handler: ({ params }) => forProcess(params.name, 'rollback', HOT_DEPLOY),
    }),
    route({
      method: 'post',
      path: '/api/v1/update',
      summary: 'Update every process that has a newer release',
      role: 'operator',
      pending: HOT_DEPLOY,
      status: 202,
      body: updateAllBody,
      response: updateAllStarted,
      handler: () => notYet('updating all processes', HOT_DEPLOY),
    }),
    route({
      method: 'get',
      path: '/api/v1/updates/available',
      summary: 'Per process: the current and the latest release, with release notes',
      role: 'viewer',
      pending: HOT_DEPLOY,
      response: availableUpdatesSchema,
      handler: () => notYet('the list of available updates', HOT_DEPLOY),
    }),
    route({
      method: 'get',
      path: '/api/v1/updates/:id',
      summary: "An update's current status",
      role: 'viewer',
      pending: HOT_DEPLOY,
      params: updateId,
      response: updateStatusSchema,
      handler: () => notYet('update status', HOT_DEPLOY),
    }),
    route({
      method: 'get',
      path: '/api/v1/updates/:id/events',
      summary:
        "An update's progress as server-sent events: the current status first, then one per change until completed or failed",
      role: 'viewer',
      pending: HOT_DEPLOY,
      params: updateId,
      response: updateStatusSchema,
      produces: 'sse',
      events: { status: updateStatusSchema },
      handler: () => notYet('update event streams', HOT_DEPLOY),
    }),
  ];
}
