/**
 * Recorded REST answers in the shapes of docs/api.md (src/api/rest/schemas.ts and
 * routes/metrics-schemas.ts) for the overview and process screen tests.
 */
import type {
  DaemonEvent,
  DaemonStatus,
  Instance,
  InstanceMetrics,
  MetricsFrame,
  ProcessDetail,
  ProcessList,
  ProcessSummary,
} from '../../api/types';
import type { LogLine } from './log-lines';
import type { ProcessMetricsAnswer } from './series';

export const whoami = (role: 'viewer' | 'operator' | 'admin') => ({
  json: {
    authenticated: true,
    auth_required: true,
    role,
    name: role === 'viewer' ? 'watcher' : 'ops',
  },
});

export function instanceMetrics(
  process: string,
  index: number,
  id: string,
  cpu: number | null,
  memory: number,
  time = '2026-11-29T04:19:09.496Z',
): InstanceMetrics {
  return {
    process_name: process,
    instance_id: id,
    index,
    pid: 9700 + index,
    time,
    cpu_usage: cpu,
    memory_usage: memory,
    disk_read: 0,
    disk_write: 0,
    uptime: 204,
    handles: 19,
    threads: 11,
    processes: 1,
  };
}

export const webInstances: Instance[] = [
  {
    id: 'web-0-1cd839',
    index: 0,
    process_name: 'web',
    pid: 9172,
    status: 'healthy',
    port: 18100,
    start_time: '2026-11-29T00:32:48.888Z',
    uptime_seconds: 3725,
    restarts: 0,
    version: 'v1.2.0',
    metrics: instanceMetrics('web', 0, 'web-0-1cd839', 12.5, 54525952),
  },
  {
    id: 'web-1-77aa01',
    index: 1,
    process_name: 'web',
    pid: null,
    status: 'backoff',
    port: null,
    start_time: null,
    uptime_seconds: null,
    restarts: 2,
    version: 'v1.2.0',
    reason: 'exited with code 1',
    next_attempt_at: '2026-11-29T00:40:00.000Z',
    attempt: 2,
    last_exit: { code: 1, signal: null },
    stderr_tail: ['about to exit with 1', 'crashing now'],
  },
];

export const webSummary: ProcessSummary = {
  name: 'web',
  status: 'degraded',
  instance_count: 2,
  ready_count: 1,
  desired: 2,
  min_instances: 1,
  max_instances: 4,
  restarts: 2,
  version: 'v1.2.0',
  port: 18100,
  repository: 'acme/web',
  operation: null,
};

export const webEvents: DaemonEvent[] = [
  {
    seq: 10,
    at: 1795921006316,
    process: 'web',
    type: 'instance.state',
    instance: 'web-1-77aa01',
    index: 1,
    from: 'running',
    to: 'backoff',
    reason: 'exited with code 1',
  },
  {
    seq: 9,
    at: 1795921006000,
    process: 'web',
    type: 'instance.health',
    instance: 'web-0-1cd839',
    index: 0,
    ok: true,
    check: 'http',
    detail: 'http 200',
    consecutiveFailures: 0,
  },
];

export const webDetail: ProcessDetail = {
  ...webSummary,
  config: { name: 'web', binary_path: '/srv/web', instances: 2, secrets: { TOKEN: '***' } },
  instances: webInstances,
  events: webEvents,
};

export const crashySummary: ProcessSummary = {
  name: 'crashy',
  status: 'failed',
  instance_count: 1,
  ready_count: 0,
  desired: 1,
  min_instances: 1,
  max_instances: 1,
  restarts: 3,
  version: null,
  port: null,
  repository: null,
  operation: null,
};

