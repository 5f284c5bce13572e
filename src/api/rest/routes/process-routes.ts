import { z } from 'zod';
import type { App } from '../../../app/index.js';
import { route } from '../route.js';
import {
  instanceSchema,
  messageSchema,
  processDetailSchema,
  processName,
  processSummarySchema,
  restartBody,
  scaleBody,
  startBody,
  stopBody,
} from '../schemas.js';

export function processRoutes(app: App) {
  return [
    route({
      method: 'get',
      path: '/api/v1/processes',
      summary: 'Configured processes with their state',
      role: 'viewer',
      response: z.object({
        processes: z.array(z.string()),
        count: z.number().int(),
        items: z.array(processSummarySchema),
      }),
      handler: () => app.processes.list(),
    }),
    route({
      method: 'get',
      path: '/api/v1/processes/:name',
      summary: 'One process: config (secrets masked), instances, recent events',
      role: 'viewer',
      params: processName,
      response: processDetailSchema,
      handler: ({ params }) => app.processes.get(params.name),
    }),
    route({
      method: 'get',
      path: '/api/v1/processes/:name/status',
      summary: "A process's instances",
      role: 'viewer',
      params: processName,
      response: z.object({
        process: z.string(),
        instances: z.array(instanceSchema),
        count: z.number().int(),
      }),
      handler: ({ params }) => app.processes.status(params.name),
    }),
    route({
      method: 'post',
      path: '/api/v1/processes/:name/start',
      summary:
        'Start one more instance (empty body), a stopped or failed one again (instance_id), or all (all: true: restart failed ones and return to the configured count)',
      role: 'operator',
      params: processName,
      body: startBody,
      response: z.object({
        message: z.string(),
        instance: instanceSchema.optional(),
        instances: z.array(instanceSchema).optional(),
      }),
      handler: ({ params, body }) =>
        app.processes.start(params.name, { instanceId: body.instance_id, all: body.all }),
    }),
    route({
      method: 'post',
      path: '/api/v1/processes/:name/stop',
      summary: 'Stop one instance (instance_id: id or index) or all (empty body or all: true)',
      role: 'operator',
      params: processName,
      body: stopBody,
      response: messageSchema,
      handler: ({ params, body }) =>
        app.processes.stop(params.name, { instanceId: body.instance_id, all: body.all }),
    }),
    route({
      method: 'post',
      path: '/api/v1/processes/:name/restart',
      summary: 'Zero-downtime restart of one instance or all (start new, wait ready, stop old)',
      role: 'operator',
      params: processName,
      body: restartBody,
      response: z.object({ message: z.string(), process: processDetailSchema }),
      handler: ({ params, body }) =>
        app.processes.restart(params.name, { instanceId: body.instance_id }),
    }),
    route({
      method: 'post',
      path: '/api/v1/processes/:name/scale',
      summary: 'Set the instance count within min_instances..max_instances',
      role: 'operator',
      params: processName,
      body: scaleBody,
      response: z.object({ message: z.string(), process: processDetailSchema }),
      handler: ({ params, body }) => app.processes.scale(params.name, body.instances),
    }),
  ];
}
