/**
 * Metrics for every edge: current figures per instance and aggregated (REST, GetMetrics,
 * GetProcess), stored series by range and step, the host and the daemon itself, the live stream
 * of samples, and the Prometheus text.
 */
import type { Supervisor } from '../core/index.js';
import type {
  HostPoint,
  InstancePoint,
  MetricsTick,
  RangeQuery,
} from '../services/metrics/index.js';
import { DaemonError, formatDuration, parseDuration, type Clock } from '../shared/index.js';
import {
  aggregate,
  daemonMetricsView,
  hostMetricsView,
  hostPointView,
  instanceMetricsView,
  instancePointView,
  type AggregatedMetricsView,
  type DaemonMetricsView,
  type HostMetricsView,
  type HostPointView,
  type InstanceMetricsView,
  type InstancePointView,
} from './metrics-views.js';

/** What the metrics service gives the app (the daemon's MetricsService). */
export interface MetricsSource {
  readonly interval: number;
  latest(): MetricsTick | undefined;
  subscribe(listener: (tick: MetricsTick) => void): () => void;
  queryInstances(process: string, range: RangeQuery, index?: number): InstancePoint[];
  queryHost(range: RangeQuery): HostPoint[];
  resolutionFor(from: number): number;
  prometheus(): Promise<{ contentType: string; body: string }>;
}

export interface RangeInput {
  from?: string | undefined;
  to?: string | undefined;
  step?: string | undefined;
}

export interface CurrentMetrics {
  instances: InstanceMetricsView[];
  aggregated: AggregatedMetricsView;
}

export interface SeriesRange {
  from: string;
  to: string;
  /** The bucket width used (at least the resolution of the stored history read). */
  step: string;
  step_ms: number;
}

export interface MetricsFrame {
  time: string;
  instances: InstanceMetricsView[];
  host: HostMetricsView;
  daemon: DaemonMetricsView;
}

/** At most this many points in one answer, over all its series. */
export const MAX_POINTS = 10_000;
/** The default step aims at about this many points. */
const TARGET_POINTS = 300;
const DEFAULT_RANGE_MS = 3_600_000;
const NICE_STEPS_MS = [
  1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200, 10_800, 21_600, 43_200, 86_400,
].map((s) => s * 1000);

export class MetricsUseCases {
  constructor(
    private readonly supervisor: Supervisor,
    private readonly clock: Clock,
    private readonly source: MetricsSource | undefined,
    private readonly prometheusEnabled: boolean,
  ) {}

  /** The latest sample of every running instance (of one process, or of one instance). */
  current(name?: string, instanceRef?: string): CurrentMetrics {
    const wanted = this.wantedInstances(name, instanceRef);
    const instances = (this.source?.latest()?.instances ?? [])
      .filter((s) => wanted === undefined || wanted.has(s.instance))
      .map(instanceMetricsView);
    return { instances, aggregated: aggregate(instances) };
  }

  /** The latest sample of one instance while it still runs the same pid. */
  ofInstance(instanceId: string, pid: number | null): InstanceMetricsView | undefined {
    if (pid === null) return undefined;
    const sample = this.source
      ?.latest()
      ?.instances.find((s) => s.instance === instanceId && s.pid === pid);
    return sample ? instanceMetricsView(sample) : undefined;
  }

  /**
   * A process's current samples and its stored series. `instance` is an id (of a current
   * instance) or an index: an index that no current instance has still has its history.
   */
  process(
    name: string,
    query: RangeInput & { instance?: string | undefined },
  ): { process: string; current: CurrentMetrics; series: InstancePointView[] } & SeriesRange {
    const program = this.supervisor.program(name);
    const index =
      query.instance === undefined
        ? undefined
        : /^\d+$/.test(query.instance)
          ? Number(query.instance)
          : program.find(query.instance).index;
    const seriesCount = index === undefined ? Math.max(1, program.instances().length) : 1;
    const range = this.range(query, seriesCount);
    const points = this.source?.queryInstances(name, range, index) ?? [];
    // The check before the query counts today's instances; the history may hold more indexes
    // (scaled in, or rotated by rolling restarts).
    if (points.length > MAX_POINTS) {
      throw new DaemonError(
        'invalid_argument',
        `this range at step ${formatDuration(range.stepMs)} gives ${points.length} points over the instances this process has had, more than ${MAX_POINTS} per answer; use a larger step or ask for one instance`,
      );
    }
    const series = points.map(instancePointView);
    const all = this.current(name).instances;
    const instances = index === undefined ? all : all.filter((i) => i.index === index);
    return {
      process: name,
      current: { instances, aggregated: aggregate(instances) },
      series,
      ...rangeView(range),
    };
  }