export const crashyDetail: ProcessDetail = {
  ...crashySummary,
  config: { name: 'crashy' },
  instances: [
    {
      id: 'crashy-0-9d8565',
      index: 0,
      process_name: 'crashy',
      pid: null,
      status: 'failed',
      port: null,
      start_time: null,
      uptime_seconds: null,
      restarts: 3,
      version: null,
      reason: 'exited with code 1; exited 4 times within 60000ms (max_restarts: 3)',
      last_exit: { code: 1, signal: null },
      stderr_tail: ['about to exit with 1', 'crashing now'],
    },
  ],
  events: [],
};

export const apiSummary: ProcessSummary = {
  ...webSummary,
  name: 'api',
  status: 'healthy',
  ready_count: 1,
  instance_count: 1,
  desired: 1,
  restarts: 0,
  version: null,
  port: 18200,
  repository: null,
};

export const processList = (items: ProcessSummary[]): ProcessList => ({
  processes: items.map((p) => p.name),
  count: items.length,
  items,
});

export const daemonStatus: DaemonStatus = {
  status: 'running',
  processes: 3,
  total_instances: 4,
  running_instances: 2,
  ready_instances: 2,
  version: '0.8.0',
  uptime: 3725.4,
  pid: 4242,
};

export function frame(time: string, instances: InstanceMetrics[], cpu = 37.5): MetricsFrame {
  return {
    time,
    instances,
    host: {
      time,
      cpu_percent: cpu,
      cores: 8,
      load1: 1.25,
      memory_total: 17179869184,
      memory_used: 8589934592,
      memory_available: 8589934592,
      disk_total: 270553174016,
      disk_free: 84560084992,
      disk_used: 185993089024,
      disk_read: 1024,
      disk_write: 2048,
      network_recv: 4096,
      network_sent: 512,
    },
    daemon: {
      time,
      cpu_percent: 0.29,
      memory_rss: 76750848,
      heap_used: 17448976,
      event_loop_lag_ms: 1.9,
    },
  };
}

export const logLines: LogLine[] = [
  {
    process: 'web',
    instance: 0,
    instance_id: 'web-0-1cd839',
    time: '2026-11-29T00:32:48.888Z',
    stream: 'sys',
    text: 'started pid 9172 on port 18100',
  },
  {
    process: 'web',
    instance: 0,
    instance_id: 'web-0-1cd839',
    time: '2026-11-29T00:32:48.998Z',
    stream: 'out',
    text: 'ready 18100',
  },
  {
    process: 'web',
    instance: 1,
    instance_id: 'web-1-77aa01',
    time: '2026-11-29T00:32:49.100Z',
    stream: 'err',
    text: 'crashing now',
  },
];

export const webMetrics: ProcessMetricsAnswer = {
  process: 'web',
  current: {
    instances: [instanceMetrics('web', 0, 'web-0-1cd839', 48.95, 54525952)],
    aggregated: { total_cpu_usage: 48.95, total_memory_usage: 54525952, instance_count: 1 },
  },
  series: [
    {
      time: '2026-11-29T04:19:00.000Z',
      index: 0,
      cpu_usage: 44.72,
      cpu_usage_max: 48.61,
      memory_usage: 54525952,
      memory_usage_max: 54525952,
      disk_read: 0,
      disk_write: 0,
      handles: 19,
      threads: 11,
    },
    {
      time: '2026-11-29T04:19:05.000Z',
      index: 0,
      cpu_usage: 45.45,
      cpu_usage_max: 48.95,
      memory_usage: 54525952,
      memory_usage_max: 54525952,
      disk_read: 0,
      disk_write: 815,
      handles: 19,
      threads: 11,
    },
    {
      time: '2026-11-29T04:19:05.000Z',
      index: 1,
      cpu_usage: 3,
      cpu_usage_max: 4,
      memory_usage: 1000,
      memory_usage_max: 1000,
      disk_read: null,
      disk_write: null,
      handles: null,
      threads: null,
    },
  ],
  from: '2026-11-29T04:14:09.729Z',
  to: '2026-11-29T04:19:09.729Z',
  step: '1s',
  step_ms: 1000,
};
