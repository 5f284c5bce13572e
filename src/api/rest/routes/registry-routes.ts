/**
 * The JSON twins of tunnel.TunnelService: GET /api/registry (the managed gRPC services, read by
 * server reflection) and POST /api/invoke (call a unary method with JSON). Paths and keys are the
 * original gowinproc's. /api/invoke takes `data` as a JSON object (as the original REST route)
 * or as JSON text (as TunnelService), and answers `data` as a JSON value; `process` may come
 * from the query, so a registry entry's proxy_path (`/api/invoke?process=<name>`) is usable as is.
 */
import { z } from 'zod';
import type { App } from '../../../app/index.js';
import { DaemonError } from '../../../shared/index.js';
import { route } from '../route.js';

const fieldSchema = z.object({
  name: z.string(),
  type: z.string(),
  repeated: z.boolean(),
  number: z.number().int(),
  optional: z.boolean(),
});

const registrySchema = z.object({
  proxy_base_url: z.string(),
  available_processes: z.array(
    z.object({
      name: z.string(),
      display_name: z.string(),
      status: z.enum(['healthy', 'degraded', 'starting', 'stopped', 'failed']),
      instances: z.number().int(),
      proxy_path: z.string(),
      repository: z.string(),
      current_ports: z.array(z.number().int()),
      services: z.array(
        z.object({
          name: z.string(),
          methods: z.array(
            z.object({ name: z.string(), input_type: z.string(), output_type: z.string() }),
          ),
        }),
      ),
      messages: z.record(z.string(), z.object({ name: z.string(), fields: z.array(fieldSchema) })),
    }),
  ),
  timestamp: z.string(),
});

const invokeQuery = z.object({ process: z.string().min(1).max(200).optional() }).strict();

const invokeBody = z
  .object({
    process: z.string().min(1).max(200).optional(),
    service: z.string().min(1).max(500),
    method: z.string().min(1).max(200),
    data: z
      .union([z.string(), z.record(z.string(), z.unknown())])
      .optional()
      .describe('the request message: a JSON object, or JSON text'),
  })
  .strict();

const invokeResponse = z.object({
  success: z.boolean(),
  data: z.unknown().optional().describe('the response message as proto3 JSON'),
  error: z.string().optional(),
});

export function registryRoutes(app: App) {
  return [
    route({
      method: 'get',
      path: '/api/registry',
      summary:
        'Managed processes with the gRPC services and message schemas of a ready instance (server reflection)',
      role: 'viewer',
      response: registrySchema,
      handler: () => app.registry.registry(),
    }),
    route({
      method: 'post',
      path: '/api/invoke',
      summary:
        "Call a unary gRPC method of a process's ready instance (round robin) with a JSON request; a gRPC error status of the method is success: false",
      role: 'operator',
      query: invokeQuery,
      body: invokeBody,
      response: invokeResponse,
      handler: async ({ query, body }) => {
        const result = await app.registry.invoke({
          process: processOf(query.process, body.process),
          service: body.service,
          method: body.method,
          data: typeof body.data === 'string' ? body.data : JSON.stringify(body.data ?? {}),
        });
        return result.success
          ? { success: true, data: JSON.parse(result.data) as unknown }
          : { success: false, error: result.error };
      },
    }),
  ];
}

function processOf(inQuery: string | undefined, inBody: string | undefined): string {
  if (inQuery !== undefined && inBody !== undefined && inQuery !== inBody) {
    throw new DaemonError(
      'invalid_argument',
      `invalid request: process is ${JSON.stringify(inBody)} in the body but ${JSON.stringify(inQuery)} in the query`,
    );
  }
  const process = inBody ?? inQuery;
  if (process === undefined) {
    throw new DaemonError('invalid_argument', 'invalid request: process: required');
  }
  return process;
}
