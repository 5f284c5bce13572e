/**
 * Shapes metrics into chart columns: one series per instance index (an index keeps its line
 * across restarts in place), x in Unix seconds, null where an instance has no sample.
 */
import type { ChartData } from '../../components/chart';
import type { InstanceMetrics, MetricsFrame } from '../../api/types';

/** One bucket of GET /api/v1/processes/:name/metrics `series` (metrics-schemas.ts). */
export interface MetricsBucket {
  time: string;
  index: number;
  cpu_usage: number | null;
  cpu_usage_max: number | null;
  memory_usage: number;
  memory_usage_max: number;
  disk_read: number | null;
  disk_write: number | null;
  handles: number | null;
  threads: number | null;
}

/** GET /api/v1/processes/:name/metrics (the fields the screen reads). */
export interface ProcessMetricsAnswer {
  process: string;
  current: {
    instances: InstanceMetrics[];
    aggregated: {
      total_cpu_usage: number | null;
      total_memory_usage: number;
      instance_count: number;
    };
  };
  series: MetricsBucket[];
  from: string;
  to: string;
  step: string;
  step_ms: number;
}

export type Metric = 'cpu' | 'memory';

export interface Range {
  id: string;
  label: string;
  /** The `from` query: that long before now; the daemon picks a step of about 300 points. */
  from: string;
}

export const RANGES: Range[] = [
  { id: '5m', label: '5 min', from: '-5m' },
  { id: '1h', label: '1 h', from: '-1h' },
  { id: '24h', label: '24 h', from: '-24h' },
  { id: '7d', label: '7 d', from: '-7d' },
];

const seconds = (time: string): number => Math.floor(Date.parse(time) / 1000);

function pivot<T>(
  rows: T[],
  xOf: (row: T) => number,
  indexOf: (row: T) => number,
  valueOf: (row: T) => number | null,
): ChartData {
  const xs = [...new Set(rows.map(xOf))].sort((a, b) => a - b);
  const indices = [...new Set(rows.map(indexOf))].sort((a, b) => a - b);
  const column = new Map(xs.map((x, i) => [x, i]));
  const series = indices.map((index) => ({
    label: `#${index}`,
    values: new Array<number | null>(xs.length).fill(null),
  }));
  const row = new Map(indices.map((index, i) => [index, series[i]!]));
  for (const r of rows) {
    const target = row.get(indexOf(r));
    const at = column.get(xOf(r));
    if (target && at !== undefined) target.values[at] = valueOf(r);
  }
  return { x: xs, series };
}

const pickLive = (metric: Metric) => (m: InstanceMetrics) =>
  metric === 'cpu' ? m.cpu_usage : m.memory_usage;

/** The live window: this process's instances in each recent metrics frame. */
export function liveSeries(
  frames: readonly MetricsFrame[],
  process: string,
  metric: Metric,
): ChartData {
  const rows: Array<{ x: number; m: InstanceMetrics }> = [];
  for (const frame of frames) {
    const x = seconds(frame.time);
    for (const m of frame.instances) if (m.process_name === process) rows.push({ x, m });
  }
  const pick = pickLive(metric);
  return pivot(
    rows,
    (r) => r.x,
    (r) => r.m.index,
    (r) => pick(r.m),
  );
}

/** The stored history (averages per step). */
export function historySeries(buckets: readonly MetricsBucket[], metric: Metric): ChartData {
  return pivot(
    [...buckets],
    (b) => seconds(b.time),
    (b) => b.index,
    (b) => (metric === 'cpu' ? b.cpu_usage : b.memory_usage),
  );
}

/** The latest figures of one instance: the live frame's when it has them, else the detail's. */
export function latestMetrics(
  frame: MetricsFrame | undefined,
  instanceId: string,
  fallback: InstanceMetrics | undefined,
): InstanceMetrics | undefined {
  return frame?.instances.find((m) => m.instance_id === instanceId) ?? fallback;
}
