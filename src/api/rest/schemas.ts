/** zod schemas of the REST bodies and answers, shared by routes and their documentation. */
import { z } from 'zod';
import { instanceMetricsSchema } from './routes/metrics-schemas.js';

export const processName = z.object({ name: z.string().min(1).max(200) });

export const instanceSchema = z.object({
  id: z.string(),
  index: z.number().int(),
  process_name: z.string(),
  pid: z.number().int().nullable(),
  status: z.enum([
    'starting',
    'running',
    'healthy',
    'unhealthy',
    'stopping',
    'stopped',
    'backoff',
    'failed',
  ]),
  port: z.number().int().nullable(),
  start_time: z.string().nullable(),
  uptime_seconds: z.number().int().nullable(),
  restarts: z.number().int(),
  version: z.string().nullable(),
  reason: z.string().optional(),
  next_attempt_at: z.string().optional(),
  attempt: z.number().int().optional(),
  last_exit: z
    .object({ code: z.number().int().nullable(), signal: z.string().nullable() })
    .optional(),
  stderr_tail: z.array(z.string()).optional(),
  metrics: instanceMetricsSchema
    .optional()
    .meta({ description: 'The latest sample while it runs (absent before its first one)' }),
});

export const processSummarySchema = z.object({
  name: z.string(),
  status: z.enum(['healthy', 'degraded', 'starting', 'stopped', 'failed']),
  instance_count: z.number().int(),
  ready_count: z.number().int(),
  desired: z.number().int(),
  min_instances: z.number().int(),
  max_instances: z.number().int(),
  restarts: z.number().int(),
  version: z.string().nullable(),
  port: z.number().int().nullable(),
  repository: z.string().nullable(),
  operation: z.string().nullable(),
});

export const processDetailSchema = processSummarySchema.extend({
  config: z.record(z.string(), z.unknown()),
  instances: z.array(instanceSchema),
  events: z.array(z.record(z.string(), z.unknown())),
});

export const errorSchema = z.object({ error: z.string(), code: z.string() });

export const messageSchema = z.object({ message: z.string() });

export const stopBody = z
  .object({ instance_id: z.string().min(1).optional(), all: z.boolean().optional() })
  .strict()
  .default({});

export const startBody = z
  .object({ instance_id: z.string().min(1).optional(), all: z.boolean().optional() })
  .strict()
  .default({});

export const restartBody = z
  .object({ instance_id: z.string().min(1).optional() })
  .strict()
  .default({});

export const scaleBody = z.object({ instances: z.number().int().min(0).max(1000) }).strict();

const flag = z
  .enum(['1', '0', 'true', 'false'])
  .transform((v) => v === '1' || v === 'true')
  .optional();

export const logsQuery = z
  .object({
    instance: z.string().min(1).optional(),
    tail: z.string().regex(/^\d+$/, 'expected a whole number').transform(Number).optional(),
    follow: flag,
  })
  .strict();

export const logLineSchema = z.object({
  process: z.string(),
  instance: z.number().int(),
  instance_id: z.string().nullable(),
  time: z.string(),
  stream: z.enum(['out', 'err', 'sys']),
  text: z.string(),
});
