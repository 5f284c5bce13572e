/**
 * The schemas of the hot-deploy routes (rest.md), matching the app's update views
 * (src/app/update-use-cases.ts). Keys the original gowinproc defined keep their spelling
 * (camelCase in /api/v1/update and /api/v1/updates/available); new keys sit beside them.
 */
import { z } from 'zod';

const int = () => z.number().int();
const strategy = z
  .enum(['rolling', 'blue-green', 'immediate'])
  .meta({ description: "Default: the process's github.strategy (rolling unless set)" });
const errorInfo = z.object({ code: z.string(), message: z.string() });

export const updateId = z.object({ id: z.string().min(1).max(200) });

export const processUpdateBody = z
  .object({
    version: z.string().min(1).max(200).optional().meta({ description: 'Default: the latest' }),
    force: z.boolean().optional().meta({ description: 'Reinstall even when already current' }),
    strategy: strategy.optional(),
    instances: z.array(z.number().int().min(0)).optional().meta({
      description:
        'Instance indexes: a process runs one version, so only the whole set (or none) is accepted',
    }),
    timeout: z.number().int().min(1).optional().meta({
      description: 'Seconds each new instance may take to become ready (default: its health check)',
    }),
    healthCheckDelay: z.number().int().min(0).optional().meta({
      description: 'Seconds a new instance must stay ready before an old one stops (rolling)',
    }),
  })
  .strict()
  .default({});

export const processUpdateStarted = z.object({
  message: z.string(),
  process: z.string(),
  update_id: z.string(),
  current_version: z.string().meta({ description: '"" when the process runs its binary_path' }),
  target_version: z.string(),
  estimated_duration: int().meta({ description: 'Seconds (rough)' }),
});

export const UPDATE_STATUS_VALUES = [
  'pending',
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
] as const;

export const updateStatusSchema = z.object({
  update_id: z.string(),
  process_name: z.string(),
  status: z.enum(UPDATE_STATUS_VALUES).meta({
    description:
      "grpc.md's values; `pending` only for the instant between the start and the first step",
  }),
  progress: z.number().int().min(0).max(100),
  message: z.string(),
  timestamp: int().meta({ description: 'Unix milliseconds of the latest change' }),
  kind: z.enum(['update', 'rollback']),
  from_version: z.string(),
  to_version: z.string(),
  strategy: z.enum(['rolling', 'blue-green', 'immediate']),
  trigger: z.string().optional().meta({ description: 'api, webhook, poller, cloudflare...' }),
  started_at: int(),
  ended_at: int().optional(),
  download: z
    .object({ bytes: int(), total: int().nullable(), rate: int().meta({ description: 'bytes/s' }) })
    .optional(),
  error: errorInfo.optional(),
});

export const processVersionSchema = z.object({
  process: z.string(),
  current_version: z.string().meta({ description: '"" when the process runs its binary_path' }),
  previous_version: z.string(),
  latest_version: z.string().meta({ description: '"" when GitHub could not be asked' }),
  update_available: z.boolean(),
  latest_error: errorInfo.optional(),
  repository: z.string().nullable(),
  instances: z.array(z.object({ id: z.string(), version: z.string(), uptime: int() })),
  history: z.array(
    z.object({
      version: z.string(),
      installed_at: z.string(),
      active: z.boolean(),
      previous: z.boolean(),
      installed: z.boolean().meta({ description: 'false once pruned from disk' }),
      asset: z.string(),
      sha256: z.string(),
      verified: z.boolean(),
      published_at: z.string().optional(),
      release_url: z.string().optional(),
    }),
  ),
  update_status: updateStatusSchema.optional(),
});

export const rollbackBody = z
  .object({
    version: z.string().min(1).max(200).optional().meta({ description: 'Default: the previous' }),
    strategy: strategy.optional(),
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
    strategy: strategy.optional(),
    force: z.boolean().optional(),
    timeout: z.number().int().min(0).optional().meta({
      description: 'Seconds each new instance may take to become ready (0: its health check)',
    }),
    healthCheckDelay: z.number().int().min(0).optional().meta({
      description: 'Seconds a new instance must stay ready before an old one stops (rolling)',
    }),
  })
  .strict()
  .default({});

export const updateAllStarted = z.object({
  success: z.boolean().meta({ description: 'false when a lookup or a start failed' }),
  message: z.string(),
  processes: z.array(
    z.object({
      name: z.string(),
      current_version: z.string(),
      target_version: z.string(),
      status: z.enum(['started', 'up_to_date', 'skipped', 'failed']),
      estimated_duration: int().meta({ description: 'Seconds (rough)' }),
      update_id: z.string().optional(),
      message: z.string().optional(),
    }),
  ),
  updateId: z.string().meta({ description: 'The first started update\'s id ("" when none)' }),
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
      repository: z.string(),
      releaseUrl: z.string().optional(),
      error: errorInfo.optional(),
    }),
  ),
});
