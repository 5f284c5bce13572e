/**
 * The daemon's REST answers the dashboard reads (a subset of src/app's views; docs/api.md has
 * them all). Screens that need more declare their own types beside them.
 */
export type InstanceStatus =
  'starting' | 'running' | 'healthy' | 'unhealthy' | 'stopping' | 'stopped' | 'backoff' | 'failed';

export type ProcessHealth = 'healthy' | 'degraded' | 'starting' | 'stopped' | 'failed';
export type Role = 'viewer' | 'operator' | 'admin';

export interface InstanceMetrics {
  process_name: string;
  instance_id: string;
  index: number;
  pid: number;
  time: string;
  cpu_usage: number | null;
  memory_usage: number;
  disk_read: number | null;
  disk_write: number | null;
  uptime: number;
  handles: number | null;
  threads: number | null;
  processes: number;
}

export interface Instance {
  id: string;
  index: number;
  process_name: string;
  pid: number | null;
  status: InstanceStatus;
  port: number | null;
  start_time: string | null;
  uptime_seconds: number | null;
  restarts: number;
  version: string | null;
  reason?: string;
  next_attempt_at?: string;
  attempt?: number;
  last_exit?: { code: number | null; signal: string | null };
  stderr_tail?: string[];
  metrics?: InstanceMetrics;
}

export interface ProcessSummary {
  name: string;
  status: ProcessHealth;
  instance_count: number;
  ready_count: number;
  desired: number;
  min_instances: number;
  max_instances: number;
  restarts: number;
  version: string | null;
  port: number | null;
  repository: string | null;
  operation: string | null;
}

/** One supervisor event (each type adds its own fields; never secrets). */
export interface DaemonEvent {
  seq: number;
  at: number;
  process: string;
  type: string;
  instance?: string;
  index?: number;
  message?: string;
  [field: string]: unknown;
}

export interface ProcessDetail extends ProcessSummary {
  config: Record<string, unknown>;
  instances: Instance[];
  events: DaemonEvent[];
}

export interface ProcessList {
  processes: string[];
  count: number;
  items: ProcessSummary[];
}

export interface HostMetrics {
  time: string;
  cpu_percent: number | null;
  cores: number;
  load1: number | null;
  memory_total: number;
  memory_used: number;
  memory_available: number;
  disk_total: number | null;
  disk_free: number | null;
  disk_used: number | null;
  disk_read: number | null;
  disk_write: number | null;
  network_recv: number | null;
  network_sent: number | null;
}

export interface DaemonMetrics {
  time: string;
  cpu_percent: number | null;
  memory_rss: number;
  heap_used: number;
  event_loop_lag_ms: number;
}

/** The `metrics` frame of GET /api/v1/events?metrics=1, once per metrics.interval. */
export interface MetricsFrame {
  time: string;
  instances: InstanceMetrics[];
  host: HostMetrics;
  daemon: DaemonMetrics;
}

export interface DaemonStatus {
  status: 'running' | 'shutting_down';
  processes: number;
  total_instances: number;
  running_instances: number;
  ready_instances: number;
  version: string;
  uptime: number;
  pid: number;
}

/** GET /api/v1/auth/whoami. */
export interface Whoami {
  authenticated: boolean;
  auth_required: boolean;
  role: Role;
  name: string | null;
}
