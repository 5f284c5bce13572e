/** Load balancers (routes, backends, stats) and the autoscaler's decisions per process. */
import { z } from 'zod';
import type { App } from '../../../app/index.js';
import { route } from '../route.js';
import { processName } from '../schemas.js';
import { autoscaleSchema, balancerName, balancerSchema } from './balancer-schemas.js';

export function balancerRoutes(app: App) {
  return [
    route({
      method: 'get',
      path: '/api/v1/balancers',
      summary: 'Every load balancer: listener, routes and backends with their call stats',
      role: 'viewer',
      response: z.object({ balancers: z.array(balancerSchema) }),
      handler: () => ({ balancers: app.balancers.list() }),
    }),
    route({
      method: 'get',
      path: '/api/v1/balancers/:name',
      summary: 'One load balancer (404 when no balancer has this name)',
      role: 'viewer',
      params: balancerName,
      response: balancerSchema,
      handler: ({ params }) => app.balancers.get(params.name),
    }),
    route({
      method: 'get',
      path: '/api/v1/processes/:name/autoscale',
      summary:
        "A process's autoscaling policy, instance counts and recent decisions, each with its reason and inputs",
      role: 'viewer',
      params: processName,
      response: autoscaleSchema,
      handler: ({ params }) => app.balancers.autoscale(params.name),
    }),
  ];
}
