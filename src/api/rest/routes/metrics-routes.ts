/** Metrics: a process's current figures and history, the host's, and the Prometheus text. */
import { z } from 'zod';
import type { App } from '../../../app/index.js';
import { raw, route } from '../route.js';
import { processName } from '../schemas.js';
import {
  hostMetricsQuery,
  hostMetricsSchema,
  processMetricsQuery,
  processMetricsSchema,
} from './metrics-schemas.js';

const PROMETHEUS_CONTENT_TYPE = 'text/plain; version=0.0.4; charset=utf-8';

export function metricsRoutes(app: App) {
  return [
    route({
      method: 'get',
      path: '/api/v1/processes/:name/metrics',
      summary:
        "A process's latest sample per instance and aggregated, and its stored series (averages and maxima per step)",
      role: 'viewer',
      params: processName,
      query: processMetricsQuery,
      response: processMetricsSchema,
      handler: ({ params, query }) => app.metrics.process(params.name, query),
    }),
    route({
      method: 'get',
      path: '/api/v1/metrics/host',
      summary:
        "The host's CPU, load, memory, disk and network, and the daemon's own figures: latest and as a series",
      role: 'viewer',
      query: hostMetricsQuery,
      response: hostMetricsSchema,
      handler: ({ query }) => app.metrics.host(query),
    }),
    route({
      method: 'get',
      path: '/metrics',
      summary:
        'Instances, host and daemon in the Prometheus text format (404 when metrics.prometheus is false)',
      role: 'viewer',
      produces: { raw: PROMETHEUS_CONTENT_TYPE },
      response: z.string().meta({ description: 'Prometheus text exposition format 0.0.4' }),
      handler: async () => {
        const { contentType, body } = await app.metrics.prometheus();
        return raw(contentType, body);
      },
    }),
  ];
}
