/**
 * The schemas of the routes that a later feature implements (GitHub hot-deploy), written
 * now from rest.md and grpc.md so the OpenAPI document is complete and the features have a
 * contract to fill. Keys the original gowinproc defined keep their spelling (camelCase in
 * /api/v1/update and /api/v1/updates/available).
 */
import { z } from 'zod';

const int = () => z.number().int();
export const updateId = z.object({ id: z.string().min(1).max(200) });

export const processUpdateBody = z
  .object({
    version: z.string().min(1).max(200).optional().meta({ description: 'Default: the latest' }),
    force: z.boolean().optional().meta({ description: 'Reinstall even when already current' }),
    strategy: z.string().min(1).max(50).optional(),
    instances: z
      .array(z.number().int().min(0))
      .optional()
      .meta({ description: 'Only these instance indexes; all when absent' }),
  })
  .strict()
  .default({});

export const processUpdateStarted = z.object({
  message: z.string(),
  process: z.string(),
  update_id: z.string(),
  current_version: z.string(),
  target_version: z.string(),
});

export const updateStatusSchema = z.object({
  update_id: z.string(),
  process_name: z.string(),
  status: z.enum([
    'downloading',
    'verifying',
    'extracting',
    'starting',
    'health_check',
    'draining',
    'stopping',
    'completed',
    'failed',
    'rolled_back',
  ]),
  progress: z.number().int().min(0).max(100),
  message: z.string(),
  timestamp: int().meta({ description: 'Unix milliseconds' }),
});

export const processVersionSchema = z.object({
  process: z.string(),
  current_version: z.string(),
  latest_version: z.string(),
  update_available: z.boolean(),
  instances: z.array(z.object({ id: z.string(), version: z.string(), uptime: int() })),
  history: z.array(
    z.object({ version: z.string(), installed_at: z.string(), active: z.boolean() }).loose(),
  ),
  update_status: updateStatusSchema.optional(),
});

export const rollbackBody = z
  .object({
    version: z.string().min(1).max(200).optional().meta({ description: 'Default: the previous' }),
  })
  .strict()
  .default({});

export const rollbackStarted = z.object({
  message: z.string(),
  process: z.string(),
  rollback_id: z.string(),
  from_version: z.string(),
  to_version: z.string(),
});

export const updateAllBody = z
  .object({
    strategy: z.string().min(1).max(50).optional(),
    force: z.boolean().optional(),
    timeout: z.number().int().min(1).optional().meta({ description: 'Seconds' }),
    healthCheckDelay: z.number().int().min(0).optional().meta({ description: 'Seconds' }),
  })
  .strict()
  .default({});

export const updateAllStarted = z.object({
  success: z.boolean(),
  message: z.string(),
  processes: z.array(
    z.object({
      name: z.string(),
      current_version: z.string(),
      target_version: z.string(),
      status: z.string(),
      estimated_duration: int().meta({ description: 'Seconds' }),
    }),
  ),
  updateId: z.string(),
});

export const availableUpdatesSchema = z.object({
  updates: z.array(
    z.object({
      processName: z.string(),
      currentVersion: z.string(),
      latestVersion: z.string(),
      releaseDate: z.string(),
      releaseNotes: z.string(),
      upToDate: z.boolean(),
    }),
  ),
});
