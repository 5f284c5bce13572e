/**
 * Hot deploys over REST (rest.md): update one process or all, roll back, read versions and
 * available releases, and follow an update by id — as JSON, or as server-sent events that start
 * with the current status and end after the final one.
 */
import type { App } from '../../../app/index.js';
import { route, sse, type SseEvent } from '../route.js';
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
} from './update-schemas.js';

export function updateRoutes(app: App) {
  return [
    route({
      method: 'post',
      path: '/api/v1/processes/:name/update',
      summary:
        'Update a process to a release (default: the latest) with a zero-downtime deploy; answers at once with the update id',
      role: 'operator',
      status: 202,
      params: processName,
      body: processUpdateBody,
      response: processUpdateStarted,
      handler: ({ params, body }) => app.updates.update(params.name, body),
    }),
    route({
      method: 'get',
      path: '/api/v1/processes/:name/version',
      summary:
        "A process's current, previous and latest version, per-instance versions and the install history",
      role: 'viewer',
      params: processName,
      response: processVersionSchema,
      handler: ({ params }) => app.updates.version(params.name),
    }),
    route({
      method: 'post',
      path: '/api/v1/processes/:name/rollback',
      summary: 'Roll a process back to an installed version (default: the previous one)',
      role: 'operator',
      status: 202,
      params: processName,
      body: rollbackBody,
      response: rollbackStarted,
      handler: ({ params, body }) => app.updates.rollback(params.name, body),
    }),
    route({
      method: 'post',
      path: '/api/v1/update',
      summary: 'Update every process whose latest release is not the one it runs',
      role: 'operator',
      status: 202,
      body: updateAllBody,
      response: updateAllStarted,
      handler: ({ body }) => app.updates.updateAll(body),
    }),
    route({
      method: 'get',
      path: '/api/v1/updates/available',
      summary: 'Per process with a repository: the current and the latest release, with notes',
      role: 'viewer',
      response: availableUpdatesSchema,
      handler: () => app.updates.available(),
    }),
    route({
      method: 'get',
      path: '/api/v1/updates/:id',
      summary: "An update's (or rollback's) current status",
      role: 'viewer',
      params: updateId,
      response: updateStatusSchema,
      handler: ({ params }) => app.updates.status(params.id),
    }),
    route({
      method: 'get',
      path: '/api/v1/updates/:id/events',
      summary:
        "An update's progress as server-sent events (`status`): the current status first, then one per change until completed, failed or rolled_back",
      role: 'viewer',
      params: updateId,
      response: updateStatusSchema,
      produces: 'sse',
      events: { status: updateStatusSchema },
      handler: ({ params, signal }) => {
        app.updates.status(params.id); // 404 before the stream starts
        return sse(followStatus(app, params.id, signal));
      },
    }),
  ];
}

async function* followStatus(app: App, id: string, signal: AbortSignal): AsyncGenerator<SseEvent> {
  for await (const status of app.updates.follow(id, signal))
    yield { event: 'status', data: JSON.stringify(status) };
}