  host(query: RangeInput): {
    current: HostMetricsView | null;
    daemon: DaemonMetricsView | null;
    series: HostPointView[];
  } & SeriesRange {
    const range = this.range(query);
    const latest = this.source?.latest();
    return {
      current: latest ? hostMetricsView(latest.host) : null,
      daemon: latest ? daemonMetricsView(latest.daemon) : null,
      series: (this.source?.queryHost(range) ?? []).map(hostPointView),
      ...rangeView(range),
    };
  }

  /** Every tick as a frame (one process's instances when `name` is given). */
  subscribe(listener: (frame: MetricsFrame) => void, name?: string): () => void {
    if (!this.source) return () => undefined;
    return this.source.subscribe((tick) =>
      listener({
        time: new Date(tick.at).toISOString(),
        instances: tick.instances
          .filter((s) => name === undefined || s.process === name)
          .map(instanceMetricsView),
        host: hostMetricsView(tick.host),
        daemon: daemonMetricsView(tick.daemon),
      }),
    );
  }

  async prometheus(): Promise<{ contentType: string; body: string }> {
    if (!this.prometheusEnabled || !this.source) {
      throw new DaemonError(
        'not_found',
        'the Prometheus endpoint is off (metrics.prometheus: false in the config)',
      );
    }
    return this.source.prometheus();
  }

  private wantedInstances(name?: string, instanceRef?: string): Set<string> | undefined {
    if (name === undefined || name === '') {
      if (instanceRef) {
        throw new DaemonError('invalid_argument', 'an instance needs its process name too');
      }
      return undefined;
    }
    const program = this.supervisor.program(name);
    const instances =
      instanceRef === undefined || instanceRef === ''
        ? program.instances()
        : [program.find(instanceRef)];
    return new Set(instances.map((i) => i.id));
  }

  private range(query: RangeInput, seriesCount = 1): RangeQuery {
    return resolveRange(
      query,
      this.clock.now(),
      (from) => (this.source ? this.source.resolutionFor(from) : 1000),
      seriesCount,
    );
  }
}

/**
 * from/to (RFC 3339, Unix ms, or `-1h` meaning that long before now) and step (a duration;
 * default about 300 points a series) as a store query. Defaults: the last hour up to now. One
 * answer holds at most MAX_POINTS points over its `seriesCount` series.
 */
export function resolveRange(
  query: RangeInput,
  now: number,
  resolutionFor: (from: number) => number,
  seriesCount = 1,
): RangeQuery {
  const to = query.to === undefined ? now : parseTime('to', query.to, now);
  const from =
    query.from === undefined ? to - DEFAULT_RANGE_MS : parseTime('from', query.from, now);
  if (from >= to) {
    throw new DaemonError(
      'invalid_argument',
      `from (${query.from ?? 'default'}) must be before to`,
    );
  }
  const resolution = resolutionFor(from);
  let stepMs: number;
  if (query.step === undefined) {
    const wanted = (to - from) / TARGET_POINTS;
    stepMs = NICE_STEPS_MS.find((s) => s >= wanted) ?? NICE_STEPS_MS[NICE_STEPS_MS.length - 1]!;
  } else {
    const parsed = parseDuration(query.step);
    if (parsed === undefined || parsed <= 0) {
      throw new DaemonError('invalid_argument', `invalid step ${JSON.stringify(query.step)}`);
    }
    stepMs = parsed;
  }
  stepMs = Math.max(stepMs, resolution);
  const points = Math.ceil((to - from) / stepMs) * seriesCount;
  if (points > MAX_POINTS) {
    const least = Math.ceil(((to - from) * seriesCount) / MAX_POINTS / 1000);
    throw new DaemonError(
      'invalid_argument',
      `this range at step ${formatDuration(stepMs)} gives ${points} points over ${seriesCount} series, more than ${MAX_POINTS} per answer; use a step of at least ${least}s${seriesCount > 1 ? ' or ask for one instance' : ''}`,
    );
  }
  return { from, to, stepMs };
}

/** The range of a JavaScript Date: beyond it a time cannot be written as RFC 3339. */
const MAX_TIME_MS = 8.64e15;

function parseTime(key: string, text: string, now: number): number {
  let ms: number | undefined;
  if (/^\d+$/.test(text)) ms = Number(text);
  else if (text.startsWith('-')) {
    const ago = parseDuration(text.slice(1));
    if (ago !== undefined) ms = now - ago;
  } else if (/^\d{4}-\d{2}-\d{2}/.test(text)) ms = Date.parse(text);
  if (ms !== undefined && Number.isFinite(ms) && Math.abs(ms) <= MAX_TIME_MS) return ms;
  throw new DaemonError(
    'invalid_argument',
    `invalid ${key} ${JSON.stringify(text)} (an RFC 3339 time, Unix milliseconds, or -1h for an hour ago)`,
  );
}

function rangeView(range: RangeQuery): SeriesRange {
  return {
    from: new Date(range.from).toISOString(),
    to: new Date(range.to).toISOString(),
    step: formatDuration(range.stepMs),
    step_ms: range.stepMs,
  };
}
