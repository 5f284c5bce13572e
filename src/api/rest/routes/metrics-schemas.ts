/**
 * The metrics routes' shapes (app/metrics-views.ts). Instance figures keep grpc.md's
 * ProcessMetrics names and units; null means the OS does not give the figure here.
 */
import { z } from 'zod';

const int = () => z.number().int();
const nullableInt = (description: string) => int().nullable().meta({ description });
const time = z
  .string()
  .meta({ description: 'An RFC 3339 time, Unix milliseconds, or -1h (that long before now)' });
const step = z
  .string()
  .regex(/^\d+(ms|s|m|h|d)$/, 'expected a duration such as 10s, 1m or 1h')
  .meta({
    description:
      'Bucket width (10s, 1m, 1h); default about 300 points; never finer than the stored resolution',
  });

export const processMetricsQuery = z
  .object({
    from: time.optional(),
    to: time.optional(),
    step: step.optional(),
    instance: z
      .string()
      .min(1)
      .max(200)
      .optional()
      .meta({ description: 'One instance (id or index); all when absent' }),
  })
  .strict();

export const hostMetricsQuery = z
  .object({ from: time.optional(), to: time.optional(), step: step.optional() })
  .strict();

export const instanceMetricsSchema = z.object({
  process_name: z.string(),
  instance_id: z.string(),
  index: int(),
  pid: int(),
  time: z.string().meta({ description: 'RFC 3339 time of the sample' }),
  cpu_usage: z.number().nullable().meta({
    description:
      'Percent of one core, the instance and its child processes; null on its first sample',
  }),
  memory_usage: int().meta({
    description: 'Resident memory (RSS) of the instance and its child processes, bytes',
  }),
  disk_read: nullableInt('Storage reads, bytes/s; null where the OS does not give them'),
  disk_write: nullableInt('Storage writes, bytes/s; null where the OS does not give them'),
  network_recv: nullableInt(
    'Always null: per-process network bytes need privileges (docs/metrics.md)',
  ),
  network_sent: nullableInt(
    'Always null: per-process network bytes need privileges (docs/metrics.md)',
  ),
  uptime: int().meta({ description: 'Seconds since its OS process started' }),
  handles: nullableInt('Open file descriptors (POSIX) or handles (Windows)'),
  threads: nullableInt('Threads over the tree'),
  processes: int().meta({ description: 'OS processes in the tree (1 without children)' }),
});

const aggregatedSchema = z.object({
  total_cpu_usage: z
    .number()
    .nullable()
    .meta({ description: 'Sum of the instances, percent of one core; null before any CPU figure' }),
  total_memory_usage: int(),
  total_disk_read: int().nullable(),
  total_disk_write: int().nullable(),
  total_network_recv: int().nullable(),
  total_network_sent: int().nullable(),
  instance_count: int(),
});

const rangeFields = {
  from: z.string(),
  to: z.string(),
  step: z.string().meta({ description: 'The bucket width used' }),
  step_ms: int(),
};

export const processMetricsSchema = z.object({
  process: z.string(),
  current: z.object({ instances: z.array(instanceMetricsSchema), aggregated: aggregatedSchema }),
  series: z.array(
    z.object({
      time: z.string().meta({ description: 'Start of the bucket' }),
      index: int(),
      cpu_usage: z.number().nullable().meta({ description: 'Average over the bucket' }),
      cpu_usage_max: z.number().nullable(),
      memory_usage: int(),
      memory_usage_max: int(),
      disk_read: int().nullable(),
      disk_write: int().nullable(),
      handles: int().nullable(),
      threads: int().nullable(),
    }),
  ),
  ...rangeFields,
});

export const hostCurrentSchema = z.object({
  time: z.string(),
  cpu_percent: z.number().nullable().meta({ description: 'Percent of the whole machine' }),
  cores: int(),
  load1: z.number().nullable(),
  load5: z.number().nullable(),
  load15: z.number().nullable(),
  memory_total: int(),
  memory_used: int(),
  memory_available: int(),
  disk_read: nullableInt('Bytes/s over the whole disks'),
  disk_write: nullableInt('Bytes/s over the whole disks'),
  disk_total: nullableInt('Bytes, the volume of the data directory'),
  disk_free: nullableInt('Bytes, the volume of the data directory'),
  disk_used: nullableInt('Bytes, the volume of the data directory'),
  network_recv: nullableInt('Bytes/s over every interface but loopback'),
  network_sent: nullableInt('Bytes/s over every interface but loopback'),
});

export const daemonMetricsSchema = z.object({
  time: z.string(),
  cpu_percent: z.number().nullable().meta({ description: 'Percent of one core' }),
  memory_rss: int(),
  heap_used: int(),
  event_loop_lag_ms: z.number(),
  event_loop_utilization: z
    .number()
    .meta({ description: 'Share of the last interval the event loop was busy, 0-1' }),
  active_handles: int(),
  tick_ms: z.number().meta({ description: 'How long the previous sampling tick took' }),
});

export const hostMetricsSchema = z.object({
  current: hostCurrentSchema.nullable().meta({ description: 'null before the first sample' }),
  daemon: daemonMetricsSchema.nullable(),
  series: z.array(
    z.object({
      time: z.string(),
      cpu_percent: z.number().nullable(),
      cpu_percent_max: z.number().nullable(),
      load1: z.number().nullable(),
      memory_used: int(),
      memory_used_max: int(),
      memory_total: int(),
      disk_read: int().nullable(),
      disk_write: int().nullable(),
      disk_free: int().nullable(),
      disk_total: int().nullable(),
      network_recv: int().nullable(),
      network_sent: int().nullable(),
      daemon_cpu_percent: z.number().nullable(),
      daemon_memory_rss: int(),
      daemon_event_loop_lag_ms: z.number(),
    }),
  ),
  ...rangeFields,
});

export const metricsFrameSchema = z
  .object({
    time: z.string(),
    instances: z.array(instanceMetricsSchema),
    host: hostCurrentSchema,
    daemon: daemonMetricsSchema,
  })
  .meta({ description: 'One sample of every running instance, the host and the daemon' });
