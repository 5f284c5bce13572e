/**
 * What the edges show: plain JSON shapes built from the supervisor's objects. REST returns them
 * as they are; gRPC maps them to its messages. Keys the original gowinproc defined keep their
 * names (id, process_name, pid, status, start_time, port); new keys sit beside them.
 */
import { MASK, presentConfig, type Config, type ProcessConfig } from '../config/index.js';
import {
  hasProcess,
  type Instance,
  type InstanceStatus,
  type Program,
  type SupervisorEvent,
} from '../core/index.js';
import type { InstanceMetricsView } from './metrics-views.js';

export interface InstanceView {
  id: string;
  index: number;
  process_name: string;
  pid: number | null;
  status: InstanceStatus;
  port: number | null;
  /** RFC 3339 start of the current OS process, or null when none runs. */
  start_time: string | null;
  uptime_seconds: number | null;
  restarts: number;
  version: string | null;
  /** Why it is in this state (backoff, failed, stopped, unhealthy). */
  reason?: string | undefined;
  /** backoff: when the next attempt runs (RFC 3339). */
  next_attempt_at?: string | undefined;
  attempt?: number | undefined;
  last_exit?: { code: number | null; signal: string | null } | undefined;
  /** backoff/failed: the last lines the instance wrote to stderr. */
  stderr_tail?: string[] | undefined;
  /** The latest sample while the instance runs (absent before its first one). */
  metrics?: InstanceMetricsView | undefined;
}

/** The latest metrics of an instance's current OS process, when sampled. */
export type InstanceMetricsLookup = (
  instanceId: string,
  pid: number | null,
) => InstanceMetricsView | undefined;

export type ProcessHealth = 'healthy' | 'degraded' | 'starting' | 'stopped' | 'failed';

export interface ProcessSummary {
  name: string;
  status: ProcessHealth;
  /** Instances that count (not stopping or stopped). */
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

export interface ProcessDetail extends ProcessSummary {
  config: Record<string, unknown>;
  instances: InstanceView[];
  events: SupervisorEvent[];
}

export function instanceView(
  instance: Instance,
  now: number,
  metricsOf?: InstanceMetricsLookup,
): InstanceView {
  const state = instance.state();
  const startedAt = instance.startedAt;
  const running = hasProcess(state) && startedAt !== undefined;
  const view: InstanceView = {
    id: instance.id,
    index: instance.index,
    process_name: instance.process.name,
    pid: hasProcess(state) ? state.pid : null,
    status: state.status,
    port: instance.port === 0 ? null : instance.port,
    start_time: running ? new Date(startedAt).toISOString() : null,
    uptime_seconds: running ? Math.max(0, Math.floor((now - startedAt) / 1000)) : null,
    restarts: instance.restarts,
    version: instance.version ?? null,
  };
  if ('reason' in state) view.reason = state.reason;
  if (state.status === 'backoff') {
    view.next_attempt_at = new Date(state.nextAttemptAt).toISOString();
    view.attempt = state.attempt;
  }
  if (
    (state.status === 'backoff' || state.status === 'failed' || state.status === 'stopped') &&
    state.exit
  ) {
    view.last_exit = { code: state.exit.code, signal: state.exit.signal };
  }
  if (state.status === 'backoff' || state.status === 'failed') view.stderr_tail = state.stderrTail;
  const metrics = metricsOf?.(instance.id, view.pid);
  if (metrics) view.metrics = metrics;
  return view;
}

export function processSummary(program: Program): ProcessSummary {
  const instances = program.instances();
  const active = program.active();
  const ready = program.ready().length;
  return {
    name: program.name,
    status: processHealth(
      active.map((i) => i.status),
      ready,
      program.desired,
    ),
    instance_count: active.length,
    ready_count: ready,
    desired: program.desired,
    min_instances: program.config.min_instances,
    max_instances: program.config.max_instances,
    restarts: instances.reduce((sum, i) => sum + i.restarts, 0),
    version: instances.find((i) => i.version !== undefined)?.version ?? null,
    port: program.config.port ?? null,
    repository: program.config.repository ?? null,
    operation: program.currentOperation ?? null,
  };
}

export function processDetail(
  program: Program,
  config: Config,
  now: number,
  metricsOf?: InstanceMetricsLookup,
): ProcessDetail {
  const events = program
    .instances()
    .flatMap((i) => i.events())
    .sort((a, b) => a.seq - b.seq)
    .slice(-50);
  return {
    ...processSummary(program),
    config: presentProcessConfig(config, program.config),
    instances: program.instances().map((i) => instanceView(i, now, metricsOf)),
    events,
  };
}

/**
 * One process's config as shown by the API: durations as strings, secrets masked, and every env
 * value masked (names do not always tell a secret: DATABASE_URL holds a password).
 */
function presentProcessConfig(config: Config, process: ProcessConfig): Record<string, unknown> {
  const env = Object.fromEntries(Object.keys(process.env).map((name) => [name, MASK]));
  const shown = presentConfig({ ...config, processes: [{ ...process, env }], load_balancers: [] });
  return (shown['processes'] as Array<Record<string, unknown>>)[0] ?? {};
}

/**
 * The process's overall health: healthy when every wanted instance is ready, degraded when some
 * are, failed when an instance gave up and none is ready, starting while none is ready yet.
 */
export function processHealth(
  statuses: InstanceStatus[],
  ready: number,
  desired: number,
): ProcessHealth {
  if (statuses.length === 0) return desired === 0 ? 'stopped' : 'degraded';
  if (ready >= desired && ready === statuses.length) return 'healthy';
  if (ready > 0) return 'degraded';
  if (statuses.includes('failed')) return 'failed';
  if (statuses.every((s) => s === 'starting' || s === 'running')) return 'starting';
  return 'degraded';
}
